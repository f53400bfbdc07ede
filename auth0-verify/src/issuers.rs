//! [`IssuerResolver`]: issuers accepted by a function, each with its own keys, kept in a
//! bounded table.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::signature::SignatureVerifier;

type Resolve = dyn Fn(&str) -> Option<SignatureVerifier> + Send + Sync;

/// Decides which issuers an [`AccessTokenVerifier`](crate::AccessTokenVerifier) accepts beyond
/// those it was given, and with which keys: a function from an issuer (`https://login.acme.com/`)
/// to the keys its tokens are signed with, or `None` for an issuer that is not accepted. For a
/// multi-tenant API whose tenants (and their custom domains) are not known when it starts.
///
/// The function is the allow-list: it is called with the `iss` of a token before its
/// signature is checked (or with the issuer a request names, see `AuthLayer::issuer_from`),
/// so it must accept only issuers the API trusts. What it returns for an issuer is kept, so
/// that each issuer has one key cache; at most [`capacity`](Self::capacity) issuers are kept
/// (100 by default), the one used longest ago leaving first. Refusals are not kept.
///
/// ```
/// use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier, IssuerResolver};
///
/// let tenants = ["https://login.acme.example/", "https://auth.globex.example/"];
/// let resolver = IssuerResolver::new(move |issuer: &str| {
///     tenants
///         .contains(&issuer)
///         .then(|| AsymmetricSignatureVerifier::discover(issuer))
/// });
/// let verifier = AccessTokenVerifier::with_resolver(resolver, "https://api.example.com");
/// ```
#[derive(Clone)]
pub struct IssuerResolver {
    inner: Arc<Inner>,
}

struct Inner {
    resolve: Arc<Resolve>,
    capacity: usize,
    issuers: RwLock<HashMap<String, Entry>>,
    /// Counts uses, to find the issuer used longest ago.
    uses: AtomicU64,
}

struct Entry {
    keys: SignatureVerifier,
    last_use: AtomicU64,
}

impl fmt::Debug for IssuerResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerResolver")
            .field("capacity", &self.inner.capacity)
            .field("issuers", &self.read().len())
            .finish_non_exhaustive()
    }
}

impl IssuerResolver {
    /// Accepts the issuers for which `resolve` returns keys (an
    /// [`AsymmetricSignatureVerifier`](crate::AsymmetricSignatureVerifier), typically), with
    /// those keys.
    pub fn new<F, K>(resolve: F) -> Self
    where
        F: Fn(&str) -> Option<K> + Send + Sync + 'static,
        K: Into<SignatureVerifier>,
    {
        Self::from_parts(Arc::new(move |issuer| resolve(issuer).map(Into::into)), 100)
    }

    fn from_parts(resolve: Arc<Resolve>, capacity: usize) -> Self {
        IssuerResolver {
            inner: Arc::new(Inner {
                resolve,
                capacity: capacity.max(1),
                issuers: RwLock::new(HashMap::new()),
                uses: AtomicU64::new(0),
            }),
        }
    }

    /// How many issuers (each with its key cache) are kept at most (100 by default; at least
    /// one). Set before use: the resolver starts empty.
    pub fn capacity(self, capacity: usize) -> Self {
        Self::from_parts(Arc::clone(&self.inner.resolve), capacity)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Entry>> {
        self.inner
            .issuers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys of `issuer`, or `None` when it is not accepted.
    pub(crate) fn keys(&self, issuer: &str) -> Option<SignatureVerifier> {
        let inner = &self.inner;
        let now = inner.uses.fetch_add(1, Ordering::Relaxed);
        if let Some(entry) = self.read().get(issuer) {
            entry.last_use.store(now, Ordering::Relaxed);
            return Some(entry.keys.clone());
        }
        // Outside the lock: the function may take its time.
        let keys = (inner.resolve)(issuer)?;
        let mut issuers = inner
            .issuers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = issuers.get(issuer) {
            // Resolved meanwhile by another caller: one key cache per issuer.
            return Some(entry.keys.clone());
        }
        if issuers.len() >= inner.capacity {
            let oldest = issuers
                .iter()
                .min_by_key(|(_, e)| e.last_use.load(Ordering::Relaxed))
                .map(|(issuer, _)| issuer.clone());
            if let Some(oldest) = oldest {
                issuers.remove(&oldest);
            }
        }
        issuers.insert(
            issuer.to_owned(),
            Entry {
                keys: keys.clone(),
                last_use: AtomicU64::new(now),
            },
        );
        Some(keys)
    }

    /// How many issuers are kept now.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no issuer is kept now.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}
