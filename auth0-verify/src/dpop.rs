//! DPoP (RFC 9449): checking the proof that comes with a DPoP-bound access token.
//!
//! A bound token carries `cnf.jkt`, the thumbprint (RFC 7638) of the client's public key. It is
//! sent as `Authorization: DPoP <token>` with a `DPoP` header holding a proof: a JWT of `typ`
//! `dpop+jwt`, signed by the key it embeds (`jwk`), naming the request (`htm`, `htu`), when it
//! was made (`iat`), a unique id (`jti`) and the token's hash (`ath`).
//! [`DpopOptions`] configures the checks; [`crate::protect::AuthLayer::dpop`] applies them.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use url::Url;

use crate::algorithm::Algorithm;

#[cfg(feature = "redis")]
mod redis_replay;
#[cfg(feature = "redis")]
pub use redis_replay::RedisReplayCache;

/// Whether a protected API takes DPoP-bound tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DpopMode {
    /// Bearer tokens and DPoP-bound tokens with their proofs (the default). A bound token
    /// presented as `Bearer` is refused.
    #[default]
    Allowed,
    /// Only DPoP-bound tokens with their proofs.
    Required,
    /// Bearer tokens only; the `DPoP` scheme is not understood. A bound token presented as
    /// `Bearer` is still refused.
    Disabled,
}

/// The future a [`ReplayCache`] returns.
pub type ReplayFuture<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Where the `jti`s of accepted proofs are remembered for as long as a proof is accepted, so
/// that none is accepted twice. [`MemoryReplayCache`] serves one process; a fleet of servers
/// behind one load balancer shares a store by implementing this (`RedisReplayCache`, feature
/// `redis`, keeps them in Redis).
pub trait ReplayCache: Send + Sync + 'static {
    /// Records `key` as used until `until`: `true` when it was not seen before and is now
    /// remembered (the proof may be accepted), `false` for a replay, and `false` too when the
    /// key cannot be remembered until `until` (a full store): a proof whose replay would go
    /// unnoticed is refused. `until` is the end of the last second in which the proof could
    /// be accepted (with the longest windows, the latest time the platform represents).
    fn first_use(&self, key: &str, until: SystemTime) -> ReplayFuture<'_>;
}

/// A bounded in-memory [`ReplayCache`]: expired entries are dropped as new ones come. When it
/// is full of live entries, a new proof is refused (`false`) until some expire: no proof
/// still within its window is ever forgotten, since a forgotten proof could be replayed. A
/// flood of proofs can therefore make new proofs fail for up to the window (`max_age` plus
/// the leeway), never pass twice: size it above the number of proofs accepted in one window.
/// Each proof costs a hash lookup and a step in an index ordered by expiry, however full the
/// cache is.
pub struct MemoryReplayCache {
    capacity: usize,
    seen: Mutex<Seen>,
}

/// The remembered `jti`s, by key and by expiry.
#[derive(Default)]
struct Seen {
    until: HashMap<Arc<str>, SystemTime>,
    by_expiry: BTreeSet<(SystemTime, Arc<str>)>,
}

impl Seen {
    fn len(&self) -> usize {
        self.until.len()
    }

    /// Forgets the entry that expires first, if it has expired by `now`.
    fn pop_expired(&mut self, now: SystemTime) -> bool {
        match self.by_expiry.first() {
            Some((expiry, _)) if *expiry <= now => {}
            _ => return false,
        }
        if let Some((_, key)) = self.by_expiry.pop_first() {
            self.until.remove(&key);
        }
        true
    }
}

impl fmt::Debug for MemoryReplayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReplayCache")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl MemoryReplayCache {
    /// A cache of at most `capacity` proofs (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryReplayCache {
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    fn record(&self, key: &str, until: SystemTime, now: SystemTime) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        while seen.pop_expired(now) {}
        // A replay, or a proof there is no room to remember (every entry is live, and one
        // forgotten could be replayed): refused either way.
        if seen.until.contains_key(key) || seen.len() >= self.capacity {
            return false;
        }
        let key: Arc<str> = Arc::from(key);
        seen.by_expiry.insert((until, Arc::clone(&key)));
        seen.until.insert(key, until);
        true
    }
}

