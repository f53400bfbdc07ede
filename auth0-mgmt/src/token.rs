//! Management API access tokens: where they come from, and the cache that shares one token
//! (and one request for a new one) among every clone of a [`Client`](crate::Client).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth0_http::{AccessToken, Clock};
use reqwest::header::HeaderValue;
use tokio::sync::Mutex;

use crate::Error;

/// A Management API access token and how long it stays valid ([`Token::new`]).
#[non_exhaustive]
pub struct Token {
    /// The token.
    pub access_token: AccessToken,
    /// Its lifetime from now; `None` for a token without a known expiry.
    pub expires_in: Option<Duration>,
}

impl Token {
    /// A token valid for `expires_in` from now (`None`: no known expiry).
    pub fn new(access_token: impl Into<AccessToken>, expires_in: Option<Duration>) -> Self {
        Token {
            access_token: access_token.into(),
            expires_in,
        }
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Token, Error>> + Send + 'a>>;

/// Somewhere Management API tokens come from (client credentials, a secret store, ...).
///
/// The client asks for a token on first use, caches it, and asks again shortly before it
/// expires or after the API rejects it with 401; concurrent callers share one request.
pub trait TokenSource: Send + Sync + 'static {
    /// Fetches a fresh token.
    fn fetch(&self) -> TokenFuture<'_>;
}

/// A fixed token (no refresh).
pub(crate) struct StaticToken(pub(crate) AccessToken);

impl TokenSource for StaticToken {
    fn fetch(&self) -> TokenFuture<'_> {
        let token = Token {
            access_token: self.0.clone(),
            expires_in: None,
        };
        Box::pin(async move { Ok(token) })
    }
}

/// Client-credentials tokens from the tenant's `/oauth/token`, through `auth0-auth`.
pub(crate) struct ClientCredentials {
    pub(crate) auth: auth0_auth::Client,
    pub(crate) audience: String,
}

impl TokenSource for ClientCredentials {
    fn fetch(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let answer = self
                .auth
                .client_credentials()
                .audience(self.audience.clone())
                .send()
                .await
                .map_err(|e| Error::Token(Box::new(e)))?;
            Ok(Token {
                expires_in: answer.expires_in.map(Duration::from_secs),
                access_token: answer.access_token,
            })
        })
    }
}

/// An `Authorization` header value and which token it is: each token the cache takes gets
/// a number of its own, so that a rejected token is known without keeping a copy of it.
#[derive(Clone)]
pub(crate) struct Bearer {
    pub(crate) value: HeaderValue,
    pub(crate) id: u64,
}

struct Cached {
    authorization: Bearer,
    refresh_at: Option<Instant>,
    fetched_at: Instant,
    /// Fetched because the API rejected the token before it.
    replaces_rejected: bool,
}

/// The last failed fetch: when, how, and until when no token is asked for.
struct Failed {
    at: Instant,
    until: Instant,
    message: String,
    /// Failures in a row (the backoff doubles with each).
    count: u32,
}

/// The token at hand, and what the last attempts to get one came to.
#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// The next token fetched replaces a rejected one.
    replacing: bool,
    failed: Option<Failed>,
}

/// Caches the current token; refreshes it a margin before expiry; one fetch at a time.
pub(crate) struct TokenCache {
    source: Arc<dyn TokenSource>,
    refreshable: bool,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    /// The token at hand and when to renew it, readable without waiting: the path of every
    /// call while the token is fresh (the mutex is taken only to fetch or forget one).
    fresh: std::sync::RwLock<Option<(Bearer, Option<Instant>)>>,
    /// Changes each time `fresh` does: a thread's copy of the token at hand is used while
    /// this is the version it copied.
    version: AtomicU64,
    /// This cache's number among all caches, to find the threads' copies of its token.
    number: u64,
    /// The number of the last token taken.
    taken: AtomicU64,
}

/// The next cache's number.
static CACHES: AtomicU64 = AtomicU64::new(0);

/// How many caches' tokens a thread keeps copies of (the least recently copied goes).
const THREAD_COPIES: usize = 4;

