//! The one error type of the Authentication API client.

use std::fmt;
use std::time::SystemTime;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{Entry, HeaderMap};
use serde_json::Value;

use crate::http::{BoxError, ClientAssertionError, MfaToken};

/// JSON members whose values are secrets; they are replaced by `[redacted]` wherever a body is
/// printed.
const SECRET_MEMBERS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "mfa_token",
    "client_secret",
    "client_assertion",
    "password",
    "otp",
    "oob_code",
    "binding_code",
    "recovery_code",
    "recovery_codes",
    "secret",
    "barcode_uri",
    "device_code",
    "auth_req_id",
    "code",
    "code_verifier",
    "subject_token",
    "token",
];

/// A response body, kept whatever its form (JSON, HTML, text, empty).
///
/// `Debug` and [`redacted`](Body::redacted) replace the values of secret JSON members
/// (`access_token`, `mfa_token`, …) with `[redacted]`; [`as_bytes`](Body::as_bytes) gives the
/// body unchanged.
#[derive(Clone, Default)]
pub struct Body(Bytes);

impl Body {
    pub(crate) fn new(bytes: Bytes) -> Self {
        Body(bytes)
    }

    /// The body as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The body as text, as received (lossy for non-UTF-8 bodies). It may hold secrets.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// The body as text, with secret JSON members replaced by `[redacted]`. A body that is
    /// not JSON is returned as text, as received, unless it names a secret member (a cut-off
    /// token answer, say): then only its length is told.
    pub fn redacted(&self) -> String {
        match serde_json::from_slice::<Value>(&self.0) {
            Ok(mut v) => {
                redact(&mut v);
                v.to_string()
            }
            Err(_) => {
                let text = self.text();
                if SECRET_MEMBERS.iter().any(|m| text.contains(m)) {
                    format!(
                        "[{} bytes, not JSON, withheld: they name a secret]",
                        self.0.len()
                    )
                } else {
                    text
                }
            }
        }
    }
}

fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_MEMBERS.contains(&k.as_str()) {
                    *v = Value::String("[redacted]".to_owned());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

/// An error answer from the Authentication API, with everything the server said.
#[derive(Clone, Debug)]
pub struct ApiError {
    operation: &'static str,
    status: StatusCode,
    error: Option<String>,
    error_code: Option<String>,
    error_description: Option<String>,
    mfa_token: Option<MfaToken>,
    body: Body,
    headers: HeaderMap,
}

fn text_member(object: &serde_json::Map<String, Value>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| object.get(*n).and_then(Value::as_str).map(str::to_owned))
}

impl ApiError {
    pub(crate) fn from_parts(
        operation: &'static str,
        status: StatusCode,
        mut headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        for name in ["set-cookie", "authorization"] {
            if let Entry::Occupied(mut entry) = headers.entry(name) {
                entry.iter_mut().for_each(|v| v.set_sensitive(true));
            }
        }
        let parsed = serde_json::from_slice::<Value>(&body).ok();
        let object = parsed.as_ref().and_then(Value::as_object);
        let (error, error_code, error_description, mfa_token) = match object {
            Some(o) => (
                text_member(o, &["error", "name"]),
                text_member(o, &["errorCode", "error_code", "code"]),
                text_member(o, &["error_description", "description", "message"]),
                text_member(o, &["mfa_token"]).map(MfaToken::new),
            ),
            None => (None, None, None, None),
        };
        ApiError {
            operation,
            status,
            error,
            error_code,
            error_description,
            mfa_token,
            body: Body::new(body),
            headers,
        }
    }

