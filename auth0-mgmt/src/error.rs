//! The one error type of the Management client.

use std::time::SystemTime;

use bytes::Bytes;
use reqwest::StatusCode;

pub use auth0_http::{ApiError, DecodeError};

/// Everything that can go wrong calling the Management API.
///
/// `Debug` does not print the bodies of success answers (`Decode`, `UnexpectedAnswer`): they
/// may carry secrets (a created application's `client_secret`); read them from the fields.
#[derive(thiserror::Error)]
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
    #[error("{operation}: connection failed: {source}")]
    Connection {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a redirect (or the HTTP client followed one to another
    /// origin): requests carrying the token never follow redirects.
    #[error(
        "{operation}: the server redirected the request to {}",
        auth0_http::printable(&auth0_http::redact_link(location))
    )]
    Redirect {
        /// The operation.
        operation: &'static str,
        /// Where the redirect pointed, whole (`Display` and `Debug` print it without its
        /// query: a pre-signed link's signature).
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
    /// No token came within the request's timeout (a token source that does not answer).
    #[error("{operation}: no Management API token within {after:?}")]
    TokenTimeout {
        /// The operation.
        operation: &'static str,
        /// The timeout.
        after: std::time::Duration,
    },
    /// A success answer whose body does not match its type.
    #[error("{operation}: the answer does not match its type at `{path}`: {source}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// JSON path of the mismatch.
        path: String,
        /// What did not match (no value of the body is quoted).
        #[source]
        source: DecodeError,
        /// The raw body.
        body: Bytes,
    },
    /// A success answer of a shape none of the documented ones matches (kept as sent).
    #[error("{operation}: the answer has an undocumented shape")]
    UnexpectedAnswer {
        /// The operation.
        operation: &'static str,
        /// The answer.
        body: serde_json::Value,
    },
    /// The request could not be built (missing required value, bad header value, ...).
    #[error("{operation}: invalid request: {message}")]
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A Management API token could not be obtained (client credentials refused, ...).
    #[error("could not get a Management API token: {0}")]
    Token(#[source] Box<auth0_auth::Error>),
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
    /// Another HTTP-level failure (reading the body, ...).
    #[error("{operation}: HTTP error: {source}")]
    Http {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Withheld(usize);
        impl std::fmt::Debug for Withheld {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "[{} bytes, not shown]", self.0)
            }
        }
        match self {
            Error::Api(e) => f.debug_tuple("Api").field(e).finish(),
            Error::RateLimited { reset, error } => f
                .debug_struct("RateLimited")
                .field("reset", reset)
                .field("error", error)
                .finish(),
            Error::Timeout { operation, source } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .field("source", source)
                .finish(),
            Error::Connection { operation, source } => f
                .debug_struct("Connection")
                .field("operation", operation)
                .field("source", source)
                .finish(),
            Error::Decode {
                operation,
                path,
                source,
                body,
            } => f
                .debug_struct("Decode")
                .field("operation", operation)
                .field("path", path)
                .field("source", source)
                .field("body", &Withheld(body.len()))
                .finish(),
            Error::UnexpectedAnswer { operation, body } => f
                .debug_struct("UnexpectedAnswer")
                .field("operation", operation)
                .field("body", &Withheld(body.to_string().len()))
                .finish(),
            Error::Redirect {
                operation,
                location,
            } => f
                .debug_struct("Redirect")
                .field("operation", operation)
                .field("location", &auth0_http::redact_link(location))
                .finish(),
            Error::TooLarge { operation, limit } => f
                .debug_struct("TooLarge")
                .field("operation", operation)
                .field("limit", limit)
                .finish(),
            Error::TokenTimeout { operation, after } => f
                .debug_struct("TokenTimeout")
                .field("operation", operation)
                .field("after", after)
                .finish(),
            Error::InvalidRequest { operation, message } => f
                .debug_struct("InvalidRequest")
                .field("operation", operation)
                .field("message", message)
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
            Error::Http { operation, source } => f
                .debug_struct("Http")
                .field("operation", operation)
                .field("source", source)
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

    /// The API's error answer, for `Api` and `RateLimited`.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// A required value of a request builder was not set.
    pub fn missing(operation: &'static str, what: &str) -> Self {
        Error::InvalidRequest {
            operation,
            message: format!("{what} is required"),
        }
    }
}

auth0_http::error_constructors!(Error);