impl ReplayCache for MemoryReplayCache {
    fn first_use(&self, key: &str, until: SystemTime) -> ReplayFuture<'_> {
        let first = self.record(key, until, SystemTime::now());
        Box::pin(std::future::ready(first))
    }
}

/// How DPoP proofs are checked.
#[derive(Clone)]
pub struct DpopOptions {
    pub(crate) mode: DpopMode,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) max_age: Duration,
    pub(crate) leeway: Duration,
    pub(crate) replay: Arc<dyn ReplayCache>,
    /// The longest `max_age` plus leeway, in seconds, of the options that share `replay`
    /// (clones share both): a proof is remembered for the longest of them, so that a clone
    /// accepting older proofs cannot take one again that a stricter clone has forgotten.
    pub(crate) longest_window: Arc<AtomicU64>,
    pub(crate) origin: Option<Url>,
}

impl fmt::Debug for DpopOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopOptions")
            .field("mode", &self.mode)
            .field("algorithms", &self.algorithms)
            .field("max_age", &self.max_age)
            .field("leeway", &self.leeway)
            .field("origin", &self.origin.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl Default for DpopOptions {
    fn default() -> Self {
        DpopOptions {
            mode: DpopMode::Allowed,
            algorithms: vec![
                Algorithm::ES256,
                Algorithm::ES384,
                Algorithm::RS256,
                Algorithm::PS256,
            ],
            max_age: Duration::from_secs(300),
            leeway: Duration::from_secs(30),
            replay: Arc::new(MemoryReplayCache::new(100_000)),
            longest_window: Arc::new(AtomicU64::new(330)),
            origin: None,
        }
    }
}

impl DpopOptions {
    /// DPoP allowed, proofs of ES256, ES384, RS256 or PS256, at most 300 s old, 30 s of clock
    /// skew, replays refused by a [`MemoryReplayCache`] of 100,000 proofs (which, full of
    /// live proofs, refuses new ones rather than forget one).
    pub fn new() -> Self {
        DpopOptions::default()
    }

    /// The mode.
    pub fn mode(mut self, mode: DpopMode) -> Self {
        self.mode = mode;
        self
    }

    /// The proof algorithms accepted (asymmetric ones only: HMAC is ignored).
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms
            .into_iter()
            .filter(|a| !a.is_symmetric())
            .collect();
        self
    }

    /// How old a proof's `iat` may be (300 s by default); its `jti` is remembered that long
    /// (to the end of the last second it may be accepted in, plus the leeway).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self.widen();
        self
    }

    /// How far in the future a proof's `iat` may be (30 s by default).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self.widen();
        self
    }

    /// This options' window (`max_age` plus leeway) in whole seconds, rounded up.
    fn window(&self) -> u64 {
        let window = self.max_age.saturating_add(self.leeway);
        window
            .as_secs()
            .saturating_add(u64::from(window.subsec_nanos() > 0))
    }

    /// Makes the window remembered by the shared replay cache at least this options' own.
    fn widen(&self) {
        self.longest_window
            .fetch_max(self.window(), std::sync::atomic::Ordering::Relaxed);
    }

    /// Where the `jti`s of accepted proofs are remembered.
    pub fn replay_cache(mut self, cache: impl ReplayCache) -> Self {
        self.replay = Arc::new(cache);
        self.longest_window = Arc::new(AtomicU64::new(self.window()));
        self
    }

    /// The scheme, host and port clients call the API at (`https://api.example.com`), to check
    /// `htu` against when a proxy in front changes them. Without it, the request's own scheme
    /// (http when the server does not say) and `Host` header are used.
    pub fn public_origin(mut self, origin: &str) -> Result<Self, url::ParseError> {
        self.origin = Some(Url::parse(origin)?);
        Ok(self)
    }

    /// The accepted algorithms as a challenge's `algs` parameter: `ES256 ES384 RS256 PS256`.
    pub fn algs(&self) -> String {
        self.algorithms
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Why a proof, or the binding of a token to it, was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    /// The proof itself is wrong (RFC 9449 `invalid_dpop_proof`).
    #[error("DPoP proof: {0}")]
    Proof(String),
    /// The token is not bound to the proof's key, or not bound at all (`invalid_token`).
    #[error("DPoP binding: {0}")]
    Binding(String),
}

