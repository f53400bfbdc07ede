//! [`Tokens`]: one token at a time from a [`TokenSource`], kept, renewed before it expires,
//! one request shared by every caller, a backoff after failures, and, with a
//! [`TokenStore`], one request shared by every instance.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use tokio::sync::Mutex;

use super::store::{StoreError, StoreFailure, StoredToken, TokenStore};
use super::{Token, TokenSource};
use crate::Error;
use crate::http::{AccessToken, Clock};

/// Which token a [`Bearer`] carries: each token a [`Tokens`] takes gets a number of its own,
/// so that a token an API rejected is known ([`Tokens::reject`]) without keeping a copy of
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenId(u64);

/// An `Authorization: Bearer …` header value (marked sensitive) and which token it carries.
///
/// `Debug` prints `[redacted]` for the value.
#[derive(Clone)]
pub struct Bearer {
    value: HeaderValue,
    id: TokenId,
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bearer")
            .field("value", &"[redacted]")
            .field("id", &self.id)
            .finish()
    }
}

impl Bearer {
    /// The header value (`Bearer …`), marked sensitive.
    pub fn header_value(&self) -> &HeaderValue {
        &self.value
    }

    /// Takes the header value.
    pub fn into_header_value(self) -> HeaderValue {
        self.value
    }

    /// Which token this is.
    pub fn id(&self) -> TokenId {
        self.id
    }

    /// The access token itself.
    pub fn access_token(&self) -> AccessToken {
        let bytes = self.value.as_bytes();
        let token = bytes.strip_prefix(b"Bearer ").unwrap_or(bytes);
        AccessToken::new(String::from_utf8_lossy(token).into_owned())
    }
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

/// While another instance holds the renewal lease, the store is read again after this wait,
/// doubled each time up to [`MAX_STORE_POLL`].
const FIRST_STORE_POLL: Duration = Duration::from_millis(20);
const MAX_STORE_POLL: Duration = Duration::from_millis(500);

/// How long a renewal lease lasts unless its holder ends it first (see
/// [`TokenCacheBuilder::renewal_lease`](super::TokenCacheBuilder::renewal_lease)).
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// When a token that lives `life` is renewed, counted from when it was received.
fn renew_after(life: Duration) -> Duration {
    life.saturating_sub(REFRESH_MARGIN.min(life / 2))
        .max(MIN_TOKEN_USE)
}

/// The token of a [`Tokens`] that uses a shared store.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn TokenStore>,
    /// The token's key in the store.
    pub(crate) key: String,
    pub(crate) lease: Duration,
    pub(crate) failure: StoreFailure,
}

struct Cached {
    authorization: Bearer,
    refresh_at: Option<Instant>,
    taken_at: Instant,
    /// Taken because the API rejected the token before it.
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
    /// The next token taken replaces a rejected one, this one (a store may still hold it).
    replacing: Option<HeaderValue>,
    failed: Option<Failed>,
}

/// A token and when to renew it, as taken from the source or the store.
struct Taken {
    value: HeaderValue,
    refresh_at: Option<Instant>,
}

/// A token from a [`TokenSource`], kept and renewed: cheap to clone (clones share the token),
/// `Send + Sync`. [`TokenCache`](super::TokenCache) makes one per API; [`Tokens::from_source`]
/// makes one for a source of your own.
///
/// - The token is asked for on first use and kept; a call while it is fresh waits for
///   nothing.
/// - It is renewed a minute before it expires (at half its lifetime when that is shorter;
///   after ten seconds at the earliest, whatever lifetime it came with).
/// - Callers that find no fresh token while another one asks for it wait for that request
///   and share its outcome: its token, or its failure as [`Error::TokenShared`].
/// - After a failed request no token is asked for during a backoff: the token endpoint's
///   `Retry-After` (or `X-RateLimit-Reset`, up to ten minutes) when it gave one, else one
///   second doubled with each failure in a row, up to thirty; calls meanwhile fail with
///   [`Error::TokenShared`].
/// - With a [`TokenStore`], renewal goes through the store (see there), so that instances
///   sharing it make one request together.
#[derive(Clone)]
pub struct Tokens {
    inner: Arc<Inner>,
}

struct Inner {
    source: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    shared: Option<Shared>,
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

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fresh = self.current().is_some();
        f.debug_struct("Tokens")
            .field("fresh", &fresh)
            .field("store", &self.inner.shared.as_ref().map(|s| &s.store))
            .finish_non_exhaustive()
    }
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

impl Tokens {
    /// Tokens from `source`, timed by `clock` (`Arc::new(http::SystemClock)` for the real
    /// one, an [`http::ManualClock`](crate::http::ManualClock) in tests).
    pub fn from_source(source: impl TokenSource, clock: Arc<dyn Clock>) -> Self {
        Tokens::new(Arc::new(source), clock, None)
    }

