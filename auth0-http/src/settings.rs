//! [`HttpSettings`]: what every client builder of the SDK sets, with one meaning.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, system_clock};
use crate::retry::RetryPolicy;
use crate::telemetry::Telemetry;

/// The time a client waits to connect by default (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The time one attempt of a request may take by default (30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What every client of the SDK is built with, the same way and with one meaning, whichever
/// client it is (`auth0_auth::ClientBuilder`, `auth0_mgmt::ClientBuilder`): give one value to
/// several builders with their `http_settings(..)`, or set one thing at a time with the
/// builders' setters of the same names.
///
/// | setting | meaning | default |
/// | --- | --- | --- |
/// | [`timeout`](Self::timeout) | the total time one attempt of a request may take, from sending it to reading the whole answer; `None`: no deadline of the client's (the HTTP client's own, if any) | 30 s |
/// | [`connect_timeout`](Self::connect_timeout) | the time allowed to connect, for the HTTP client the builder makes | 10 s |
/// | [`retry_policy`](Self::retry_policy) | how requests are retried (attempts, backoff, total deadline) | [`RetryPolicy::default()`] |
/// | [`max_body_size`](Self::max_body_size) | the largest success answer read; a longer one is a `TooLarge` error (error answers keep their first 64 KiB) | the client's: 1 MiB for the Authentication API (its answers are a few KiB), 16 MiB for the Management API |
/// | [`clock`](Self::clock) | what retries wait on and expiries are timed by | the system's |
/// | [`http_client`](Self::http_client) | the `reqwest::Client` to send with (its pool, proxy, TLS); whatever its redirect policy, no request follows a redirect | one made by the builder |
/// | [`telemetry`](Self::telemetry) / [`telemetry_info`](Self::telemetry_info) | whether the `Auth0-Client` header is sent, and what it says | sent, naming this SDK and the client's crate |
///
/// ```
/// use std::time::Duration;
/// use auth0_http::{HttpSettings, RetryPolicy};
///
/// let settings = HttpSettings::default()
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().max_retries(1));
/// assert_eq!(settings.get_timeout(), Some(Duration::from_secs(5)));
/// assert_eq!(settings.get_retry_policy().retries(), 1);
/// ```
#[derive(Clone)]
#[must_use]
pub struct HttpSettings {
    timeout: Option<Duration>,
    connect_timeout: Duration,
    retry: RetryPolicy,
    max_body: Option<usize>,
    clock: Arc<dyn Clock>,
    http: Option<reqwest::Client>,
    telemetry: bool,
    telemetry_info: Option<Telemetry>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            max_body: None,
            clock: system_clock(),
            http: None,
            telemetry: true,
            telemetry_info: None,
        }
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_body_size", &self.max_body)
            .field("http_client", &self.http.is_some())
            .field("telemetry", &self.telemetry)
            .finish_non_exhaustive()
    }
}

impl HttpSettings {
    /// The total time one attempt of a request may take, from sending it to reading the
    /// whole answer (30 s by default); `None` sets no deadline of the client's (an
    /// [`http_client`](Self::http_client)'s own timeout still applies). Request builders can
    /// override it for one request.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// The time allowed to connect (10 s by default), for the HTTP client the builder makes
    /// (not used with [`http_client`](Self::http_client)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How requests are retried ([`RetryPolicy::default()`] by default): which answers and
    /// failures are retried is the one rule of [`Repeat`](crate::Repeat); the policy says how
    /// many times, how long apart and within what total time.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest success answer read (by default the client's own: 1 MiB for the
    /// Authentication API, 16 MiB for the Management API); a longer one is a `TooLarge`
    /// error, nothing past the cap read. Error answers keep their first 64 KiB.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// The clock retries wait on and expiries are timed by (the system's by default; tests
    /// pass a [`ManualClock`](crate::ManualClock)).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP client to send with (for proxies, custom roots, shared pools, ...). Whatever
    /// its redirect policy, no request follows a redirect: an answer that redirects, or comes
    /// from another origin, is a `Redirect` error.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Whether the `Auth0-Client` telemetry header is sent (on by default).
    pub fn telemetry(mut self, enabled: bool) -> Self {
        self.telemetry = enabled;
        self
    }

    /// Sends this telemetry instead of the default (for SDKs built on this one); turns the
    /// header on.
    pub fn telemetry_info(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = true;
        self.telemetry_info = Some(telemetry);
        self
    }

    /// The timeout of one attempt, if any.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The time allowed to connect.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The retry policy.
    pub fn get_retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The largest success answer read, in bytes, when one was set (else the client's
    /// default).
    pub fn get_max_body_size(&self) -> Option<usize> {
        self.max_body
    }

    /// The clock.
    pub fn get_clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The HTTP client given, if any.
    pub fn get_http_client(&self) -> Option<&reqwest::Client> {
        self.http.as_ref()
    }

    /// Whether the `Auth0-Client` header is sent.
    pub fn get_telemetry(&self) -> bool {
        self.telemetry
    }

    /// The telemetry given in place of the default, if any.
    pub fn get_telemetry_info(&self) -> Option<&Telemetry> {
        self.telemetry_info.as_ref()
    }

    /// The telemetry a client of `crate_name` sends: the one given, or this SDK's naming the
    /// crate ([`Telemetry::for_crate`]); `None` when telemetry is off.
    pub fn telemetry_for(&self, crate_name: &str) -> Option<Telemetry> {
        self.telemetry.then(|| {
            self.telemetry_info
                .clone()
                .unwrap_or_else(|| Telemetry::for_crate(crate_name))
        })
    }

    /// The HTTP client to send with: the one given, or one made with the connect timeout
    /// ([`http_client`](crate::http_client): rustls, no redirects, no total timeout: each
    /// attempt's deadline is the client's).
    pub fn build_http_client(&self) -> reqwest::Result<reqwest::Client> {
        match &self.http {
            Some(client) => Ok(client.clone()),
            None => crate::http_client(self.connect_timeout, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telemetry_names_the_client_crate_unless_told_otherwise_or_off() {
        let s = HttpSettings::default();
        assert_eq!(
            s.telemetry_for("auth0-mgmt"),
            Some(Telemetry::for_crate("auth0-mgmt"))
        );
        let mine = Telemetry::new("my-sdk", "1.0.0");
        let s = s.telemetry(false).telemetry_info(mine.clone());
        assert_eq!(s.telemetry_for("auth0-mgmt"), Some(mine));
        assert_eq!(s.telemetry(false).telemetry_for("auth0-mgmt"), None);
    }
}
