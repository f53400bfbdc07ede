//! The one send loop: attempts, the retry rule, backoff, the redirect guard, a tracing span.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use tracing::Instrument;

use crate::clock::Clock;
use crate::deadline::Watchdog;
use crate::retry::{Repeat, RetryPolicy};
use tokio::time::Instant;

/// Makes the request of each attempt, and decides what a 401 answer means.
///
/// The Authentication client makes a new request per attempt (a fresh client assertion); the
/// Management client copies its request with the token current at that moment, and on 401
/// asks for a new token once.
pub trait Attempts: Send {
    /// Why a request could not be made.
    type Error: Send;

    /// The request of attempt `attempt` (1-based).
    fn request(
        &mut self,
        attempt: u32,
    ) -> impl Future<Output = Result<reqwest::Request, Self::Error>> + Send;

    /// The URL the attempts go to, when the attempts keep it (a request kept for the next
    /// attempt): the answer's origin is checked against it instead of a copy made per attempt.
    fn sent_to(&self) -> Option<&url::Url> {
        None
    }

    /// The server answered 401: whether to make one more attempt (with a new token). Asked
    /// at most once per send; `false` (the default) returns the answer.
    fn unauthorized(&mut self, response: &reqwest::Response) -> impl Future<Output = bool> + Send {
        let _ = response;
        std::future::ready(false)
    }
}

/// What [`send`] needs besides the requests.
#[derive(Clone, Copy, Debug)]
pub struct Exchange<'a> {
    /// The HTTP client (the caller's, possibly, with its own redirect policy).
    pub http: &'a reqwest::Client,
    /// When to retry.
    pub policy: &'a RetryPolicy,
    /// Which failures may be retried ([`Repeat::for_method`], or `Safe` for a
    /// client-credentials token request).
    pub repeat: Repeat,
    /// The operation's name, for the tracing span and errors.
    pub operation: &'static str,
    /// The clock backoff waits on.
    pub clock: &'a dyn Clock,
    /// The time each attempt may take, watched by a [`Watchdog`]; `None` leaves it to the
    /// HTTP client's own timeout.
    pub deadline: Option<Deadline<'a>>,
}

/// How long each attempt may take, and who watches it.
#[derive(Clone, Copy, Debug)]
pub struct Deadline<'a> {
    /// The deadlines of the client's requests in flight.
    pub watchdog: &'a Watchdog,
    /// The time one attempt may take: until the whole answer is read, when the caller reads
    /// it within the deadline [`send_within`] returns.
    pub timeout: Duration,
}

/// Why a request timed out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimedOut {
    /// The attempt's deadline passed before its whole answer was read.
    #[error("no whole answer within {after:?}")]
    Deadline {
        /// The time the attempt was given.
        after: Duration,
    },
    /// The HTTP client gave up: its own timeout, or connecting took too long.
    #[error(transparent)]
    Http(reqwest::Error),
}

/// Why [`send`] gave up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError<E> {
    /// The request of an attempt could not be made.
    #[error("the request could not be made")]
    Build(E),
    /// The last attempt failed at the HTTP level (connection, timeout, …).
    #[error(transparent)]
    Http(reqwest::Error),
    /// The attempt's [`Deadline`] passed before the answer came.
    #[error("no answer within {after:?}")]
    Timeout {
        /// The time the attempt was given.
        after: Duration,
    },
    /// The server answered with a redirect, or the HTTP client followed one to another origin:
    /// requests of this SDK carry credentials and never follow redirects.
    #[error(
        "the server redirected the request to {}",
        crate::printable(&crate::redact_link(location))
    )]
    Redirect {
        /// Where it pointed (`Location`, or the URL the client ended at), whole; printed
        /// without its query ([`redact_link`](crate::redact_link)).
        location: String,
    },
}

/// Sends the requests `attempts` makes until one gets an answer to keep:
///
/// - the retry rule of [`Repeat`], within `policy` (attempts, backoff with jitter, the
///   server's `Retry-After` / `X-RateLimit-Reset`, the total deadline), waiting on the clock;
/// - one more attempt after a 401 when [`Attempts::unauthorized`] says so;
/// - no redirect: a 3xx answer is [`SendError::Redirect`], and so is an answer from another
///   origin than the request's (an HTTP client that follows redirects). Request bodies are
///   handed to the HTTP client as a stream it cannot copy, so a client that follows redirects
///   stops at a 307 or 308 instead of sending the body (a client secret, an assertion) on,
///   and it drops `Authorization` on the way to another origin;
/// - a `debug` tracing span `auth0.request` (operation, method, path, attempt, status).
///
/// The answer is returned whatever its status; reading and judging it is the caller's.
pub async fn send<A: Attempts>(
    exchange: &Exchange<'_>,
    attempts: &mut A,
) -> Result<reqwest::Response, SendError<A::Error>> {
    send_within(exchange, attempts)
        .await
        .map(|(response, _)| response)
}

