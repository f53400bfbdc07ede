//! [`HttpError`]: what can go wrong in one exchange with an Auth0 API, written once for every
//! client.

use std::fmt;
use std::time::SystemTime;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::body::BodyError;
use crate::error::{ApiError, Body, DecodeError};
use crate::send::{SendError, TimedOut};

/// What can go wrong in one exchange with an Auth0 API, whichever client made it: the request
/// could not be made, the transport failed, or the answer was an error or did not fit.
///
/// The clients' own errors wrap it (`auth0_auth::Error::Http`, `auth0_mgmt::Error::Http`) and
/// print it as it is. Each variant names the operation as it was called (`users.get`,
/// `oauth/token`). `Display` says each thing once: a variant with a `source` does not print it
/// (walk [`std::error::Error::source`], or print with `{:#}` through `anyhow`).
///
/// `Debug` prints a redirect's location without its query and the length of a success body
/// that did not decode, not its bytes: they may carry secrets (a signed link, a created
/// application's `client_secret`).
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The API answered with an error status (other than 429).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The API answered 429.
    #[error("rate limited: {error}")]
    RateLimited {
        /// When the rate limit resets (`X-RateLimit-Reset`), if the answer said.
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
        source: TimedOut,
    },
    /// The server could not be reached, or the connection broke before an answer.
    #[error("{operation}: connection failed")]
    Connection {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a redirect (or the HTTP client followed one to another
    /// origin): requests of this SDK carry credentials and never follow redirects.
    #[error(
        "{operation}: the server redirected the request to {}",
        crate::printable(&crate::redact_link(location))
    )]
    Redirect {
        /// The operation.
        operation: &'static str,
        /// Where the redirect pointed, whole (`Display` and `Debug` print it without its
        /// query: a pre-signed link's signature).
        location: String,
    },
    /// The answer is larger than the client's cap (its builder's `max_body_size`).
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
        /// JSON path of the mismatch (`identities[0].isSocial`; `.` for the whole body).
        path: String,
        /// What did not match (no value of the body is quoted).
        #[source]
        source: DecodeError,
        /// The body as received.
        body: Body,
    },
    /// The request could not be made (a required value missing, a value a header or a path
    /// cannot carry, a credential given as a query parameter, ...). Nothing was sent.
    #[error("{operation}: invalid request: {message}")]
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Another failure of the HTTP client (reading the body, ...).
    #[error("{operation}: HTTP error")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
}

impl HttpError {
    /// A failure of the HTTP client: [`Timeout`](Self::Timeout),
    /// [`Connection`](Self::Connection) or [`Transport`](Self::Transport). The URL it names is
    /// printed without its query ([`redact_error_url`](crate::redact_error_url)).
    pub fn from_reqwest(operation: &'static str, source: reqwest::Error) -> Self {
        let source = crate::redact_error_url(source);
        if source.is_timeout() {
            HttpError::Timeout {
                operation,
                source: TimedOut::Http(source),
            }
        } else if source.is_connect() || source.is_request() {
            HttpError::Connection { operation, source }
        } else {
            HttpError::Transport { operation, source }
        }
    }

    /// A non-success answer: [`RateLimited`](Self::RateLimited) for 429, else
    /// [`Api`](Self::Api).
    pub fn from_answer(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let error = Box::new(ApiError::new(operation, status, headers, body));
        if status == StatusCode::TOO_MANY_REQUESTS {
            let reset = error.rate_limit_reset();
            HttpError::RateLimited { reset, error }
        } else {
            HttpError::Api(error)
        }
    }

    /// Why a body could not be read ([`read_body`](crate::read_body)).
    pub fn from_body(operation: &'static str, e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => HttpError::TooLarge { operation, limit },
            BodyError::Read(e) => HttpError::from_reqwest(operation, e),
        }
    }

    /// A success body that does not match its type.
    pub fn decode(operation: &'static str, body: impl Into<Body>, source: DecodeError) -> Self {
        HttpError::Decode {
            operation,
            path: source.path().unwrap_or(".").to_owned(),
            source,
            body: body.into(),
        }
    }

    /// A request that could not be made.
    pub fn invalid_request(operation: &'static str, message: impl Into<String>) -> Self {
        HttpError::InvalidRequest {
            operation,
            message: message.into(),
        }
    }

    /// The operation that failed, as it was called (`users.get`, `oauth/token`).
    pub fn operation(&self) -> &'static str {
        match self {
            HttpError::Api(e) | HttpError::RateLimited { error: e, .. } => e.operation(),
            HttpError::Timeout { operation, .. }
            | HttpError::Connection { operation, .. }
            | HttpError::Redirect { operation, .. }
            | HttpError::TooLarge { operation, .. }
            | HttpError::Decode { operation, .. }
            | HttpError::InvalidRequest { operation, .. }
            | HttpError::Transport { operation, .. } => operation,
        }
    }

    /// The API's error answer, for [`Api`](Self::Api) and [`RateLimited`](Self::RateLimited).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            HttpError::Api(e) | HttpError::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(ApiError::status)
    }

    /// When a rate limit resets, for a [`RateLimited`](Self::RateLimited) answer that said.
    pub fn rate_limit_reset(&self) -> Option<SystemTime> {
        match self {
            HttpError::RateLimited { reset, .. } => *reset,
            _ => None,
        }
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, HttpError::Timeout { .. })
    }

    /// Whether the server could not be reached or the connection broke
    /// ([`Connection`](Self::Connection)).
    pub fn is_connection(&self) -> bool {
        matches!(self, HttpError::Connection { .. })
    }
}