fn proof_error(reason: impl Into<String>) -> DpopError {
    DpopError::Proof(reason.into())
}

/// The RFC 7638 thumbprint of a public JWK: base64url(SHA-256) of its required members in
/// lexicographic order, without spaces.
pub fn jwk_thumbprint(jwk: &Map<String, Value>) -> Result<String, DpopError> {
    let text = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| proof_error(format!("the jwk has no `{name}`")))
    };
    let canonical = match text("kty")? {
        "RSA" => serde_json::json!({"e": text("e")?, "kty": "RSA", "n": text("n")?}),
        "EC" => serde_json::json!({
            "crv": text("crv")?, "kty": "EC", "x": text("x")?, "y": text("y")?
        }),
        other => {
            return Err(proof_error(format!(
                "a jwk of kty {other:?} is not supported"
            )));
        }
    };
    // serde_json writes object members in key order (its maps are sorted): the canonical form.
    let digest = digest::digest(&digest::SHA256, canonical.to_string().as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(digest.as_ref()))
}

/// The members of a private key: a proof's `jwk` must have none of them.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Normalizes an HTTP URI as RFC 9449 4.3 compares `htu`: scheme and host lowercased, the
/// default port dropped, no query or fragment.
pub(crate) fn normalized_htu(url: &str) -> Option<String> {
    let mut url = Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// What a request gives for its proof to be checked.
#[derive(Clone, Copy, Debug)]
pub struct ProofRequest<'a> {
    /// The `DPoP` header's value.
    pub proof: &'a str,
    /// The request's method (`GET`).
    pub method: &'a str,
    /// The request's URI as the client called it (see [`DpopOptions::public_origin`]).
    pub htu: &'a str,
    /// The access token of `Authorization: DPoP <token>`.
    pub access_token: &'a str,
    /// The verified token's `cnf.jkt` ([`crate::AccessTokenClaims::jkt`]).
    pub jkt: &'a str,
}

impl DpopOptions {
    /// Checks a proof: `typ`, algorithm, signature by its embedded public key, `htm`, `htu`,
    /// `iat` within the window, `ath`, the key's thumbprint against `cnf.jkt`, and `jti` not
    /// seen before within the window. (The access token itself is verified first, by an
    /// [`crate::AccessTokenVerifier`]; [`crate::protect::AuthLayer`] does both.)
    pub async fn verify_proof(&self, request: ProofRequest<'_>) -> Result<(), DpopError> {
        let thumbprint = self
            .checked_proof(
                request.proof,
                request.method,
                request.htu,
                Some(request.access_token),
                Some(request.jkt),
            )
            .await?;
        debug_assert_eq!(thumbprint, request.jkt);
        Ok(())
    }

    /// Checks the proof of a request that carries no access token (a token request to an
    /// authorization server): everything [`verify_proof`](Self::verify_proof) checks but
    /// `ath` and the binding. Returns the thumbprint of the proof's key, the `cnf.jkt` of a
    /// token issued for it.
    pub async fn verify_token_request_proof(
        &self,
        proof: &str,
        method: &str,
        htu: &str,
    ) -> Result<String, DpopError> {
        self.checked_proof(proof, method, htu, None, None).await
    }

