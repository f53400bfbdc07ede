//! The one error type of the Authentication API client.

use std::time::SystemTime;

use reqwest::StatusCode;

use crate::client_auth::{BoxError, ClientAssertionError};
use crate::http::MfaToken;

pub use auth0_http::{ApiError, Body, DecodeError};

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
        /// The client's deadline for the attempt passed, or the HTTP client gave up.
        #[source]
        source: auth0_http::TimedOut,
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
    /// The server answered with a redirect (or the HTTP client followed one to another
    /// origin): requests carrying the application's credentials never follow redirects.
    #[error(
        "{operation}: the server redirected the request to {}",
        auth0_http::printable(location)
    )]
    Redirect {
        /// The operation.
        operation: &'static str,
        /// Where the redirect pointed.
        location: String,
    },
    /// The answer is larger than the client's cap
    /// ([`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size)).
    #[error("{operation}: the answer is larger than {limit} bytes")]
    TooLarge {
        /// The operation.
        operation: &'static str,
        /// The cap, in bytes.
        limit: usize,
    },
    /// A success answer whose body does not match its type.
    #[error("{operation}: the answer does not match its type at `{path}`")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// JSON path of the mismatch (`.` for the whole body).
        path: String,
        /// What did not match (no value of the body is quoted).
        #[source]
        source: DecodeError,
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
    /// A token request of a [`Tokens`](crate::tokens::Tokens) failed moments ago, and this
    /// call did not ask again; this is its message. Concurrent callers share one token
    /// request and its outcome (the caller that made it gets the failure itself), and after
    /// a failure no token is asked for during a backoff.
    #[error("{0} (a token request that failed moments ago)")]
    TokenShared(String),
    /// A [`TokenSource`](crate::tokens::TokenSource) of your own failed.
    #[error("token source: {0}")]
    TokenSource(#[source] BoxError),
    /// The [`TokenStore`](crate::tokens::TokenStore) of a
    /// [`TokenCache`](crate::tokens::TokenCache) that fails closed failed.
    #[error("token store: {0}")]
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

auth0_http::error_constructors!(Error);
