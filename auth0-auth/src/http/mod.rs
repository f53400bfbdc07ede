//! The HTTP behaviour every client of this SDK shares, from the runtime crate `auth0-http`
//! (re-exported here, where it has always been), and the client authentication of the
//! Authentication API:
//!
//! - [`RetryPolicy`], [`Repeat`] (the one retry rule) and [`send`]: HTTP 429 retried for every
//!   request; 408, 502, 503, 504 and connection failures for requests that change nothing
//!   when repeated; exponential backoff with jitter, `Retry-After` and `X-RateLimit-Reset`,
//!   a number of retries and a total deadline; no redirects.
//! - [`Telemetry`]: the `Auth0-Client` header.
//! - [`ClientAuthentication`]: client secret (body or HTTP Basic), private-key JWT
//!   ([`ClientAssertionKey`]) or TLS client certificate ([`ClientIdentity`]), producing fresh
//!   [`Credentials`] for each request.
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

pub use auth0_http::{
    AccessToken, Attempts, AuthorizationCode, ClientSecret, Clock, CodeVerifier, Exchange, IdToken,
    ManualClock, MfaToken, OneTimeCode, Password, RefreshToken, Repeat, RetryPolicy, Secret,
    SendError, SystemClock, TELEMETRY_HEADER, Telemetry, TimedOut, bearer, rate_limit_reset, send,
    sensitive_header, server_wait,
};
pub use client_auth::{
    AssertionAlgorithm, BoxError, CLIENT_ASSERTION_TYPE, ClientAssertionError, ClientAssertionKey,
    ClientAuthentication, ClientIdentity, ClientIdentityError, Credentials,
};

/// Sends the request `build` makes through [`send`] with the real clock: `build` is called
/// once per attempt, so each attempt may carry fresh values (such as a new client assertion).
/// `idempotent` picks [`Repeat::Safe`] (else [`Repeat::Once`]).
///
/// The last answer (whatever its status) or HTTP error is returned when retrying stops; a
/// redirect is [`SendError::Redirect`].
pub async fn send_with_retry<E, F>(
    http: &reqwest::Client,
    policy: &RetryPolicy,
    idempotent: bool,
    build: F,
) -> Result<reqwest::Response, SendError<E>>
where
    E: Send,
    F: FnMut() -> Result<reqwest::Request, E> + Send,
{
    struct Build<F>(F);
    impl<E: Send, F: FnMut() -> Result<reqwest::Request, E> + Send> Attempts for Build<F> {
        type Error = E;
        async fn request(&mut self, _attempt: u32) -> Result<reqwest::Request, E> {
            (self.0)()
        }
    }
    let exchange = Exchange {
        http,
        policy,
        repeat: if idempotent {
            Repeat::Safe
        } else {
            Repeat::Once
        },
        operation: "request",
        clock: &auth0_http::SystemClock,
        deadline: None,
    };
    send(&exchange, &mut Build(build)).await
}
