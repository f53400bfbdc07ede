//! The HTTP behaviour every client of this SDK shares, public so that other crates (the
//! Management client) behave the same way:
//!
//! - [`RetryPolicy`] and [`send_with_retry`]: HTTP 429 (and connection failures of idempotent
//!   requests) retried with exponential backoff and jitter, honouring `Retry-After` and
//!   `X-RateLimit-Reset`, bounded by a number of retries and a total deadline.
//! - [`Telemetry`]: the `Auth0-Client` header.
//! - [`ClientAuthentication`]: client secret (body or HTTP Basic) or private-key JWT
//!   ([`ClientAssertionKey`]), producing fresh [`Credentials`] for each request.
//! - The secret wrapper types ([`ClientSecret`], [`AccessToken`], …): `Debug` prints
//!   `[redacted]`, no `PartialEq`.
//! - [`sensitive_header`] and [`bearer`] for headers that carry secrets.
//!
//! A crate that needs client-credentials tokens for some audience builds a
//! [`crate::Client`] with the same [`ClientAuthentication`]
//! ([`ClientBuilder::client_authentication`](crate::ClientBuilder::client_authentication))
//! and calls [`crate::Client::client_credentials`].
//!
//! ```no_run
//! use auth0_auth::http::{RetryPolicy, SendError, send_with_retry};
//! # async fn run(http: reqwest::Client, request: reqwest::Request) -> Result<(), Box<dyn std::error::Error>> {
//! #[derive(Debug, thiserror::Error)]
//! #[error("the request body cannot be copied")]
//! struct NotCopyable;
//!
//! let policy = RetryPolicy::default().max_retries(5);
//! let response = send_with_retry(&http, &policy, true, || {
//!     request.try_clone().ok_or(NotCopyable)
//! })
//! .await?;
//! println!("{}", response.status());
//! # Ok(()) }
//! ```

mod client_auth;
mod retry;
mod secret;
mod telemetry;

use reqwest::header::HeaderValue;

pub use client_auth::{
    AssertionAlgorithm, BoxError, CLIENT_ASSERTION_TYPE, ClientAssertionError, ClientAssertionKey,
    ClientAuthentication, Credentials,
};
pub use retry::{RetryPolicy, SendError, rate_limit_reset, send_with_retry, server_wait};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, IdToken, MfaToken, OneTimeCode,
    Password, RefreshToken, Secret,
};
pub use telemetry::{HEADER as TELEMETRY_HEADER, Telemetry};

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