    async fn checked_proof(
        &self,
        proof: &str,
        method: &str,
        htu: &str,
        access_token: Option<&str>,
        jkt: Option<&str>,
    ) -> Result<String, DpopError> {
        let request = ProofRequest {
            proof,
            method,
            htu,
            access_token: access_token.unwrap_or(""),
            jkt: jkt.unwrap_or(""),
        };
        let now = SystemTime::now();
        let mut parts = request.proof.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(proof_error("not a compact JWS"));
        };
        let decode = |part: &str, what: &str| -> Result<Map<String, Value>, DpopError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| proof_error(format!("the {what} is not base64url")))?;
            serde_json::from_slice(&bytes)
                .map_err(|_| proof_error(format!("the {what} is not a JSON object")))
        };
        let header = decode(header, "header")?;
        if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
            return Err(proof_error("expected typ \"dpop+jwt\""));
        }
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(Algorithm::from_name)
            .filter(|a| self.algorithms.contains(a))
            .ok_or_else(|| proof_error(format!("expected alg one of {}", self.algs())))?;
        let Some(Value::Object(jwk)) = header.get("jwk") else {
            return Err(proof_error("expected the public key as `jwk`"));
        };
        if PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
            return Err(proof_error("the jwk holds a private key"));
        }
        let key = crate::keys::parse_key(Value::Object(jwk.clone()), &[alg])
            .map_err(|e| proof_error(format!("the jwk cannot be used: {e}")))?;
        key.check_algorithm(alg).map_err(proof_error)?;
        let message = &request.proof[..request.proof.len() - signature.len() - 1];
        if !key.verify(alg, message.as_bytes(), signature) {
            return Err(proof_error("the signature does not verify with its jwk"));
        }
        let claims = decode(payload, "payload")?;
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| proof_error(format!("expected a string `{name}`")))
        };
        let jti = text("jti")?;
        if jti.is_empty() || jti.len() > 256 {
            return Err(proof_error("expected a `jti` of 1 to 256 characters"));
        }
        if text("htm")? != request.method {
            return Err(proof_error("`htm` is not the request's method"));
        }
        match (normalized_htu(text("htu")?), normalized_htu(request.htu)) {
            (Some(a), Some(b)) if a == b => {}
            _ => return Err(proof_error("`htu` is not the request's URI")),
        }
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| proof_error("expected a number `iat`"))?;
        let now_secs = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let max_age = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        if iat > now_secs.saturating_add(leeway) {
            return Err(proof_error("`iat` is in the future"));
        }
        if iat < now_secs.saturating_sub(max_age) {
            return Err(proof_error("`iat` is too old"));
        }
        if let Some(token) = access_token {
            let ath = digest::digest(&digest::SHA256, token.as_bytes());
            if text("ath")? != URL_SAFE_NO_PAD.encode(ath.as_ref()) {
                return Err(proof_error("`ath` is not the access token's hash"));
            }
        }
        let thumbprint = jwk_thumbprint(jwk)?;
        if jkt.is_some_and(|jkt| jkt != thumbprint) {
            return Err(DpopError::Binding(
                "the token is bound to another key than the proof's".to_owned(),
            ));
        }
        // Remembered until the proof could no longer be accepted anyway: it is accepted while
        // the current second is at most `iat + max_age`, so to the end of that second (and the
        // leeway on top, for a store that keeps time on another clock), by any of the options
        // that share this replay cache (the longest window of them).
        let after_iat = u64::try_from(iat.saturating_add(1)).unwrap_or(0);
        let window = self
            .longest_window
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(self.window());
        let until = later(
            later(UNIX_EPOCH, Duration::from_secs(after_iat)),
            Duration::from_secs(window),
        );
        let key = format!("{thumbprint}:{jti}");
        if !self.replay.first_use(&key, until).await {
            return Err(proof_error(
                "the proof was used before, or the replay cache cannot record it",
            ));
        }
        Ok(thumbprint)
    }
}