/// As [`send`], with the deadline of the answer's attempt when the exchange has a
/// [`Deadline`]: the caller reads the body within it (`Watchdog::within`), so that the
/// attempt's time covers the whole answer.
pub async fn send_within<A: Attempts>(
    exchange: &Exchange<'_>,
    attempts: &mut A,
) -> Result<(reqwest::Response, Option<Instant>), SendError<A::Error>> {
    let span = tracing::debug_span!(
        "auth0.request",
        operation = exchange.operation,
        method = tracing::field::Empty,
        path = tracing::field::Empty,
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    run(exchange, attempts).instrument(span).await
}

async fn run<A: Attempts>(
    exchange: &Exchange<'_>,
    attempts: &mut A,
) -> Result<(reqwest::Response, Option<Instant>), SendError<A::Error>> {
    let clock = exchange.clock;
    let policy = exchange.policy;
    let started = clock.now();
    let span = tracing::Span::current();
    let mut attempt: u32 = 0;
    // Retries after 429s, server failures and failed connections; a replaced token is not one.
    let mut retries: u32 = 0;
    let mut replaced = false;
    loop {
        attempt += 1;
        let request = attempts.request(attempt).await.map_err(SendError::Build)?;
        if attempt == 1 && !span.is_disabled() {
            span.record("method", tracing::field::display(request.method()));
            span.record("path", tracing::field::display(request.url().path()));
        }
        span.record("attempt", attempt);
        let copied = match attempts.sent_to() {
            Some(kept) if crate::url::same_origin(kept, request.url()) => None,
            _ => Some(request.url().clone()),
        };
        let sending = exchange.http.execute(sealed(request));
        // A timeout too long to represent as an instant is none.
        let deadline = exchange.deadline.and_then(|d| {
            Some((
                d.watchdog,
                d.timeout,
                Instant::now().checked_add(d.timeout)?,
            ))
        });
        let (result, deadline) = match deadline {
            Some((watchdog, timeout, deadline)) => match watchdog.within(deadline, sending).await {
                Ok(result) => (result, Some(deadline)),
                Err(_) => return Err(SendError::Timeout { after: timeout }),
            },
            None => (sending.await, None),
        };
        // A transport error names the URL: not its query (a pre-signed link's signature),
        // in the log below nor in the error.
        let result = result.map_err(crate::url::redact_error_url);
        let wait = match &result {
            Ok(response) => {
                let status = response.status();
                span.record("status", status.as_u16());
                // Without a copy the attempts kept the URL (checked above): fail closed if not.
                let location = match copied.as_ref().or_else(|| attempts.sent_to()) {
                    Some(sent) => redirect(sent, response),
                    None => Some(response.url().to_string()),
                };
                if let Some(location) = location {
                    return Err(SendError::Redirect { location });
                }
                if status == StatusCode::UNAUTHORIZED
                    && !replaced
                    && attempts.unauthorized(response).await
                {
                    tracing::debug!("token rejected; trying once more with a new one");
                    replaced = true;
                    continue;
                }
                exchange.repeat.retries_status(status).then(|| {
                    policy.delay(retries + 1, Some(response.headers()), clock.system_time())
                })
            }
            Err(e) if e.is_connect() && exchange.repeat.retries_connection_failure() => {
                Some(policy.delay(retries + 1, None, clock.system_time()))
            }
            Err(_) => None,
        };
        let Some(wait) = wait else {
            return result
                .map(|response| (response, deadline))
                .map_err(SendError::Http);
        };
        let elapsed = clock.now().saturating_duration_since(started);
        if retries >= policy.retries()
            || wait > policy.longest_wait()
            || elapsed.saturating_add(wait) > policy.total_deadline()
        {
            return result
                .map(|response| (response, deadline))
                .map_err(SendError::Http);
        }
        match &result {
            Ok(r) => tracing::debug!(?wait, status = r.status().as_u16(), "retrying"),
            Err(e) => tracing::debug!(?wait, error = %e, "connection failed; retrying"),
        }
        drop(result);
        clock.sleep(wait).await;
        retries += 1;
    }
}

/// Where an answer points when it is a redirect or came from another origin than `sent`.
fn redirect(sent: &url::Url, response: &reqwest::Response) -> Option<String> {
    let status = response.status();
    if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
            .unwrap_or_else(|| "an unnamed location".to_owned());
        return Some(location);
    }
    (!crate::url::same_origin(sent, response.url())).then(|| response.url().to_string())
}

/// A copy of a request for another attempt, or `None` when its body is a stream that cannot
/// be copied: `reqwest::Request::try_clone`, except that a request without a body is copied
/// without making room for a timeout it does not have (method, URL, headers, version and
/// timeout are all such a request holds).
pub fn copy_request(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// The request with its body as a one-chunk stream: the HTTP client cannot copy it, so it
/// cannot send it on to where a 307 or 308 points. (The length stays known.)
fn sealed(mut request: reqwest::Request) -> reqwest::Request {
    let bytes = match request.body().and_then(reqwest::Body::as_bytes) {
        Some(b) if !b.is_empty() => Bytes::copy_from_slice(b),
        _ => return request,
    };
    *request.body_mut() = Some(reqwest::Body::wrap(http_body_util::Full::new(bytes)));
    request
}

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
        clock: &crate::SystemClock,
        deadline: None,
    };
    send(&exchange, &mut Build(build)).await
}
