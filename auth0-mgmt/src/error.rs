//! The one error type of the Management client.

use std::time::SystemTime;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// An error answer from the Management API, with everything the server said.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The operation that failed (its operationId).
    pub operation: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// Auth0's `error` (e.g. `Not Found`).
    pub error: Option<String>,
    /// Auth0's `errorCode` (e.g. `inexistent_user`).
    pub error_code: Option<String>,
    /// Auth0's `message`.
    pub message: Option<String>,
    /// The raw body, kept whatever its form (JSON, HTML, empty).
    pub body: Bytes,
    /// The response headers.
    pub headers: HeaderMap,
}

impl ApiError {
    /// The body as text (lossy for non-UTF-8 bodies).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn from_parts(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        #[derive(serde::Deserialize)]
        struct Body {
            error: Option<String>,
            #[serde(rename = "errorCode", alias = "error_code")]
            error_code: Option<String>,
            #[serde(alias = "error_description")]
            message: Option<String>,
        }
        let parsed = serde_json::from_slice::<Body>(&body).ok();
        let (error, error_code, message) = match parsed {
            Some(b) => (b.error, b.error_code, b.message),
            None => (None, None, None),
        };
        Self {
            operation,
            status,
            error,
            error_code,
            message,
            body,
            headers,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered {}", self.operation, self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " ({code})")?;
        }
        match (&self.message, &self.error) {
            (Some(m), _) => write!(f, ": {m}"),
            (None, Some(e)) => write!(f, ": {e}"),
            (None, None) if !self.body.is_empty() => {
                let text = self.body_text();
                let cut: String = text.chars().take(200).collect();
                write!(f, ": {cut}")
            }
            (None, None) => Ok(()),
        }
    }
}

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
        /// The underlying error.
        #[source]
        source: reqwest::Error,
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
    /// A success answer whose body does not match its type.
    #[error("{operation}: the answer does not match its type at `{path}`: {source}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// JSON path of the mismatch.
        path: String,
        /// The serde error.
        #[source]
        source: serde_json::Error,
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
    /// The token request a concurrent caller was making, which this call waited for, failed
    /// just now; this is its message. (Concurrent callers share one token request and its
    /// outcome; the caller that made it gets the failure itself, as [`Error::Token`] for
    /// client credentials.)
    #[error("{0} (the token request this call waited for)")]
    TokenShared(String),
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
            Error::InvalidRequest { operation, message } => f
                .debug_struct("InvalidRequest")
                .field("operation", operation)
                .field("message", message)
                .finish(),
            Error::Token(e) => f.debug_tuple("Token").field(e).finish(),
            Error::TokenShared(m) => f.debug_tuple("TokenShared").field(m).finish(),
            Error::Config(m) => f.debug_tuple("Config").field(m).finish(),
            Error::Http { operation, source } => f
                .debug_struct("Http")
                .field("operation", operation)
                .field("source", source)
                .finish(),
        }
    }
}

impl Error {
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

    /// A required value of a request builder was not set.
    pub fn missing(operation: &'static str, what: &str) -> Self {
        Error::InvalidRequest {
            operation,
            message: format!("{what} is required"),
        }
    }

    pub(crate) fn from_reqwest(operation: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { operation, source }
        } else if source.is_connect() || source.is_request() {
            Error::Connection { operation, source }
        } else {
            Error::Http { operation, source }
        }
    }

    /// Builds the error for a non-success answer.
    pub(crate) fn from_answer(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let error = Box::new(ApiError::from_parts(operation, status, headers, body));
        if status == StatusCode::TOO_MANY_REQUESTS {
            let reset = auth0_auth::http::rate_limit_reset(&error.headers);
            Error::RateLimited { reset, error }
        } else {
            Error::Api(error)
        }
    }
}