    pub(crate) fn new(
        source: Arc<dyn TokenSource>,
        clock: Arc<dyn Clock>,
        shared: Option<Shared>,
    ) -> Self {
        Tokens {
            inner: Arc::new(Inner {
                source,
                clock,
                shared,
                state: Mutex::new(State::default()),
                fresh: std::sync::RwLock::new(None),
                version: AtomicU64::new(0),
                number: CACHES.fetch_add(1, Ordering::Relaxed),
                taken: AtomicU64::new(0),
            }),
        }
    }

    /// The access token, asked for when none is fresh.
    pub async fn token(&self) -> Result<AccessToken, Error> {
        self.bearer().await.map(|b| b.access_token())
    }

    /// Sets `Authorization: Bearer …` on `request` (the header marked sensitive), asking for
    /// a token when none is fresh.
    ///
    /// ```no_run
    /// # async fn run(orders: auth0_auth::tokens::Tokens) -> Result<(), Box<dyn std::error::Error>> {
    /// let http = reqwest::Client::new();
    /// let answer = orders
    ///     .authorize(http.get("https://orders.example.com/v1/orders"))
    ///     .await?
    ///     .send()
    ///     .await?;
    /// # let _ = answer; Ok(()) }
    /// ```
    pub async fn authorize(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let bearer = self.bearer().await?;
        Ok(request.header(AUTHORIZATION, bearer.into_header_value()))
    }

