//! Access tokens for calling APIs: client-credentials tokens for any API (and organization),
//! kept and renewed before they expire, one request shared by concurrent callers, a backoff
//! after failures, and, with a [`TokenStore`], one request shared by a fleet of instances.
//!
//! ```no_run
//! use auth0_auth::Client;
//! use auth0_auth::tokens::TokenCache;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth0 = Client::builder("my-tenant.us.auth0.com")
//!     .client_id("CLIENT_ID")
//!     .client_secret("CLIENT_SECRET")
//!     .build()?;
//! let tokens = TokenCache::new(auth0);
//! let orders = tokens.audience("https://orders.example.com");
//!
//! let http = reqwest::Client::new();
//! let answer = orders.authorize(http.get("https://orders.example.com/v1/orders")).await?.send().await?;
//! # let _ = answer; Ok(()) }
//! ```
//!
//! The Management client (`auth0-mgmt`) keeps its tokens with the same [`Tokens`].

mod cache;
#[cfg(feature = "redis")]
mod redis_store;
mod store;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

pub use cache::{Bearer, TokenId, Tokens};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::RedisTokenStore;
pub use store::{MemoryTokenStore, StoreError, StoreFailure, StoreFuture, StoredToken, TokenStore};

use crate::http::AccessToken;
use crate::{Client, Error};

/// An access token and how long it stays valid, as a [`TokenSource`] gives it.
///
/// `Debug` prints `[redacted]` for the token.
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

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Token, Error>> + Send + 'a>>;

/// Where the tokens of a [`Tokens`] come from: the client-credentials grant for a
/// [`TokenCache`], or a source of your own ([`Tokens::from_source`]).
pub trait TokenSource: Send + Sync + 'static {
    /// Asks for a fresh token. A source with errors of its own returns them as
    /// [`Error::TokenSource`].
    fn fetch(&self) -> TokenFuture<'_>;

    /// How long the source asked not to be asked again after `error` (at `now`), if it said:
    /// by default the `Retry-After` or `X-RateLimit-Reset` of an error answer.
    fn retry_after(&self, error: &Error, now: SystemTime) -> Option<Duration> {
        crate::http::server_wait(error.api()?.headers(), now)
    }
}

/// Which token: the API it is for (`audience`) and, optionally, the organization (id or
/// name) it is issued in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenKey {
    /// The API (its identifier).
    pub audience: String,
    /// The organization, if any.
    pub organization: Option<String>,
}

impl TokenKey {
    /// A token for the API `audience`.
    pub fn new(audience: impl Into<String>) -> Self {
        TokenKey {
            audience: audience.into(),
            organization: None,
        }
    }

    /// In the organization `organization` (id or name): sent as `organization`, the token
    /// then carries its `org_id`.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }
}

/// The client-credentials grant for one key.
struct ClientCredentials {
    client: Client,
    key: TokenKey,
}

impl TokenSource for ClientCredentials {
    fn fetch(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let mut request = self
                .client
                .client_credentials()
                .audience(self.key.audience.clone());
            if let Some(organization) = &self.key.organization {
                request = request.organization(organization.clone());
            }
            let answer = request.send().await?;
            Ok(Token::new(
                answer.access_token,
                answer.expires_in.map(Duration::from_secs),
            ))
        })
    }
}

/// At most this many keys' tokens are kept by a [`TokenCache`]; past it, the key added
/// first is dropped (its [`Tokens`] go on working for whoever holds them).
pub const MAX_KEYS: usize = 1024;

/// Client-credentials tokens of a [`Client`] for any API and organization, one [`Tokens`]
/// per [`TokenKey`]: cheap to clone (clones share the tokens), `Send + Sync`. The tokens are
/// timed by the client's clock ([`ClientBuilder::clock`](crate::ClientBuilder::clock)).
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    client: Client,
    store: Option<Arc<dyn TokenStore>>,
    lease: Duration,
    failure: StoreFailure,
    keys: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    tokens: HashMap<TokenKey, (Tokens, u64)>,
    added: u64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("TokenCache")
            .field("client_id", &inner.client.client_id())
            .field("store", &inner.store)
            .field("lease", &inner.lease)
            .field("failure", &inner.failure)
            .field("keys", &inner.keys().tokens.len())
            .finish()
    }
}

impl TokenCache {
    /// The tokens of `client`, kept in this process only.
    pub fn new(client: Client) -> Self {
        TokenCache::builder(client).build()
    }

    /// Configures the tokens of `client` (a store shared by a fleet).
    pub fn builder(client: Client) -> TokenCacheBuilder {
        TokenCacheBuilder {
            client,
            store: None,
            lease: cache::DEFAULT_LEASE,
            failure: StoreFailure::Open,
        }
    }