/// `time + by`, or the latest time the platform represents when that is beyond it.
fn later(time: SystemTime, by: Duration) -> SystemTime {
    if let Some(t) = time.checked_add(by) {
        return t;
    }
    // The longest step that can still be taken, found by halving.
    let (mut time, mut step) = (time, by);
    while step > Duration::from_nanos(1) {
        step /= 2;
        while let Some(t) = time.checked_add(step) {
            time = t;
        }
    }
    time
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 section 3.1.
        let jwk: Map<String, Value> = serde_json::from_str(
            r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
        )
        .unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn htu_normalization() {
        let n = |u: &str| normalized_htu(u);
        assert_eq!(
            n("HTTPS://API.Example.com:443/a?b=1#c"),
            n("https://api.example.com/a")
        );
        assert_eq!(n("http://h:80/x"), n("http://h/x"));
        assert_ne!(n("https://h/x"), n("http://h/x"));
        assert_ne!(n("https://h/x"), n("https://h/y"));
        assert_eq!(n("ftp://h/x"), None);
    }

    #[test]
    fn the_memory_cache_is_bounded_and_forgets_expired_proofs() {
        let cache = MemoryReplayCache::new(2);
        let now = SystemTime::now();
        let later = now + Duration::from_secs(60);
        assert!(cache.record("a", later, now));
        assert!(!cache.record("a", later, now), "a replay");
        assert!(cache.record("b", later + Duration::from_secs(1), now));
        assert!(
            !cache.record("c", later, now),
            "full of live proofs: refused"
        );
        assert_eq!(cache.seen.lock().unwrap().len(), 2);
        // Nothing live gave way.
        assert!(!cache.record("a", later, now), "a is still a replay");
        assert!(!cache.record("b", later, now), "b is still a replay");
        // Past its expiry a key is free again, and makes room.
        let after_a = later + Duration::from_millis(500);
        assert!(cache.record("a", later + Duration::from_secs(60), after_a));
        assert!(!cache.record("c", later, after_a), "full again");
        assert!(cache.record("c", later, later + Duration::from_secs(2)));
    }

    #[test]
    fn a_full_memory_cache_stays_cheap_and_exact() {
        // 100,000 live proofs, then 100,000 more refused: every remembered one stays a
        // replay, the cache never above its capacity and its two indexes in step; once the
        // first ones expire, as many new ones are taken.
        let cache = MemoryReplayCache::new(100_000);
        let now = SystemTime::now();
        let until = |i: u64| now + Duration::from_secs(300) + Duration::from_millis(i);
        for i in 0..100_000u64 {
            assert!(cache.record(&i.to_string(), until(i), now));
        }
        for i in 100_000..200_000u64 {
            assert!(!cache.record(&i.to_string(), until(i), now), "{i} taken");
        }
        for i in 0..100_000u64 {
            assert!(!cache.record(&i.to_string(), until(i), now), "{i} replayed");
        }
        let halfway = until(49_999);
        for i in 100_000..150_000u64 {
            assert!(
                cache.record(&i.to_string(), until(i), halfway),
                "{i} refused"
            );
        }
        assert!(!cache.record("one more", until(0), halfway));
        let seen = cache.seen.lock().unwrap();
        assert_eq!(seen.until.len(), 100_000);
        assert_eq!(seen.by_expiry.len(), 100_000);
    }

    #[test]
    fn times_beyond_the_platform_saturate() {
        let now = SystemTime::now();
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        let latest = later(now, Duration::MAX);
        assert!(latest > now);
        assert_eq!(later(latest, Duration::from_nanos(1)), latest);
        assert!(latest.checked_add(Duration::from_nanos(1)).is_none());
        assert_eq!(later(UNIX_EPOCH, Duration::MAX), latest);
    }
}