    /// The operation that failed (e.g. `oauth/token`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Auth0's `error` (e.g. `invalid_grant`, `mfa_required`, `authorization_pending`); for
    /// database-connection answers, their `name` (e.g. `PasswordStrengthError`).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Auth0's `errorCode`, `error_code` or `code` (e.g. `invalid_password`).
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }

    /// Auth0's `error_description` (or `description` / `message` when textual).
    pub fn error_description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// The `mfa_token` of an `mfa_required` answer.
    pub fn mfa_token(&self) -> Option<&MfaToken> {
        self.mfa_token.as_ref()
    }

    /// The raw body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The body as text, as received (lossy for non-UTF-8 bodies).
    pub fn body_text(&self) -> String {
        self.body.text()
    }

    /// The response headers (`Set-Cookie` marked sensitive).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered {}", self.operation, self.status)?;
        match (&self.error, &self.error_code) {
            (Some(e), Some(c)) if e != c => write!(f, " ({e}, {c})")?,
            (Some(e), _) => write!(f, " ({e})")?,
            (None, Some(c)) => write!(f, " ({c})")?,
            (None, None) => {}
        }
        match &self.error_description {
            Some(d) => write!(f, ": {d}"),
            None if self.error.is_none() && !self.body.is_empty() => {
                let text: String = self.body.redacted().chars().take(200).collect();
                write!(f, ": {text}")
            }
            None => Ok(()),
        }
    }
}

/// Everything that can go wrong calling the Authentication API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The API answered 429; `reset` is when the limit resets (from `X-RateLimit-Reset`).
    #[error("rate limited: {error}")]
    RateLimited {
        /// When the rate limit resets, if the server said.
        reset: Option<SystemTime>,
        /// The answer itself.
        error: Box<ApiError>,
    },
    /// The request timed out.
    #[error("{operation}: request timed out")]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server could not be reached or the connection broke.
    #[error("{operation}: connection failed")]
    Connection {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Another HTTP-level failure (reading the body, …).
    #[error("{operation}: HTTP error")]
    Http {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A success answer whose body does not match its type.
    #[error("{operation}: the answer does not match its type at `{path}`")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// JSON path of the mismatch (`.` for the whole body).
        path: String,
        /// The serde error.
        #[source]
        source: serde_json::Error,
        /// The raw body.
        body: Body,
    },
    /// The request could not be built (missing value, bad header value, …).
    #[error("{operation}: invalid request: {message}")]
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The client assertion could not be signed.
    #[error("{operation}: could not authenticate the application")]
    ClientAssertion {
        /// The operation.
        operation: &'static str,
        /// Why.
        #[source]
        source: ClientAssertionError,
    },
    /// The client is misconfigured (bad domain, missing client id, unusable key, …).
    #[error("invalid client configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// ID-token verification was asked for, and the answer carries no `id_token`.
    #[error("{operation}: expected an ID token in the answer, found none")]
    MissingIdToken {
        /// The operation.
        operation: &'static str,
        /// The tokens the answer did carry, when a grant verified its own answer: the grant
        /// is spent (a code used, a refresh token rotated), so they are not thrown away.
        tokens: Option<Box<crate::TokenResponse>>,
    },
    /// The answer's ID token failed verification.
    #[error("ID token rejected")]
    IdToken {
        /// Why.
        #[source]
        source: auth0_verify::TokenValidationError,
        /// The tokens of the answer, when a grant verified its own answer (see
        /// [`Error::tokens`]).
        tokens: Option<Box<crate::TokenResponse>>,
    },
}

impl Error {
    /// The tokens a grant received before its ID token failed verification
    /// ([`Error::IdToken`], [`Error::MissingIdToken`]). Its code or refresh token is spent by
    /// then: a rotated refresh token must be kept, whatever is decided about the ID token.
    pub fn tokens(&self) -> Option<&crate::TokenResponse> {
        match self {
            Error::IdToken { tokens, .. } | Error::MissingIdToken { tokens, .. } => {
                tokens.as_deref()
            }
            _ => None,
        }
    }

