//! Where the instances of a fleet find each other's tokens: the [`TokenStore`] trait and its
//! in-memory implementation.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::client_auth::BoxError;
use crate::http::{AccessToken, Clock};

/// A token as a [`TokenStore`] keeps it: the token, when it was received and when it expires
/// (wall-clock times, so that every instance reads the same moments).
///
/// `Debug` prints `[redacted]` for the token.
#[derive(Clone)]
#[non_exhaustive]
pub struct StoredToken {
    /// The access token.
    pub access_token: AccessToken,
    /// When the token endpoint answered.
    pub received_at: SystemTime,
    /// When the token expires (`None`: no known expiry). A store may forget the token then.
    pub expires_at: Option<SystemTime>,
}

impl StoredToken {
    /// A token received at `received_at` that expires at `expires_at`.
    pub fn new(
        access_token: impl Into<AccessToken>,
        received_at: SystemTime,
        expires_at: Option<SystemTime>,
    ) -> Self {
        StoredToken {
            access_token: access_token.into(),
            received_at,
            expires_at,
        }
    }
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("access_token", &"[redacted]")
            .field("received_at", &self.received_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A [`TokenStore`] failed (unreachable, timed out, an answer it could not read). Its message
/// must name no token.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<BoxError>,
}

impl StoreError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        StoreError {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// The future a [`TokenStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Tokens shared by several instances of a service, so that a fleet asks the tenant for one
/// token per API rather than one per instance, and renews it once.
///
/// A [`TokenCache`](super::TokenCache) given a store keeps using its own copy of a token
/// while it is fresh; the store is read only when the copy needs renewing. Then the cache
/// takes the store's token when another instance renewed it already; else it asks for the
/// *renewal lease* ([`try_begin_renewal`](Self::try_begin_renewal)): the instance that gets
/// it requests a token, [`put`](Self::put)s it and ends the lease; the others read the store
/// again, at growing intervals, until the token is there or the lease is free again (ended,
/// or expired with its holder) and one of them takes it.
///
/// Each method is one atomic step, so that a shared store can implement it with one
/// command; on Redis, for example:
///
/// | method | Redis |
/// |---|---|
/// | `get(key)` | `GET key` |
/// | `put(key, token)` | `SET key VALUE PXAT expires_at` (the token and its two times, serialized) |
/// | `try_begin_renewal(key, owner, ttl)` | `SET key:renewal owner NX PX ttl` (true on `OK`) |
/// | `end_renewal(key, owner)` | a script deleting `key:renewal` only while its value is `owner` |
///
/// Keys are `auth0:token:` and 64 hex digits (a SHA-256 of the tenant, client id, audience and
/// organization), the same on every instance of an application.
///
/// # Failures
///
/// Tokens are secrets: a store keeps them where only the fleet reads them, and neither its
/// `Debug` nor its errors may print one. When a method fails the cache *fails open* by default
/// ([`StoreFailure::Open`]): the instance requests its own token (one more token request, the
/// service still served); with [`StoreFailure::Closed`] the call fails with
/// [`Error::TokenStore`](crate::Error::TokenStore) instead (no request beyond the fleet's one,
/// at the price of availability). A token that could not be `put` is used all the same.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The token kept under `key`, unless there is none or it has expired.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>>;

    /// Keeps `token` under `key`, replacing any before it, until it expires.
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()>;

