//! When a request is sent again, and how long to wait before.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// When and how often a request is retried.
///
/// Which answers are retried is [`Repeat`]'s rule (429 always; 408, 502, 503, 504 and
/// connection failures only for requests that change nothing when repeated). The wait before retry
/// `n` (1-based) is what the server asked for with `Retry-After` (seconds or an HTTP date) or
/// `X-RateLimit-Reset` (Unix seconds), else `base_delay * 2^(n-1)` capped at `max_delay`, of
/// which a random half is taken off (jitter). Retrying stops after `max_retries` retries, when
/// the next wait would end after `deadline` (counted from the first attempt), or when it would
/// be longer than `max_wait`; the last answer or error is then returned.
///
/// [`RetryPolicy::default()`] retries up to 3 times within 30 s, starting at 250 ms;
/// [`RetryPolicy::disabled()`] never retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
    max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// At most this many retries after the first attempt (0 disables retrying).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The backoff before the first retry, doubled for each further one.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest computed backoff (a wait the server asks for is not capped by it).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// No retry is started whose wait would end later than this after the first attempt.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The longest single wait (60 s by default): when the server asks for longer, its answer
    /// is returned instead of waiting, whatever the deadline.
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// The configured longest single wait.
    pub fn longest_wait(&self) -> Duration {
        self.max_wait
    }

    /// Whether any retry can happen.
    pub fn is_enabled(&self) -> bool {
        self.max_retries > 0
    }

    /// The configured maximum number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The configured total deadline.
    pub fn total_deadline(&self) -> Duration {
        self.deadline
    }

    /// The computed backoff before retry `attempt` (1-based), jitter included: between half
    /// and all of `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(random_fraction())
    }

    /// The wait before retry `attempt` (1-based) given the headers of a 429 answer: the
    /// server's wait when it gave one (see [`server_wait`]), else [`backoff`](Self::backoff).
    pub fn delay(&self, attempt: u32, headers: Option<&HeaderMap>, now: SystemTime) -> Duration {
        match headers.and_then(|h| server_wait(h, now)) {
            // A little jitter, so that clients told the same reset time do not all come back
            // at the same instant.
            Some(wait) => wait.saturating_add((self.base_delay / 4).mul_f64(random_fraction())),
            None => self.backoff(attempt),
        }
    }
}

/// The wait a server asks for: `Retry-After` (delay seconds or an HTTP date), else
/// `X-RateLimit-Reset` (Unix seconds). A time in the past gives zero; absent or unreadable
/// headers give `None`.
pub fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(value) = text(RETRY_AFTER.as_str()) {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = httpdate::parse_http_date(value) {
            return Some(at.duration_since(now).unwrap_or_default());
        }
    }
    // In whole seconds, so that a reset beyond what `SystemTime` holds is a long wait rather
    // than none.
    let reset: u64 = text("x-ratelimit-reset")?.parse().ok()?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// The time given by an `X-RateLimit-Reset` header (Unix seconds), if present and readable.
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<SystemTime> {
    let secs: u64 = headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The rate-limit state an answer reports: `X-RateLimit-Limit` (requests allowed in the
/// window), `X-RateLimit-Remaining` (left in it) and `X-RateLimit-Reset` (when it starts
/// over). Each is `None` when the answer did not say, or said something unreadable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// When the window starts over.
    pub reset: Option<SystemTime>,
}

impl RateLimit {
    /// The state `headers` report, or `None` when they carry none of the three.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse().ok();
        let state = RateLimit {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset: rate_limit_reset(headers),
        };
        (state != RateLimit::default()).then_some(state)
    }
}

