//! The one error type of the Management client.

use std::time::SystemTime;

use reqwest::StatusCode;

pub use auth0_http::{ApiError, Body, DecodeError, HttpError};

/// Everything that can go wrong calling the Management API.
///
/// `Debug` does not print the bodies of success answers ([`HttpError::Decode`],
/// `UnexpectedAnswer`): they may carry secrets (a created application's `client_secret`); read
/// them from the fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The exchange with the API failed: an error answer (a rate limit among them), a
    /// timeout, a failed connection, a redirect, an answer too large or of the wrong shape, a
    /// request that could not be made. Printed as it is.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// No token came within the request's timeout (a token source that does not answer).
    #[error("{operation}: no Management API token within {after:?}")]
    TokenTimeout {
        /// The operation.
        operation: &'static str,
        /// The timeout.
        after: std::time::Duration,
    },
    /// A success answer of a shape none of the documented ones matches (kept as sent).
    #[error("{operation}: the answer has an undocumented shape")]
    UnexpectedAnswer {
        /// The operation.
        operation: &'static str,
        /// The answer.
        body: serde_json::Value,
    },
    /// A Management API token could not be obtained (client credentials refused, ...):
    /// printed as the token request's own error (`oauth/token answered 401 ...`).
    #[error(transparent)]
    Token(Box<auth0_auth::Error>),
    /// A token request failed moments ago, and this call did not ask again; this is its
    /// message. Concurrent callers share one token request and its outcome (the caller that
    /// made it gets the failure itself, as [`Error::Token`] for client credentials), and after
    /// a failure no token is asked for during a backoff (the token endpoint's `Retry-After`
    /// when it gave one).
    #[error("{0} (a token request that failed moments ago)")]
    TokenShared(String),
    /// A walk over pages stopped: the server repeated a page, or the walk passed
    /// [`MAX_PAGES`](crate::pagination::MAX_PAGES). The pages before were yielded.
    #[error("paging: {0}")]
    Paging(String),
    /// A job waited for ([`Jobs::wait`](crate::resources::Jobs::wait)) ended without
    /// completing.
    #[error(
        "job {}: {}{}",
        auth0_http::printable(id),
        auth0_http::printable(status),
        details.as_deref().map(|d| format!(" ({})", auth0_http::printable(d))).unwrap_or_default()
    )]
    Job {
        /// The job's id.
        id: String,
        /// Its status (`failed`, …).
        status: String,
        /// Its `status_details`, if it had any.
        details: Option<String>,
    },
    /// A job waited for was still pending or processing when the wait's timeout passed.
    #[error(
        "job {}: still {} after {after:?}",
        auth0_http::printable(id),
        auth0_http::printable(status)
    )]
    JobTimeout {
        /// The job's id.
        id: String,
        /// Its last status.
        status: String,
        /// The wait's timeout.
        after: std::time::Duration,
    },
    /// A streamed answer could not be read on: a users export's file that is not gzip, is
    /// cut short or has a line too long; an event stream with a line or an event too long,
    /// or that could not be kept up. (Too long: over the client's
    /// [`max_body_size`](crate::ClientBuilder::max_body_size).)
    #[error("{operation}: {message}")]
    Stream {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The client is misconfigured (bad domain, missing credentials, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use auth0_http::Withheld;
        match self {
            Error::Http(e) => f.debug_tuple("Http").field(e).finish(),
            Error::UnexpectedAnswer { operation, body } => f
                .debug_struct("UnexpectedAnswer")
                .field("operation", operation)
                .field("body", &Withheld(body.to_string().len()))
                .finish(),
            Error::TokenTimeout { operation, after } => f
                .debug_struct("TokenTimeout")
                .field("operation", operation)
                .field("after", after)
                .finish(),
            Error::Token(e) => f.debug_tuple("Token").field(e).finish(),
            Error::TokenShared(m) => f.debug_tuple("TokenShared").field(m).finish(),
            Error::Config(m) => f.debug_tuple("Config").field(m).finish(),
            Error::Paging(m) => f.debug_tuple("Paging").field(m).finish(),
            Error::Job {
                id,
                status,
                details,
            } => f
                .debug_struct("Job")
                .field("id", id)
                .field("status", status)
                .field("details", details)
                .finish(),
            Error::JobTimeout { id, status, after } => f
                .debug_struct("JobTimeout")
                .field("id", id)
                .field("status", status)
                .field("after", after)
                .finish(),
            Error::Stream { operation, message } => f
                .debug_struct("Stream")
                .field("operation", operation)
                .field("message", message)
                .finish(),
        }
    }
}

impl Error {
    /// A streamed answer that could not be read on ([`Error::Stream`]).
    #[cfg(any(feature = "jobs", feature = "events"))]
    pub(crate) fn stream(operation: &'static str, message: impl Into<String>) -> Self {
        Error::Stream {
            operation,
            message: message.into(),
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

    /// When a rate limit resets, for a rate-limited answer that said.
    pub fn rate_limit_reset(&self) -> Option<SystemTime> {
        self.http().and_then(HttpError::rate_limit_reset)
    }

    /// Whether the request timed out (or no token came in time).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::TokenTimeout { .. }) || self.http().is_some_and(HttpError::is_timeout)
    }

    /// A required value of a request builder was not set.
    pub fn missing(operation: &'static str, what: &str) -> Self {
        Error::invalid(operation, format!("{what} is required"))
    }

    /// A request that could not be made ([`HttpError::InvalidRequest`]).
    pub(crate) fn invalid(operation: &'static str, message: impl Into<String>) -> Self {
        HttpError::invalid_request(operation, message).into()
    }

    /// A success body that does not match its type ([`HttpError::Decode`]).
    pub(crate) fn decode(
        operation: &'static str,
        body: impl Into<Body>,
        source: DecodeError,
    ) -> Self {
        HttpError::decode(operation, body, source).into()
    }
}
