//! [`WebError`]: what can go wrong logging users in, and the HTTP status each answers with.

use std::sync::Arc;

use http::StatusCode;

use super::store::StoreError;
use crate::Error;
use crate::verify::TokenValidationError;

/// Everything that can go wrong in login, callback, session, refresh and logout handling.
///
/// [`status`](Self::status) is the answer each case gets: the failures of a request (a
/// callback without a known login, an error from Auth0, a refused token) are 400, a missing or
/// ended session 401 (or a redirect to the login, for browsers), a tenant that cannot be
/// reached 502, never a 500 for anything a request carries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The configuration is not usable (builder).
    #[error("invalid web login configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The callback carries no `state`.
    #[error("the login callback has no state")]
    MissingState,
    /// No login of this browser is waiting for the callback's `state`: it is unknown, its
    /// transaction cookie is gone or altered, or it is more than an hour old.
    #[error("no login is waiting for this state (unknown, altered or expired)")]
    UnknownState,
    /// The callback's `state` completed a login before: a callback is used once.
    #[error("this login was completed before: its state is spent")]
    StateReused,
    /// The callback carries neither a `code` nor an `error`.
    #[error("the login callback has no code")]
    MissingCode,
    /// Auth0 ended the login with an error (`access_denied`, `login_required`, …).
    #[error("the login ended with `{error}`{}", description.as_deref().map(|d| format!(": {}", auth0_http::printable(d))).unwrap_or_default())]
    Authorization {
        /// Auth0's `error`.
        error: String,
        /// Auth0's `error_description`, if any.
        description: Option<String>,
    },
    /// The authorization code could not be exchanged for tokens.
    #[error("the authorization code could not be exchanged")]
    CodeExchange(#[source] Error),
    /// The token answer of the login has no ID token.
    #[error("the token answer has no ID token (is `openid` in the scope?)")]
    MissingIdToken,
    /// The ID token of the login was refused.
    #[error("the ID token was refused")]
    IdToken(#[source] TokenValidationError),
    /// The request has no session (or an ended, expired or unreadable one): log in.
    #[error("no session: log in first")]
    LoginRequired,
    /// The session has no refresh token, and its access token has expired (or there is none
    /// for the audience asked for): log in again (with `offline_access` in the scope).
    #[error("the session has no refresh token for a new access token: log in again")]
    NoRefreshToken,
    /// The refresh token was refused (`invalid_grant`: revoked, expired, or reused after
    /// rotation). The session's tokens are dropped; the user logs in again.
    #[error("the refresh token was refused: log in again")]
    RefreshRevoked(#[source] Arc<Error>),
    /// A new access token could not be had for another reason (the tenant could not be
    /// reached, …); the session is left as it was.
    #[error("the access token could not be refreshed")]
    Refresh(#[source] Arc<Error>),
    /// The back-channel logout request has no `logout_token`.
    #[error("the back-channel logout request has no logout_token")]
    MissingLogoutToken,
    /// The logout token was refused.
    #[error("the logout token was refused")]
    LogoutToken(#[source] TokenValidationError),
    /// The logout token was received before (same `jti`).
    #[error("the logout token was received before")]
    LogoutTokenReplayed,
    /// The session store or logout record failed.
    #[error("the session store failed")]
    Store(#[source] StoreError),
    /// The session is too large for the cookies a browser keeps (16 cookies of 4 KB): too
    /// many audiences, or very large tokens. Use a session store.
    #[error("the session ({bytes} bytes sealed) is too large for cookies; use a session store")]
    SessionTooLarge {
        /// The sealed session's size.
        bytes: usize,
    },
}

impl WebError {
    /// The HTTP status this failure answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Config { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::MissingState
            | WebError::UnknownState
            | WebError::StateReused
            | WebError::MissingCode
            | WebError::Authorization { .. }
            | WebError::MissingIdToken
            | WebError::IdToken(_)
            | WebError::MissingLogoutToken
            | WebError::LogoutToken(_)
            | WebError::LogoutTokenReplayed => StatusCode::BAD_REQUEST,
            // The tenant refused the code (spent, expired, …): a bad request; it could not
            // be asked: a bad gateway.
            WebError::CodeExchange(e) if e.api().is_some() => StatusCode::BAD_REQUEST,
            WebError::CodeExchange(_) | WebError::Refresh(_) => StatusCode::BAD_GATEWAY,
            WebError::LoginRequired | WebError::NoRefreshToken | WebError::RefreshRevoked(_) => {
                StatusCode::UNAUTHORIZED
            }
            WebError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::SessionTooLarge { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the user must log in (again) to go on: no session, or no usable refresh token.
    pub fn is_login_required(&self) -> bool {
        matches!(
            self,
            WebError::LoginRequired | WebError::NoRefreshToken | WebError::RefreshRevoked(_)
        )
    }

    /// A short code for the failure, as in OAuth error answers (`invalid_request`,
    /// `login_required`, or Auth0's own `error` of an authorization failure).
    pub fn code(&self) -> &str {
        match self {
            WebError::Authorization { error, .. } => error,
            e if e.is_login_required() => "login_required",
            WebError::Store(_) | WebError::Refresh(_) => "temporarily_unavailable",
            WebError::CodeExchange(e) if e.api().is_none() => "temporarily_unavailable",
            WebError::Config { .. } | WebError::SessionTooLarge { .. } => "server_error",
            _ => "invalid_request",
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        WebError::Config {
            message: message.into(),
            source: None,
        }
    }
}

/// `text` with `& < > " '` written as HTML entities and control characters escaped, cut to
/// `max` characters: safe inside an HTML element or attribute.
pub(crate) fn html_escape(text: &str, max: usize) -> String {
    let printable = auth0_http::printable(text);
    let mut out = String::with_capacity(printable.len().min(max) + 16);
    for (i, c) in printable.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_cut() {
        assert_eq!(
            html_escape("<script>alert('x' & \"y\")</script>", 100),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(html_escape("abcdef", 3), "abc…");
        assert!(!html_escape("a\u{0}b\nc", 100).contains('\n'));
    }

    #[test]
    fn statuses() {
        assert_eq!(WebError::UnknownState.status(), StatusCode::BAD_REQUEST);
        assert_eq!(WebError::LoginRequired.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            WebError::Authorization {
                error: "access_denied".into(),
                description: None
            }
            .code(),
            "access_denied"
        );
        assert_eq!(WebError::NoRefreshToken.code(), "login_required");
    }
}