/// A uniformly distributed number in `[0, 1)` from the operating system's generator
/// (`0.5` if it is unavailable).
fn random_fraction() -> f64 {
    match getrandom::u64() {
        Ok(n) => (n >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

/// Whether sending a request twice can change more than sending it once: the one retry rule
/// of every client of this SDK.
///
/// - HTTP 429 is retried for every request: the server did not act on it.
/// - HTTP 408, 502, 503, 504 and connection failures are retried only for [`Repeat::Safe`]
///   requests: `GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`, and client-credentials token
///   requests (they change nothing on the tenant).
/// - Other `POST` and `PATCH` requests ([`Repeat::Once`]) are never sent again after a
///   failure: a spent authorization code or a rotated refresh token must not be sent twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Sending it again changes nothing more: retried after 429, 408, 502, 503, 504 and
    /// connection failures.
    Safe,
    /// Sending it again may act twice: retried after 429 only.
    Once,
}

impl Repeat {
    /// The rule for a method: [`Repeat::Safe`] for the idempotent ones (`GET`, `HEAD`,
    /// `OPTIONS`, `PUT`, `DELETE`, `TRACE`), else [`Repeat::Once`].
    pub fn for_method(method: &Method) -> Self {
        match *method {
            Method::GET
            | Method::HEAD
            | Method::OPTIONS
            | Method::PUT
            | Method::DELETE
            | Method::TRACE => Repeat::Safe,
            _ => Repeat::Once,
        }
    }

    /// Whether an answer with this status is sent again (within the policy).
    pub fn retries_status(self, status: StatusCode) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
            || (self == Repeat::Safe && matches!(status.as_u16(), 408 | 502 | 503 | 504))
    }

    /// Whether a request whose connection failed is sent again (within the policy).
    pub fn retries_connection_failure(self) -> bool {
        self == Repeat::Safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(1000));
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d10 = p.backoff(10);
            assert!(d10 >= Duration::from_millis(500) && d10 <= Duration::from_millis(1000));
            assert!(p.backoff(u32::MAX) <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn server_wait_reads_retry_after_and_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut h = HeaderMap::new();
        assert_eq!(server_wait(&h, now), None);
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1000007"));
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(7)));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("999"));
        assert_eq!(server_wait(&h, now), Some(Duration::ZERO));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("soon"));
        assert_eq!(server_wait(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(3)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(20));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(20)));
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_static("18446744073709551615"),
        );
        h.remove(RETRY_AFTER);
        // Far beyond what SystemTime can hold: no panic, no wait.
        let _ = server_wait(&h, now);
    }

    #[test]
    fn huge_server_waits_saturate() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        let p = RetryPolicy::default().base_delay(Duration::MAX);
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(u64::MAX)));
        assert!(p.delay(1, Some(&h), now) >= Duration::from_secs(u64::MAX));
        assert!(p.backoff(u32::MAX) <= Duration::MAX);
    }

    #[test]
    fn one_retry_rule() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert_eq!(Repeat::for_method(&m), Repeat::Safe, "{m}");
        }
        for m in [Method::POST, Method::PATCH] {
            assert_eq!(Repeat::for_method(&m), Repeat::Once, "{m}");
        }
        for code in [408, 502, 503, 504, 429] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(Repeat::Safe.retries_status(s), "{code}");
            assert_eq!(Repeat::Once.retries_status(s), code == 429, "{code}");
        }
        for code in [200, 400, 401, 403, 404, 409, 500, 501] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(!Repeat::Safe.retries_status(s), "{code}");
        }
        assert!(Repeat::Safe.retries_connection_failure());
        assert!(!Repeat::Once.retries_connection_failure());
    }

    #[test]
    fn disabled_policy() {
        assert!(!RetryPolicy::disabled().is_enabled());
        assert!(RetryPolicy::default().is_enabled());
    }

    #[test]
    fn rate_limit_state_reads_the_three_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(RateLimit::from_headers(&headers), None);
        headers.insert("x-ratelimit-limit", HeaderValue::from_static("50"));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static(" 49 "));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1700000000"));
        let state = RateLimit::from_headers(&headers).expect("three headers");
        assert_eq!(state.limit, Some(50));
        assert_eq!(state.remaining, Some(49));
        assert_eq!(
            state.reset,
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        // Unreadable values are `None`, the others still read.
        headers.insert("x-ratelimit-limit", HeaderValue::from_static("lots"));
        headers.remove("x-ratelimit-reset");
        let state = RateLimit::from_headers(&headers).expect("one readable header");
        assert_eq!(
            (state.limit, state.remaining, state.reset),
            (None, Some(49), None)
        );
    }
}