    /// Takes the renewal lease of `key` for `owner` (a random value of the caller's) for
    /// `ttl`, unless another owner holds it: whether the caller holds it now.
    fn try_begin_renewal<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Ends the renewal lease of `key` if `owner` still holds it (a lease that expired and
    /// went to another owner is left alone).
    fn end_renewal<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()>;
}

/// What a [`TokenCache`](super::TokenCache) does when its [`TokenStore`] fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreFailure {
    /// Fail open (the default): the instance requests a token of its own, as it would without
    /// a store.
    #[default]
    Open,
    /// Fail closed: the call fails with [`Error::TokenStore`](crate::Error::TokenStore), and
    /// no token is requested outside the lease.
    Closed,
}

/// A [`TokenStore`] in this process's memory: for several caches of one process, and for
/// tests of a fleet. Expired tokens and leases are forgotten by the store's clock.
#[derive(Clone)]
pub struct MemoryTokenStore {
    clock: Arc<dyn Clock>,
    entries: Arc<Mutex<Entries>>,
}

#[derive(Default)]
struct Entries {
    tokens: HashMap<String, StoredToken>,
    /// The owner of each lease and when it ends.
    leases: HashMap<String, (String, Instant)>,
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.entries();
        f.debug_struct("MemoryTokenStore")
            .field("tokens", &entries.tokens.len())
            .field("leases", &entries.leases.len())
            .finish()
    }
}

impl Default for MemoryTokenStore {
    fn default() -> Self {
        MemoryTokenStore::new()
    }
}

impl MemoryTokenStore {
    /// An empty store on the real clock.
    pub fn new() -> Self {
        MemoryTokenStore::with_clock(Arc::new(crate::http::SystemClock))
    }

    /// An empty store timing expiry and leases by `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        MemoryTokenStore {
            clock,
            entries: Arc::default(),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn live(&self, token: &StoredToken) -> bool {
        let now = self.clock.system_time();
        token.expires_at.is_none_or(|at| now < at)
    }
}

impl TokenStore for MemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let mut entries = self.entries();
        let token = match entries.tokens.get(key) {
            Some(token) if self.live(token) => Some(token.clone()),
            Some(_) => {
                entries.tokens.remove(key);
                None
            }
            None => None,
        };
        Box::pin(std::future::ready(Ok(token)))
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        let mut entries = self.entries();
        entries.tokens.retain(|_, t| self.live(t));
        entries.tokens.insert(key.to_owned(), token);
        Box::pin(std::future::ready(Ok(())))
    }

    fn try_begin_renewal<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let now = self.clock.now();
        let mut entries = self.entries();
        entries.leases.retain(|_, (_, until)| now < *until);
        let taken = match entries.leases.get(key) {
            Some((holder, _)) if holder != owner => false,
            _ => {
                let until = now.checked_add(ttl).unwrap_or(now);
                entries
                    .leases
                    .insert(key.to_owned(), (owner.to_owned(), until));
                true
            }
        };
        Box::pin(std::future::ready(Ok(taken)))
    }

    fn end_renewal<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        let mut entries = self.entries();
        if entries
            .leases
            .get(key)
            .is_some_and(|(holder, _)| holder == owner)
        {
            entries.leases.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ManualClock;

    #[tokio::test]
    async fn the_memory_store_keeps_tokens_until_they_expire_and_leases_until_they_end() {
        let clock = ManualClock::new();
        let store = MemoryTokenStore::with_clock(clock.shared());
        let now = clock.system_time();
        let token = StoredToken::new("tok", now, Some(now + Duration::from_secs(60)));
        store.put("k", token).await.unwrap();
        let got = store.get("k").await.unwrap().unwrap();
        assert_eq!(got.access_token.expose_secret(), "tok");
        assert!(!format!("{got:?} {store:?}").contains("tok\""));
        assert!(store.get("other").await.unwrap().is_none());

        let ttl = Duration::from_secs(5);
        assert!(store.try_begin_renewal("k", "a", ttl).await.unwrap());
        assert!(!store.try_begin_renewal("k", "b", ttl).await.unwrap());
        // Another owner cannot end it; its holder can.
        store.end_renewal("k", "b").await.unwrap();
        assert!(!store.try_begin_renewal("k", "b", ttl).await.unwrap());
        store.end_renewal("k", "a").await.unwrap();
        assert!(store.try_begin_renewal("k", "b", ttl).await.unwrap());
        // A lease its holder never ended goes with its time.
        clock.advance(Duration::from_secs(6));
        assert!(store.try_begin_renewal("k", "a", ttl).await.unwrap());

        clock.advance(Duration::from_secs(60));
        assert!(store.get("k").await.unwrap().is_none());
    }
}
