//! The HTTP behaviour every client of the Auth0 SDK for Rust shares, written once:
//!
//! - [`send`] runs every request of `auth0-verify` (JWKS), `auth0-auth` and `auth0-mgmt`:
//!   attempts, the one retry rule ([`Repeat`]) within a [`RetryPolicy`] (backoff with jitter,
//!   `Retry-After` / `X-RateLimit-Reset`, a total deadline), the 401 hook the Management
//!   client replaces its token with, no redirects, a tracing span per request;
//! - [`Watchdog`]: the deadlines of requests in flight, watched by one thread of the process
//!   rather than a timer per request; [`TimedOut`], why a request timed out;
//! - [`Clock`]: the time and the waits, injectable ([`ManualClock`]) so that tests of backoff,
//!   token renewal and cache expiry do not wait;
//! - [`Telemetry`]: the `Auth0-Client` header;
//! - the secret types ([`ClientSecret`], [`AccessToken`], …) and [`is_secret_name`], the one
//!   list of member names that hold credentials, used by every redaction and by the
//!   generated `Debug` of the Management types;
//! - [`base_url`]: one reading of tenant domains; [`check_segment`] / [`encode_segment`]:
//!   the path-value guard;
//! - [`read_body`] with a cap, [`read_prefix`] for error bodies;
//! - `blocking::Runtime` (feature `blocking`): the runtime a blocking client owns, one thread
//!   per client, calls run on the caller's thread;
//! - [`Redis`] (feature `redis`): the connection the fleet stores share (DPoP replays,
//!   web sessions, logout records, client-credentials tokens), every operation bounded;
//! - [`HttpError`]: what can go wrong in one exchange (an error answer, a timeout, a failed
//!   connection, a redirect, a body too large or of the wrong shape, a request that cannot be
//!   made), written once; the clients' `Error` types wrap it. Its parts: [`ApiError`],
//!   [`Body`] (redacted `Debug`), [`DecodeError`] (quotes no value), [`printable`] (no
//!   log-line injection);
//! - [`HttpSettings`]: what every client builder sets (timeouts, retry policy, body cap,
//!   clock, HTTP client, telemetry), with one meaning.
//!
//! The SDK crates re-export what their users name; this crate is their common ground.
//!
//! ```
//! use auth0_http::{Repeat, RetryPolicy};
//! use reqwest::{Method, StatusCode};
//!
//! let policy = RetryPolicy::default().max_retries(5);
//! assert_eq!(policy.retries(), 5);
//! assert!(Repeat::for_method(&Method::GET).retries_status(StatusCode::BAD_GATEWAY));
//! assert!(!Repeat::for_method(&Method::POST).retries_status(StatusCode::BAD_GATEWAY));
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod body;
mod clock;
mod deadline;
mod error;
mod json_path;
#[cfg(feature = "redis")]
mod redis_conn;
mod retry;
mod secret;
mod secret_names;
mod send;
mod settings;
mod telemetry;
mod transport;
mod url;

use reqwest::header::HeaderValue;

pub use body::{BodyError, DEFAULT_BODY_LIMIT, ERROR_BODY_PREFIX, read_body, read_prefix};
pub use clock::{Clock, ManualClock, Sleep, SystemClock, system_clock};
pub use deadline::{Elapsed, TICK as DEADLINE_TICK, Watchdog};
pub use error::{
    ApiError, Body, DecodeError, Withheld, decode_json, mark_sensitive, printable, redact,
};
#[cfg(feature = "redis")]
pub use redis_conn::{DEFAULT_REDIS_TIMEOUT, Redis, RedisBuilder, RedisError, redis_millis};
pub use retry::{RateLimit, Repeat, RetryPolicy, rate_limit_reset, server_wait};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, IdToken, MfaToken, OneTimeCode,
    Password, RefreshToken, Secret,
};
pub use secret_names::{is_link_name, is_secret_name};
pub use send::{
    Attempts, Deadline, Exchange, SendError, TimedOut, copy_request, send, send_with_retry,
    send_within,
};
pub use settings::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpSettings};
pub use telemetry::{HEADER as TELEMETRY_HEADER, Telemetry};
pub use transport::HttpError;
pub use url::{
    DomainError, PathSegmentError, base_url, check_segment, encode_segment, is_loopback,
    redact_error_url, redact_link, same_origin,
};

/// A header value marked sensitive (HTTP/2 never indexes it; `Debug` hides it), or `None`
/// when `value` has characters a header cannot carry.
pub fn sensitive_header(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// `Bearer <token>`, marked sensitive.
pub fn bearer(token: &str) -> Option<HeaderValue> {
    sensitive_header(&format!("Bearer {token}"))
}

/// The HTTP client a client of this SDK makes when given none: rustls, HTTP/2 when offered,
/// no redirects followed, the given timeouts.
pub fn http_client(
    connect_timeout: std::time::Duration,
    timeout: Option<std::time::Duration>,
) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}