impl<E: From<HttpError>> SendError<E> {
    /// The client's error for what [`send`](crate::send) gave up with: the attempt's own
    /// error when the request could not be made, else an [`HttpError`] of `operation`.
    pub fn into_error(self, operation: &'static str) -> E {
        let http = match self {
            SendError::Build(e) => return e,
            SendError::Http(e) => HttpError::from_reqwest(operation, e),
            SendError::Redirect { location } => HttpError::Redirect {
                operation,
                location,
            },
            SendError::Timeout { after } => HttpError::Timeout {
                operation,
                source: TimedOut::Deadline { after },
            },
        };
        http.into()
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::error::Withheld;
        match self {
            HttpError::Api(e) => f.debug_tuple("Api").field(e).finish(),
            HttpError::RateLimited { reset, error } => f
                .debug_struct("RateLimited")
                .field("reset", reset)
                .field("error", error)
                .finish(),
            HttpError::Timeout { operation, source } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .field("source", source)
                .finish(),
            HttpError::Connection { operation, source } => f
                .debug_struct("Connection")
                .field("operation", operation)
                .field("source", source)
                .finish(),
            HttpError::Redirect {
                operation,
                location,
            } => f
                .debug_struct("Redirect")
                .field("operation", operation)
                .field("location", &crate::redact_link(location))
                .finish(),
            HttpError::TooLarge { operation, limit } => f
                .debug_struct("TooLarge")
                .field("operation", operation)
                .field("limit", limit)
                .finish(),
            HttpError::Decode {
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
            HttpError::InvalidRequest { operation, message } => f
                .debug_struct("InvalidRequest")
                .field("operation", operation)
                .field("message", message)
                .finish(),
            HttpError::Transport { operation, source } => f
                .debug_struct("Transport")
                .field("operation", operation)
                .field("source", source)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn display_says_each_thing_once_and_the_source_chain_does_not_repeat_it() {
        let e = HttpError::decode(
            "users.get",
            Bytes::from_static(br#"{"client_secret":"s3cr3t","n":"x"}"#),
            crate::decode_json::<std::collections::HashMap<String, u32>>(
                br#"{"client_secret":"s3cr3t","n":"x"}"#,
            )
            .unwrap_err(),
        );
        let shown = e.to_string();
        let source = e.source().unwrap().to_string();
        assert_eq!(
            shown,
            "users.get: the answer does not match its type at `client_secret`"
        );
        assert!(!shown.contains(&source), "{shown} / {source}");
        assert!(source.starts_with("invalid type: string"), "{source}");
        let debug = format!("{e:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("bytes, not shown"), "{debug}");

        let redirect = HttpError::Redirect {
            operation: "oauth/token",
            location: "https://elsewhere.example/x?sig=s3cr3t".to_owned(),
        };
        for text in [redirect.to_string(), format!("{redirect:?}")] {
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(text.contains("elsewhere.example"), "{text}");
        }
    }

    #[test]
    fn answers_are_rate_limited_for_429_only_and_name_their_operation() {
        let limited = HttpError::from_answer(
            "users.list",
            StatusCode::TOO_MANY_REQUESTS,
            HeaderMap::new(),
            Bytes::new(),
        );
        assert!(matches!(limited, HttpError::RateLimited { .. }));
        assert_eq!(limited.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(limited.operation(), "users.list");
        let missing = HttpError::from_answer(
            "users.get",
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            Bytes::from_static(br#"{"error":"Not Found","message":"The user does not exist."}"#),
        );
        assert!(matches!(missing, HttpError::Api(_)));
        assert_eq!(
            missing.to_string(),
            "users.get answered 404 Not Found: The user does not exist."
        );
        assert!(missing.source().is_none());
        let too_large =
            HttpError::from_body("users.get", BodyError::TooLarge { limit: 10 }).to_string();
        assert_eq!(too_large, "users.get: the answer is larger than 10 bytes");
    }
}
