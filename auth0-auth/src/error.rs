//! The one error type of the Authentication API client.

use std::time::SystemTime;

use reqwest::StatusCode;

use crate::client_auth::{BoxError, ClientAssertionError};
use crate::http::MfaToken;

pub use auth0_http::{ApiError, Body, DecodeError, HttpError};

/// Everything that can go wrong calling the Authentication API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The exchange with the API failed: an error answer (a rate limit among them), a
    /// timeout, a failed connection, a redirect, an answer too large or of the wrong shape, a
    /// request that could not be made. Printed as it is.
    #[error(transparent)]
    Http(#[from] HttpError),
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
    /// A token request of a [`Tokens`](crate::tokens::Tokens) failed moments ago, and this
    /// call did not ask again; this is its message. Concurrent callers share one token
    /// request and its outcome (the caller that made it gets the failure itself), and after
    /// a failure no token is asked for during a backoff.
    #[error("{0} (a token request that failed moments ago)")]
    TokenShared(String),
    /// A [`TokenSource`](crate::tokens::TokenSource) of your own failed.
    #[error("the token source failed")]
    TokenSource(#[source] BoxError),
    /// The [`TokenStore`](crate::tokens::TokenStore) of a
    /// [`TokenCache`](crate::tokens::TokenCache) that fails closed failed.
    #[error("the token store failed")]
    TokenStore(#[source] crate::tokens::StoreError),
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
        self.api().map(ApiError::status)
    }

    /// The failed exchange, for [`Error::Http`].
    pub fn http(&self) -> Option<&HttpError> {
        match self {
            Error::Http(e) => Some(e),
            _ => None,
        }
    }

    /// The API's error answer (a rate limit among them).
    pub fn api(&self) -> Option<&ApiError> {
        self.http().and_then(HttpError::api)
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

    /// When a rate limit resets, for a rate-limited answer that said.
    pub fn rate_limit_reset(&self) -> Option<SystemTime> {
        self.http().and_then(HttpError::rate_limit_reset)
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.http().is_some_and(HttpError::is_timeout)
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn invalid(operation: &'static str, message: impl Into<String>) -> Self {
        HttpError::invalid_request(operation, message).into()
    }
}