    /// The `Authorization` header to use now, asking for a token when none is fresh.
    ///
    /// Callers that wait while another one asks share its outcome: its token, or, when the
    /// request failed, [`Error::TokenShared`] with its message (instead of each asking again
    /// in turn). After a failure, calls get the same during a backoff.
    pub async fn bearer(&self) -> Result<Bearer, Error> {
        if let Some(token) = self.current() {
            return Ok(token);
        }
        let inner = &*self.inner;
        let waiting_since = inner.clock.now();
        let mut state = inner.state.lock().await;
        let now = inner.clock.now();
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
        let taken = match self.take(state.replacing.as_ref()).await {
            Ok(taken) => taken,
            Err(e) => {
                let at = inner.clock.now();
                let count = state
                    .failed
                    .as_ref()
                    .map_or(1, |f| f.count.saturating_add(1));
                let backoff = inner
                    .source
                    .retry_after(&e, inner.clock.system_time())
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
        let id = inner.taken.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let authorization = Bearer {
            value: taken.value,
            id: TokenId(id),
        };
        state.failed = None;
        self.set_fresh(Some((authorization.clone(), taken.refresh_at)));
        state.cached = Some(Cached {
            authorization: authorization.clone(),
            refresh_at: taken.refresh_at,
            taken_at: inner.clock.now(),
            replaces_rejected: state.replacing.take().is_some(),
        });
        Ok(authorization)
    }

    /// Called when an API rejected the token `rejected` (HTTP 401): whether to try again with
    /// another token from [`bearer`](Self::bearer). The current token is forgotten (so that
    /// the next call asks for one; a store's copy of it is passed over) unless it replaced a
    /// rejected one moments ago (thirty seconds): then the API refuses this client's tokens
    /// (wrong audience, grant revoked), and asking for more would only spend the tenant's
    /// token quota. A token another caller already replaced is simply retried with the
    /// current one.
    pub async fn reject(&self, rejected: TokenId) -> bool {
        let mut state = self.inner.state.lock().await;
        let Some(c) = state.cached.as_ref() else {
            return true;
        };
        if c.authorization.id != rejected {
            return true;
        }
        let since = self.inner.clock.now().saturating_duration_since(c.taken_at);
        if c.replaces_rejected && since < REPLACE_COOLDOWN {
            return false;
        }
        let forgotten = state.cached.take().map(|c| c.authorization.value);
        self.set_fresh(None);
        state.replacing = forgotten;
        true
    }

    /// The token at hand if it needs no renewing yet, without waiting: this thread's copy
    /// while the token is unchanged, else a new copy of it.
    pub fn current(&self) -> Option<Bearer> {
        let inner = &*self.inner;
        let version = inner.version.load(Ordering::Acquire);
        let usable =
            |refresh_at: Option<Instant>| refresh_at.is_none_or(|at| inner.clock.now() < at);
        let shared = || {
            let fresh = inner.fresh.read().ok()?;
            let (token, refresh_at) = fresh.as_ref()?;
            usable(*refresh_at).then(|| token.clone())
        };
        // A thread whose copies are being torn down (a call from another thread-local's
        // destructor) reads the shared token.
        COPIES
            .try_with(|copies| self.thread_copy(copies, version, usable))
            .unwrap_or_else(|_| shared())
    }

    /// [`current`](Self::current) through this thread's copy.
    fn thread_copy(
        &self,
        copies: &std::cell::RefCell<Vec<ThreadCopy>>,
        version: u64,
        usable: impl Fn(Option<Instant>) -> bool,
    ) -> Option<Bearer> {
        let inner = &*self.inner;
        let mut copies = copies.borrow_mut();
        let at = copies.iter().position(|c| c.cache == inner.number);
        if let Some(copy) = at.map(|i| &copies[i])
            && copy.version == version
        {
            return usable(copy.refresh_at).then(|| copy.token.clone());
        }
        let (token, refresh_at) = {
            let fresh = inner.fresh.read().ok()?;
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
            cache: inner.number,
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
        if let Ok(mut fresh) = self.inner.fresh.write() {
            *fresh = value;
        }
        // After the write: a copy made under the old version is made again.
        self.inner.version.fetch_add(1, Ordering::Release);
    }

    /// A token to use: from the source, or, with a store, the store's or the source's through
    /// the renewal lease. `rejected` is a token the API refused, not to be taken again.
    async fn take(&self, rejected: Option<&HeaderValue>) -> Result<Taken, Error> {
        let Some(shared) = &self.inner.shared else {
            return self.fetch().await.map(|(taken, _)| taken);
        };
        let clock = &*self.inner.clock;
        // The lease expires before this, so another instance could have taken it; past it,
        // something is wrong with the store.
        let give_up = clock.now().checked_add(shared.lease.saturating_mul(2));
        let owner = crate::random_string();
        let mut pause = FIRST_STORE_POLL;
        let store_failed = |e: StoreError| match shared.failure {
            StoreFailure::Closed => Err(Error::TokenStore(e)),
            _ => Ok(()),
        };
        loop {
            match shared.store.get(&shared.key).await {
                Ok(Some(stored)) => {
                    if let Some(taken) = self.stored_token(&stored, rejected) {
                        return Ok(taken);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    store_failed(e)?;
                    return self.fetch().await.map(|(taken, _)| taken);
                }
            }
            match shared
                .store
                .try_begin_renewal(&shared.key, &owner, shared.lease)
                .await
            {
                Ok(true) => {
                    let fetched = self.fetch().await;
                    if let Ok((_, stored)) = &fetched {
                        // A token that could not be shared is still this instance's.
                        let _ = shared.store.put(&shared.key, stored.clone()).await;
                    }
                    let _ = shared.store.end_renewal(&shared.key, &owner).await;
                    return fetched.map(|(taken, _)| taken);
                }
                Ok(false) => {}
                Err(e) => {
                    store_failed(e)?;
                    return self.fetch().await.map(|(taken, _)| taken);
                }
            }
            if give_up.is_none_or(|at| clock.now() >= at) {
                store_failed(StoreError::new(
                    "no token came into the store while another instance held the renewal lease",
                ))?;
                return self.fetch().await.map(|(taken, _)| taken);
            }
            clock.sleep(pause).await;
            pause = pause.saturating_mul(2).min(MAX_STORE_POLL);
        }
    }

    /// A token from the source, and the same as a store keeps it.
    async fn fetch(&self) -> Result<(Taken, StoredToken), Error> {
        let Token {
            access_token,
            expires_in,
        } = self.inner.source.fetch().await?;
        let value = crate::http::bearer(access_token.expose_secret())
            .ok_or_else(|| Error::config("the token is not a valid header value"))?;
        let clock = &*self.inner.clock;
        let (now, received_at) = (clock.now(), clock.system_time());
        // A lifetime too long to represent means "no need to renew".
        let refresh_at = expires_in.and_then(|life| now.checked_add(renew_after(life)));
        let expires_at = expires_in.and_then(|life| received_at.checked_add(life));
        let stored = StoredToken::new(access_token, received_at, expires_at);
        Ok((Taken { value, refresh_at }, stored))
    }

    /// The store's token, unless it is due for renewal already or is `rejected`.
    fn stored_token(&self, stored: &StoredToken, rejected: Option<&HeaderValue>) -> Option<Taken> {
        let value = crate::http::bearer(stored.access_token.expose_secret())?;
        if rejected.is_some_and(|r| r.as_bytes() == value.as_bytes()) {
            return None;
        }
        let clock = &*self.inner.clock;
        let refresh_at = match stored.expires_at {
            None => None,
            Some(expires_at) => {
                let life = expires_at
                    .duration_since(stored.received_at)
                    .unwrap_or_default();
                let renew_at: SystemTime = stored.received_at.checked_add(renew_after(life))?;
                let left = renew_at.duration_since(clock.system_time()).ok()?;
                if left.is_zero() {
                    return None;
                }
                clock.now().checked_add(left)
            }
        };
        Some(Taken { value, refresh_at })
    }
}