    /// The tokens for the API `audience`.
    pub fn audience(&self, audience: impl Into<String>) -> Tokens {
        self.tokens(TokenKey::new(audience))
    }

    /// The tokens of `key` (an API, and an organization).
    pub fn tokens(&self, key: TokenKey) -> Tokens {
        let inner = &*self.inner;
        let mut keys = inner.keys();
        if let Some((tokens, _)) = keys.tokens.get(&key) {
            return tokens.clone();
        }
        if keys.tokens.len() >= MAX_KEYS
            && let Some(first) = keys
                .tokens
                .iter()
                .min_by_key(|(_, (_, added))| *added)
                .map(|(key, _)| key.clone())
        {
            keys.tokens.remove(&first);
        }
        let shared = inner.store.as_ref().map(|store| cache::Shared {
            store: Arc::clone(store),
            key: store_key(&inner.client, &key),
            lease: inner.lease,
            failure: inner.failure,
        });
        let source = ClientCredentials {
            client: inner.client.clone(),
            key: key.clone(),
        };
        let tokens = Tokens::new(Arc::new(source), Arc::clone(inner.client.clock()), shared);
        keys.added += 1;
        let added = keys.added;
        keys.tokens.insert(key, (tokens.clone(), added));
        tokens
    }

    /// The access token for the API `audience` (see [`Tokens::token`]).
    pub async fn token(&self, audience: impl Into<String>) -> Result<AccessToken, Error> {
        self.audience(audience).token().await
    }
}

impl CacheInner {
    fn keys(&self) -> std::sync::MutexGuard<'_, Keys> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A key's name in a store: `auth0:token:` and the hex SHA-256 of the tenant, the client id,
/// the audience and the organization, each length-prefixed (no two keys share a name).
fn store_key(client: &Client, key: &TokenKey) -> String {
    let mut hash = Sha256::new();
    let parts = [
        Some(client.issuer()),
        Some(client.client_id()),
        Some(key.audience.as_str()),
        key.organization.as_deref(),
    ];
    for part in parts {
        match part {
            Some(text) => {
                hash.update([1]);
                hash.update((text.len() as u64).to_be_bytes());
                hash.update(text.as_bytes());
            }
            None => hash.update([0]),
        }
    }
    let digest = hash.finalize();
    let mut name = String::with_capacity(12 + 64);
    name.push_str("auth0:token:");
    for byte in digest {
        name.push_str(&format!("{byte:02x}"));
    }
    name
}

/// Configures a [`TokenCache`].
#[must_use]
pub struct TokenCacheBuilder {
    client: Client,
    store: Option<Arc<dyn TokenStore>>,
    lease: Duration,
    failure: StoreFailure,
}

impl fmt::Debug for TokenCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCacheBuilder")
            .field("client_id", &self.client.client_id())
            .field("store", &self.store)
            .field("lease", &self.lease)
            .field("failure", &self.failure)
            .finish()
    }
}

impl TokenCacheBuilder {
    /// Shares tokens through `store` with the other instances that use it (see
    /// [`TokenStore`]).
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long an instance renewing a token holds the store's renewal lease unless it ends
    /// it first (10 s by default): the longest the others wait for an instance that stopped
    /// mid-renewal. Longer than a token request takes.
    pub fn renewal_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// What a failing store means (fail open by default, see [`StoreFailure`]).
    pub fn store_failure(mut self, failure: StoreFailure) -> Self {
        self.failure = failure;
        self
    }

    /// Builds the cache.
    pub fn build(self) -> TokenCache {
        TokenCache {
            inner: Arc::new(CacheInner {
                client: self.client,
                store: self.store,
                lease: self.lease,
                failure: self.failure,
                keys: Mutex::default(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_keys_differ_by_every_part_and_name_no_part() {
        let client = |id: &str| {
            Client::builder("tenant.example")
                .client_id(id)
                .client_secret("s")
                .build()
                .unwrap()
        };
        let (a, b) = (client("a"), client("b"));
        let key = TokenKey::new("https://api");
        let names = [
            store_key(&a, &key),
            store_key(&b, &key),
            store_key(&a, &TokenKey::new("https://api2")),
            store_key(&a, &key.clone().organization("org_1")),
            store_key(&a, &key.clone().organization("")),
        ];
        for (i, name) in names.iter().enumerate() {
            assert!(
                name.starts_with("auth0:token:") && name.len() == 12 + 64,
                "{name}"
            );
            assert!(!name.contains("api"));
            for other in &names[i + 1..] {
                assert_ne!(name, other);
            }
        }
        assert_eq!(store_key(&a, &key), names[0]);
    }
}