    /// Takes the tokens out of the error (see [`Error::tokens`]).
    pub fn into_tokens(self) -> Option<crate::TokenResponse> {
        match self {
            Error::IdToken { tokens, .. } | Error::MissingIdToken { tokens, .. } => {
                tokens.map(|t| *t)
            }
            _ => None,
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(|e| e.status)
    }

    /// The API's error answer, for `Api` and `RateLimited`.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// Auth0's `error` of an error answer (e.g. `invalid_grant`).
    pub fn error(&self) -> Option<&str> {
        self.api().and_then(ApiError::error)
    }

    /// Auth0's `error_description` of an error answer.
    pub fn error_description(&self) -> Option<&str> {
        self.api().and_then(ApiError::error_description)
    }

    /// Auth0's error code of an error answer (`errorCode`, or `code` from database
    /// connections, e.g. `invalid_password`).
    pub fn error_code(&self) -> Option<&str> {
        self.api().and_then(ApiError::error_code)
    }

    /// The `mfa_token` of an `mfa_required` answer, to continue with the MFA grants.
    pub fn mfa_token(&self) -> Option<&MfaToken> {
        self.api().and_then(ApiError::mfa_token)
    }

    /// Whether Auth0 answered `mfa_required`.
    pub fn is_mfa_required(&self) -> bool {
        self.error() == Some("mfa_required")
    }

    /// Whether a polled grant (device code, CIBA) is still waiting for the user
    /// (`authorization_pending`) or asks to poll more slowly (`slow_down`).
    pub fn is_pending(&self) -> bool {
        matches!(self.error(), Some("authorization_pending" | "slow_down"))
    }

    /// When a rate limit resets, for `RateLimited` answers that said.
    pub fn rate_limit_reset(&self) -> Option<SystemTime> {
        match self {
            Error::RateLimited { reset, .. } => *reset,
            _ => None,
        }
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    pub(crate) fn from_reqwest(operation: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { operation, source }
        } else if source.is_connect() {
            Error::Connection { operation, source }
        } else {
            Error::Http { operation, source }
        }
    }

    pub(crate) fn from_answer(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let error = Box::new(ApiError::from_parts(operation, status, headers, body));
        if status == StatusCode::TOO_MANY_REQUESTS {
            let reset = crate::http::rate_limit_reset(&error.headers);
            Error::RateLimited { reset, error }
        } else {
            Error::Api(error)
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn invalid(operation: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            operation,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_members() {
        let body = Body::new(Bytes::from_static(
            br#"{"error":"mfa_required","mfa_token":"Fe26.abc","nested":[{"access_token":"x"}]}"#,
        ));
        let text = format!("{body:?}");
        assert!(
            !text.contains("Fe26.abc") && !text.contains("\"x\""),
            "{text}"
        );
        assert!(text.contains("mfa_required"));
        assert_eq!(body.redacted().matches("[redacted]").count(), 2);
    }

    #[test]
    fn a_cut_off_answer_naming_a_secret_is_withheld() {
        let cut = Body::new(Bytes::from_static(
            br#"{"access_token":"eyJhbGciOi.secret","expires_in":864"#,
        ));
        let text = format!("{cut:?}");
        assert!(!text.contains("eyJhbGciOi"), "{text}");
        assert!(text.contains("withheld"), "{text}");
        assert!(
            cut.text().contains("eyJhbGciOi"),
            "the raw text stays reachable"
        );
        // Other text bodies (an HTML error page) are shown as they are.
        let html = Body::new(Bytes::from_static(b"<html>Bad Gateway</html>"));
        assert_eq!(html.redacted(), "<html>Bad Gateway</html>");
    }

    #[test]
    fn reads_database_connection_errors() {
        let e = ApiError::from_parts(
            "dbconnections/signup",
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            Bytes::from_static(
                br#"{"name":"PasswordStrengthError","message":"Password is too weak","code":"invalid_password","description":{"rules":[]},"statusCode":400}"#,
            ),
        );
        assert_eq!(e.error(), Some("PasswordStrengthError"));
        assert_eq!(e.error_code(), Some("invalid_password"));
        assert_eq!(e.error_description(), Some("Password is too weak"));
    }
}