/// A thread's copy of a cache's token at hand: its own bytes, so that taking the token for a
/// request writes nothing that requests on other threads write too (a lock's count, the
/// shared bytes' count).
struct ThreadCopy {
    cache: u64,
    version: u64,
    token: Bearer,
    refresh_at: Option<Instant>,
}

thread_local! {
    static COPIES: std::cell::RefCell<Vec<ThreadCopy>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Tokens are renewed this long before they expire (or at half their lifetime if shorter).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A token fetched to replace a rejected one, and rejected in turn within this time, is not
/// replaced again until it has passed: the API refuses this client's tokens (wrong audience,
/// grant revoked), and asking for more would only spend the tenant's token quota.
const REPLACE_COOLDOWN: Duration = Duration::from_secs(30);

/// A token is used at least this long before it is renewed, whatever lifetime it came with
/// (`expires_in: 0` would otherwise mean a token request per call).
const MIN_TOKEN_USE: Duration = Duration::from_secs(10);

/// After a failed fetch no token is asked for during a backoff: the token endpoint's
/// `Retry-After` (or `X-RateLimit-Reset`) when it gave one, else this, doubled for each failure
/// in a row up to [`MAX_FAILURE_BACKOFF`].
const FAILURE_BACKOFF: Duration = Duration::from_secs(1);
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(30);
/// The longest wait a token endpoint's `Retry-After` is honoured for.
const MAX_SERVER_BACKOFF: Duration = Duration::from_secs(600);

impl TokenCache {
    pub(crate) fn new(
        source: Arc<dyn TokenSource>,
        refreshable: bool,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            source,
            refreshable,
            clock,
            state: Mutex::new(State::default()),
            fresh: std::sync::RwLock::new(None),
            version: AtomicU64::new(0),
            number: CACHES.fetch_add(1, Ordering::Relaxed),
            taken: AtomicU64::new(0),
        }
    }

    /// Whether a rejected token may be replaced by asking the source again.
    pub(crate) fn refreshable(&self) -> bool {
        self.refreshable
    }

    /// The `Authorization` header to use now, fetching a token when none is fresh.
    ///
    /// Callers that wait while another one fetches share its outcome: its token, or, when
    /// the fetch failed, [`Error::TokenShared`] with its message (instead of each asking
    /// again in turn). After a failure, calls get the same during a backoff (see
    /// [`FAILURE_BACKOFF`]).
    pub(crate) async fn authorization(&self) -> Result<Bearer, Error> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let waiting_since = self.clock.now();
        let mut state = self.state.lock().await;
        let now = self.clock.now();
        if let Some(c) = state.cached.as_ref()
            && c.refresh_at.is_none_or(|at| now < at)
        {
            return Ok(c.authorization.clone());
        }
        if let Some(failed) = &state.failed
            && (failed.at >= waiting_since || now < failed.until)
        {
            return Err(Error::TokenShared(failed.message.clone()));
        }
        let token = match self.source.fetch().await {
            Ok(token) => token,
            Err(e) => {
                let at = self.clock.now();
                let count = state
                    .failed
                    .as_ref()
                    .map_or(1, |f| f.count.saturating_add(1));
                let backoff = server_wait(&e, self.clock.system_time())
                    .map(|wait| wait.min(MAX_SERVER_BACKOFF))
                    .unwrap_or_else(|| {
                        FAILURE_BACKOFF
                            .saturating_mul(1 << (count - 1).min(16))
                            .min(MAX_FAILURE_BACKOFF)
                    });
                state.failed = Some(Failed {
                    at,
                    until: at.checked_add(backoff).unwrap_or(at),
                    message: e.to_string(),
                    count,
                });
                return Err(e);
            }
        };
        let mut value = auth0_http::bearer(token.access_token.expose_secret())
            .ok_or_else(|| Error::Config("the token is not a valid header value".into()))?;
        value.set_sensitive(true);
        let id = self.taken.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let authorization = Bearer { value, id };
        // A lifetime too long to represent means "no need to renew".
        let fetched_at = self.clock.now();
        let refresh_at = token.expires_in.and_then(|life| {
            let margin = REFRESH_MARGIN.min(life / 2);
            fetched_at.checked_add(life.saturating_sub(margin).max(MIN_TOKEN_USE))
        });
        state.failed = None;
        self.set_fresh(Some((authorization.clone(), refresh_at)));
        state.cached = Some(Cached {
            authorization: authorization.clone(),
            refresh_at,
            fetched_at,
            replaces_rejected: std::mem::take(&mut state.replacing),
        });
        Ok(authorization)
    }

    /// Called when the API rejected the token numbered `rejected` with 401: whether to try again with another
    /// token. The current token is forgotten (so that the next call fetches) unless it
    /// replaced a rejected one moments ago ([`REPLACE_COOLDOWN`]); a token another caller
    /// already replaced is simply retried with the current one.
    pub(crate) async fn reject(&self, rejected: u64) -> bool {
        let mut state = self.state.lock().await;
        let Some(c) = state.cached.as_ref() else {
            return true;
        };
        if c.authorization.id != rejected {
            return true;
        }
        let since = self.clock.now().saturating_duration_since(c.fetched_at);
        if c.replaces_rejected && since < REPLACE_COOLDOWN {
            return false;
        }
        state.cached = None;
        self.set_fresh(None);
        state.replacing = true;
        true
    }

    /// The token at hand if it needs no renewing yet, without waiting for the mutex: this
    /// thread's copy while the token is unchanged, else a new copy of it.
    pub(crate) fn fresh(&self) -> Option<Bearer> {
        let version = self.version.load(Ordering::Acquire);
        let usable =
            |refresh_at: Option<Instant>| refresh_at.is_none_or(|at| self.clock.now() < at);
        let shared = || {
            let fresh = self.fresh.read().ok()?;
            let (token, refresh_at) = fresh.as_ref()?;
            usable(*refresh_at).then(|| token.clone())
        };
        // A thread whose copies are being torn down (a call from another thread-local's
        // destructor) reads the shared token.
        COPIES
            .try_with(|copies| self.thread_copy(copies, version, usable))
            .unwrap_or_else(|_| shared())
    }

    /// [`fresh`](Self::fresh) through this thread's copy.
    fn thread_copy(
        &self,
        copies: &std::cell::RefCell<Vec<ThreadCopy>>,
        version: u64,
        usable: impl Fn(Option<Instant>) -> bool,
    ) -> Option<Bearer> {
        let mut copies = copies.borrow_mut();
        let at = copies.iter().position(|c| c.cache == self.number);
        if let Some(copy) = at.map(|i| &copies[i])
            && copy.version == version
        {
            return usable(copy.refresh_at).then(|| copy.token.clone());
        }
        let (token, refresh_at) = {
            let fresh = self.fresh.read().ok()?;
            let (token, refresh_at) = fresh.as_ref()?;
            // Bytes of this thread's own, not a count shared with the other threads.
            let mut value = HeaderValue::from_bytes(token.value.as_bytes()).ok()?;
            value.set_sensitive(true);
            (
                Bearer {
                    value,
                    id: token.id,
                },
                *refresh_at,
            )
        };
        let copy = ThreadCopy {
            cache: self.number,
            version,
            token: token.clone(),
            refresh_at,
        };
        match at {
            Some(i) => copies[i] = copy,
            None => {
                if copies.len() == THREAD_COPIES {
                    copies.remove(0);
                }
                copies.push(copy);
            }
        }
        usable(refresh_at).then_some(token)
    }

    fn set_fresh(&self, value: Option<(Bearer, Option<Instant>)>) {
        if let Ok(mut fresh) = self.fresh.write() {
            *fresh = value;
        }
        // After the write: a copy made under the old version is made again.
        self.version.fetch_add(1, Ordering::Release);
    }
}

/// The wait a token endpoint asked for with its failure (`Retry-After`, `X-RateLimit-Reset`).
fn server_wait(e: &Error, now: std::time::SystemTime) -> Option<Duration> {
    let headers = match e {
        Error::Token(auth) => auth.api()?.headers(),
        other => other.api()?.headers(),
    };
    auth0_http::server_wait(headers, now)
}
