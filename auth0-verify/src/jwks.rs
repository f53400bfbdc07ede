//! [`AsymmetricSignatureVerifier`]: RS256/PS256/ES256 keys from a JWKS URL (or the one an
//! issuer's discovery document names), cached; or keys given as text.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use auth0_http::{Attempts, Clock, Exchange, HttpSettings, Repeat, RetryPolicy, SendError};
use bytes::Bytes;
use reqwest::Url;
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::algorithm::{self, Algorithm};
use crate::error::{JwksError, TokenValidationError};
use crate::jwt::Header;
use crate::keys::{Find, Key, KeySet};

/// Largest JWKS (or discovery document) body accepted.
const MAX_JWKS_BYTES: usize = 512 * 1024;
/// How much of an error answer's body is read (its start is shown in the error).
const MAX_ERROR_BODY_BYTES: usize = 4 * 1024;
/// After a failed fetch, callers reuse the error for this long (at most the cooldown)
/// instead of asking a failing endpoint again.
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(5);
/// Where an issuer's OpenID discovery document is, under the issuer's URL.
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
/// How errors name keys given as text.
const GIVEN: &str = "keys given as text";

/// Verifies signatures made with an asymmetric key (RS256 by default) published in a JSON Web
/// Key Set, such as `https://YOUR_DOMAIN/.well-known/jwks.json`, or given as text.
///
/// The key set is fetched on first use, with a timeout, and cached for [`cache_ttl`]
/// (600 s by default), or for the `Cache-Control: max-age` of the answer when it has one,
/// within [`cache_ttl_bounds`] (5 minutes to a day by default); every key is parsed once. A
/// token naming an unknown `kid` triggers at most one refetch per [`refetch_cooldown`] (30 s
/// by default), and concurrent callers that miss share one fetch. When the endpoint fails, the
/// key set already fetched keeps working until its TTL ends. At most 100 usable keys of a set
/// are kept.
///
/// Where the keys come from:
///
/// - [`new`](Self::new): a JWKS URL;
/// - [`discover`](Self::discover): an issuer's URL alone, the JWKS URL read from its OpenID
///   discovery document (whose `issuer` must be the same);
/// - [`from_pem`](Self::from_pem), [`from_jwk`](Self::from_jwk),
///   [`from_jwks`](Self::from_jwks): keys given as text, never fetched.
///
/// A fetched key set can be saved ([`jwks_document`](Self::jwks_document)) and loaded into
/// the next process ([`load_jwks`](Self::load_jwks)), which then verifies without a request
/// (a serverless cold start).
///
/// Cloning is cheap and clones share the cache. Configure before cloning and before use: a
/// changed setting gives the verifier a new, empty cache (keys given as text are read again).
///
/// [`cache_ttl`]: AsymmetricSignatureVerifier::cache_ttl
/// [`cache_ttl_bounds`]: AsymmetricSignatureVerifier::cache_ttl_bounds
/// [`refetch_cooldown`]: AsymmetricSignatureVerifier::refetch_cooldown
#[derive(Clone)]
pub struct AsymmetricSignatureVerifier {
    inner: Arc<Inner>,
}

/// Where the keys come from.
#[derive(Clone)]
enum Source {
    /// Fetched from this JWKS URL.
    Url(String),
    /// Fetched from the `jwks_uri` of this issuer's discovery document.
    Discovery(String),
    /// Given as text (`Config::given`), never fetched.
    Given,
}

#[derive(Clone)]
struct Config {
    source: Source,
    /// The JWKS document of keys given as text.
    given: Option<Bytes>,
    client: reqwest::Client,
    algorithms: Vec<Algorithm>,
    ttl: Duration,
    /// The least and most time a `Cache-Control: max-age` may keep a key set.
    ttl_bounds: (Duration, Duration),
    cooldown: Duration,
    timeout: Duration,
    retries: u32,
    /// A retry policy given whole ([`HttpSettings`]): its retries, backoff and deadline, the
    /// fetch's `timeout` still bounding the whole.
    retry: Option<RetryPolicy>,
    /// Each attempt's own timeout, when given ([`HttpSettings`]); else `timeout`.
    attempt_timeout: Option<Duration>,
    max_body: usize,
    telemetry: bool,
    /// Telemetry given in place of the default.
    telemetry_value: Option<HeaderValue>,
    clock: Arc<dyn Clock>,
}

struct Inner {
    config: Config,
    cache: RwLock<Cache>,
    fetch_lock: tokio::sync::Mutex<()>,
    /// The `jwks_uri` of the issuer's discovery document, once read.
    discovered: Mutex<Option<Url>>,
}

#[derive(Default)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    /// The JWKS document the keys were read from.
    document: Option<Bytes>,
    fetched_at: Option<Instant>,
    /// How long these keys are used.
    ttl: Duration,
    last_attempt: Option<Instant>,
    last_error: Option<Arc<JwksError>>,
    /// Counts fetch attempts, so callers that waited for another's fetch do not repeat it.
    generation: u64,
}

pub(crate) enum Lookup {
    Found(Arc<Key>),
    Fail(TokenValidationError),
    Fetch(u64),
}

impl fmt::Debug for AsymmetricSignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        let mut d = f.debug_struct("AsymmetricSignatureVerifier");
        match &c.source {
            Source::Url(url) => d.field("jwks_url", url),
            Source::Discovery(issuer) => d.field("issuer", issuer),
            Source::Given => d.field("keys", &GIVEN),
        };
        d.field("algorithms", &c.algorithms)
            .field("cache_ttl", &c.ttl)
            .field("cache_ttl_bounds", &c.ttl_bounds)
            .field("refetch_cooldown", &c.cooldown)
            .field("timeout", &c.timeout)
            .finish_non_exhaustive()
    }
}

impl AsymmetricSignatureVerifier {
    /// A verifier for keys published at `jwks_url`, accepting RS256 only.
    pub fn new(jwks_url: impl Into<String>) -> Self {
        Self::from_config(Self::default_config(Source::Url(jwks_url.into())))
    }

    /// A verifier for the keys of `issuer` (`https://YOUR_DOMAIN/`), accepting RS256 only: on
    /// first use its OpenID discovery document (`/.well-known/openid-configuration` under the
    /// issuer) is read, its `issuer` must be `issuer` exactly, and the keys are fetched from
    /// its `jwks_uri` (https, or http to this machine), which is kept for the verifier's life.
    pub fn discover(issuer: impl Into<String>) -> Self {
        Self::from_config(Self::default_config(Source::Discovery(issuer.into())))
    }

    /// A verifier for the keys of a JWKS document given as text (`{"keys": [...]}`), never
    /// fetched. The algorithms accepted are those of the keys: their `alg`, or RS256 for RSA
    /// keys and ES256 / ES384 for EC P-256 / P-384 keys ([`algorithms`](Self::algorithms)
    /// changes them). An error when the text is not a key set with a usable key.
    pub fn from_jwks(jwks: &str) -> Result<Self, JwksError> {
        Self::given(Bytes::copy_from_slice(jwks.as_bytes()))
    }

    /// A verifier for one key given as a JWK (JSON text), never fetched; see
    /// [`from_jwks`](Self::from_jwks).
    pub fn from_jwk(jwk: &str) -> Result<Self, JwksError> {
        let jwk: Value = serde_json::from_str(jwk).map_err(|e| JwksError::InvalidKeys {
            reason: format!("expected a JWK (a JSON object): {e}"),
        })?;
        if !jwk.is_object() {
            return Err(JwksError::InvalidKeys {
                reason: "expected a JWK (a JSON object)".to_owned(),
            });
        }
        Self::given(serde_json::json!({ "keys": [jwk] }).to_string().into())
    }

    /// A verifier for one public key given in PEM (`-----BEGIN PUBLIC KEY-----`, `RSA PUBLIC
    /// KEY` or a `CERTIFICATE`, RSA of at least 2048 bits or EC P-256 / P-384), never fetched;
    /// the algorithm is RS256, ES256 or ES384 by the key ([`algorithms`](Self::algorithms)
    /// changes it). A private key is refused.
    pub fn from_pem(pem: &str) -> Result<Self, JwksError> {
        let jwk =
            crate::keys::pem_to_jwk(pem).map_err(|reason| JwksError::InvalidKeys { reason })?;
        Self::given(serde_json::json!({ "keys": [jwk] }).to_string().into())
    }

    fn given(document: Bytes) -> Result<Self, JwksError> {
        let algorithms = crate::keys::algorithms_of(&document).map_err(given_error)?;
        given_set(&document, &algorithms, None)?;
        Ok(Self::from_config(Config {
            given: Some(document),
            algorithms,
            ..Self::default_config(Source::Given)
        }))
    }

    fn default_config(source: Source) -> Config {
        Config {
            source,
            given: None,
            client: default_client(),
            algorithms: vec![Algorithm::RS256],
            ttl: Duration::from_secs(600),
            ttl_bounds: (Duration::from_secs(300), Duration::from_secs(24 * 3600)),
            cooldown: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            retries: 2,
            retry: None,
            attempt_timeout: None,
            max_body: MAX_JWKS_BYTES,
            telemetry: true,
            telemetry_value: None,
            clock: auth0_http::system_clock(),
        }
    }

    fn from_config(config: Config) -> Self {
        let mut cache = Cache {
            ttl: config.ttl,
            ..Cache::default()
        };
        if let Some(document) = &config.given {
            match given_set(document, &config.algorithms, None) {
                Ok(keys) => {
                    cache.keys = Some(Arc::new(keys));
                    cache.document = Some(document.clone());
                }
                // Only after `algorithms` left no usable key: every token fails with this.
                Err(e) => cache.last_error = Some(Arc::new(e)),
            }
        }
        AsymmetricSignatureVerifier {
            inner: Arc::new(Inner {
                config,
                cache: RwLock::new(cache),
                fetch_lock: tokio::sync::Mutex::new(()),
                discovered: Mutex::new(None),
            }),
        }
    }

    /// Every setting starts a new cache: keys fetched or given are read again under the new
    /// settings, and clones with other settings never share keys.
    fn configure(self, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = self.inner.config.clone();
        change(&mut config);
        Self::from_config(config)
    }

    /// The algorithms accepted (RS256 only by default), e.g. `[Algorithm::RS256,
    /// Algorithm::PS256]`. HMAC algorithms are never accepted with a JWKS and are ignored.
    pub fn algorithms(self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let mut list: Vec<Algorithm> = Vec::new();
        for a in algorithms {
            if !a.is_symmetric() && !list.contains(&a) {
                list.push(a);
            }
        }
        self.configure(|c| c.algorithms = list)
    }

    /// How long a fetched key set is used before it is fetched again when the answer has no
    /// `Cache-Control: max-age` (600 s by default).
    pub fn cache_ttl(self, ttl: Duration) -> Self {
        self.configure(|c| c.ttl = ttl)
    }

    /// The least and most time a key set is kept by the `Cache-Control: max-age` of its answer
    /// (5 minutes and 24 hours by default): a shorter `max-age` (or `no-cache`, `no-store`)
    /// keeps it for `min`, a longer one for `max`. (An unknown `kid` still refetches.)
    pub fn cache_ttl_bounds(self, min: Duration, max: Duration) -> Self {
        self.configure(|c| c.ttl_bounds = (min.min(max), max.max(min)))
    }

    /// The least time between two fetches caused by unknown `kid`s (30 s by default). After
    /// a failed fetch, the error is reused for this long, but at most 5 s.
    pub fn refetch_cooldown(self, cooldown: Duration) -> Self {
        self.configure(|c| c.cooldown = cooldown)
    }

    /// The total time one fetch may take, retries included (10 s by default). The discovery
    /// document, when one is read, has its own.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.configure(|c| c.timeout = timeout)
    }

    /// How many times a fetch is retried after a connection failure or HTTP 408, 429, 502,
    /// 503 or 504, within the timeout (2 by default; 0 disables retries). `Retry-After` and
    /// `X-RateLimit-Reset` are honoured.
    pub fn retries(self, retries: u32) -> Self {
        self.configure(|c| c.retries = retries)
    }

    /// The HTTP client used to fetch the key set (for proxies, custom roots, …). Whatever its
    /// redirect policy, keys are taken only from the JWKS URL's own origin: an answer that
    /// redirects, or comes from elsewhere, is [`JwksError::Redirect`].
    pub fn http_client(self, client: reqwest::Client) -> Self {
        self.configure(|c| c.client = client)
    }

    /// The clock the cache lifetimes and retry waits are timed by (the real one by default;
    /// tests pass an [`auth0_http::ManualClock`]).
    pub fn clock(self, clock: Arc<dyn Clock>) -> Self {
        self.configure(|c| c.clock = clock)
    }

    /// Whether to send the `Auth0-Client` header naming this library and its version
    /// (on by default).
    pub fn telemetry(self, enabled: bool) -> Self {
        self.configure(|c| c.telemetry = enabled)
    }

    /// What [`HttpSettings`] holds, with the meaning it has for every client of the SDK: the
    /// HTTP client (or one made with its connect timeout), the clock, telemetry, the body cap
    /// (512 KiB by default here), the retry policy (its retries, backoff and deadline, in
    /// place of [`retries`](Self::retries)) and its timeout of each attempt. The verifier's own
    /// [`timeout`](Self::timeout) still bounds a whole fetch, retries included: a
    /// verification waits for it.
    pub fn http_settings(self, settings: &HttpSettings) -> Self {
        let client = settings
            .build_http_client()
            .unwrap_or_else(|_| default_client());
        let telemetry_value = settings
            .get_telemetry_info()
            .map(auth0_http::Telemetry::header_value);
        self.configure(|c| {
            c.client = client;
            c.clock = Arc::clone(settings.get_clock());
            c.telemetry = settings.get_telemetry();
            c.telemetry_value = telemetry_value;
            c.max_body = settings.get_max_body_size().unwrap_or(MAX_JWKS_BYTES);
            c.retry = Some(settings.get_retry_policy().clone());
            c.attempt_timeout = settings.get_timeout();
        })
    }

    /// The JWKS URL given to [`new`](Self::new); for [`discover`](Self::discover), the issuer;
    /// empty for keys given as text.
    pub fn jwks_url(&self) -> &str {
        match &self.inner.config.source {
            Source::Url(url) => url,
            Source::Discovery(issuer) => issuer,
            Source::Given => "",
        }
    }

    /// Fetches the key set now (for example at start-up), replacing the cached one. Keys
    /// given as text are never fetched: `Ok` at once.
    pub async fn refresh(&self) -> Result<(), TokenValidationError> {
        if matches!(self.inner.config.source, Source::Given) {
            return Ok(());
        }
        let generation = self.inner.read().generation;
        Inner::fetch(Arc::clone(&self.inner), generation).await;
        match &self.inner.read().last_error {
            Some(e) => Err(TokenValidationError::Jwks(Arc::clone(e))),
            None => Ok(()),
        }
    }

    /// The JWKS document the current keys were read from, as fetched (or given): save it, and
    /// hand it to [`load_jwks`](Self::load_jwks) of the next process. `None` before a fetch.
    pub fn jwks_document(&self) -> Option<String> {
        let document = self.inner.read().document.clone()?;
        Some(String::from_utf8_lossy(&document).into_owned())
    }

    /// Uses the key set `jwks` (a JWKS document, such as one saved from
    /// [`jwks_document`](Self::jwks_document)) as if it had just been fetched: tokens are
    /// verified with it without a request until its [`cache_ttl`](Self::cache_ttl) ends or a
    /// token names a key it lacks. An error, and the cache unchanged, when it holds no usable
    /// key.
    pub fn load_jwks(&self, jwks: &str) -> Result<(), JwksError> {
        let document = Bytes::copy_from_slice(jwks.as_bytes());
        let inner = &self.inner;
        let previous = inner.read().keys.clone();
        let keys = given_set(&document, &inner.config.algorithms, previous.as_deref())?;
        let now = inner.config.clock.now();
        let mut cache = inner.write();
        cache.keys = Some(Arc::new(keys));
        cache.document = Some(document);
        cache.fetched_at = Some(now);
        cache.ttl = inner.config.ttl;
        cache.last_error = None;
        cache.generation += 1;
        Ok(())
    }

    pub(crate) fn allowed(&self) -> &[Algorithm] {
        &self.inner.config.algorithms
    }

    /// The key for a token, fetching the key set if needed.
    pub(crate) async fn key_for(
        &self,
        header: &Header,
        alg: Algorithm,
    ) -> Result<Arc<Key>, TokenValidationError> {
        match self.inner.lookup(header, alg, true) {
            Lookup::Found(key) => Ok(key),
            Lookup::Fail(e) => Err(e),
            Lookup::Fetch(generation) => {
                // Boxed: the fetch's future (an HTTP exchange) is kilobytes, and the common
                // path (a cached key) should not carry, move and copy it on every call.
                Box::pin(Inner::fetch(Arc::clone(&self.inner), generation)).await;
                self.inner.after_fetch(header, alg)
            }
        }
    }

    /// The key for a token, fetching the key set if needed on `runtime`.
    pub(crate) fn key_for_blocking(
        &self,
        header: &Header,
        alg: Algorithm,
        runtime: &crate::runtime::BlockingRuntime,
    ) -> Result<Arc<Key>, TokenValidationError> {
        match self.inner.lookup(header, alg, true) {
            Lookup::Found(key) => Ok(key),
            Lookup::Fail(e) => Err(e),
            Lookup::Fetch(generation) => {
                let inner = Arc::clone(&self.inner);
                runtime.run(Inner::fetch(inner, generation))?;
                self.inner.after_fetch(header, alg)
            }
        }
    }
}

impl Inner {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cache> {
        self.cache.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn after_fetch(
        &self,
        header: &Header,
        alg: Algorithm,
    ) -> Result<Arc<Key>, TokenValidationError> {
        match self.lookup(header, alg, false) {
            Lookup::Found(key) => Ok(key),
            Lookup::Fail(e) => Err(e),
            Lookup::Fetch(_) => Err(TokenValidationError::UnknownKey {
                expected: "a key from the JWKS".to_owned(),
                found: kid_text(header),
            }),
        }
    }

    fn lookup(&self, header: &Header, alg: Algorithm, can_fetch: bool) -> Lookup {
        let now = self.config.clock.now();
        let cache = self.read();
        let within = |t: Option<Instant>, d: Duration| t.is_some_and(|t| now.duration_since(t) < d);
        // Right after a fetch that succeeded, its keys are used whatever the TTL (a TTL of
        // zero, or shorter than the fetch took, would otherwise refuse every token). Keys
        // given as text never age and are never fetched.
        let given = matches!(self.config.source, Source::Given);
        let just_fetched = !can_fetch && cache.last_error.is_none();
        let can_fetch = can_fetch && !given;
        let fresh =
            cache.keys.is_some() && (given || just_fetched || within(cache.fetched_at, cache.ttl));
        if let (true, Some(keys)) = (fresh, &cache.keys) {
            let kid = header.kid.as_deref();
            return match keys.find(kid) {
                Find::Found(key) => match key.check_algorithm(alg) {
                    Ok(()) => Lookup::Found(Arc::clone(key)),
                    Err(reason) => Lookup::Fail(TokenValidationError::UnusableKey {
                        kid: kid_text(header),
                        reason,
                    }),
                },
                Find::Skipped(reason) => Lookup::Fail(TokenValidationError::UnusableKey {
                    kid: kid_text(header),
                    reason: reason.to_owned(),
                }),
                Find::Missing if can_fetch && !within(cache.last_attempt, self.config.cooldown) => {
                    Lookup::Fetch(cache.generation)
                }
                Find::Missing => Lookup::Fail(TokenValidationError::UnknownKey {
                    expected: keys.kids(),
                    found: kid_text(header),
                }),
                Find::Ambiguous => Lookup::Fail(TokenValidationError::UnknownKey {
                    expected: format!(
                        "a `kid`, since the JWKS has {} signing keys",
                        keys.keys.len()
                    ),
                    found: kid_text(header),
                }),
            };
        }
        let backoff = self.config.cooldown.min(MAX_FAILURE_BACKOFF);
        match &cache.last_error {
            Some(e) if !can_fetch || within(cache.last_attempt, backoff) => {
                Lookup::Fail(TokenValidationError::Jwks(Arc::clone(e)))
            }
            _ if can_fetch => Lookup::Fetch(cache.generation),
            _ => Lookup::Fail(TokenValidationError::UnknownKey {
                expected: "a key from the JWKS".to_owned(),
                found: kid_text(header),
            }),
        }
    }

    /// Fetches the key set unless another caller did since `seen_generation`.
    async fn fetch(self: Arc<Self>, seen_generation: u64) {
        let _guard = self.fetch_lock.lock().await;
        let previous = {
            let cache = self.read();
            if cache.generation != seen_generation {
                return;
            }
            cache.keys.clone()
        };
        let result = self.download(previous.as_deref()).await;
        let mut cache = self.write();
        let now = self.config.clock.now();
        cache.generation += 1;
        cache.last_attempt = Some(now);
        match result {
            Ok(fetched) => {
                cache.keys = Some(Arc::new(fetched.keys));
                cache.document = Some(fetched.document);
                cache.ttl = fetched.ttl;
                cache.fetched_at = Some(now);
                cache.last_error = None;
            }
            Err(e) => cache.last_error = Some(Arc::new(e)),
        }
    }

    async fn download(&self, previous: Option<&KeySet>) -> Result<Fetched, JwksError> {
        let c = &self.config;
        let (url, name) = self.jwks_location().await?;
        let (document, max_age) = self.get(url, &name, "jwks").await?;
        let keys = KeySet::parse(&document, &c.algorithms, previous).map_err(|source| {
            JwksError::Decode {
                url: name.clone(),
                source,
            }
        })?;
        if keys.keys.is_empty() {
            return Err(JwksError::NoUsableKeys {
                url: name,
                skipped: keys.skipped_summary(),
            });
        }
        let (min, max) = c.ttl_bounds;
        let ttl = max_age.map_or(c.ttl, |age| age.clamp(min, max));
        Ok(Fetched {
            keys,
            document,
            ttl,
        })
    }

    /// Where the keys are fetched from, and its name for errors: the JWKS URL, or the
    /// `jwks_uri` of the issuer's discovery document (read once).
    async fn jwks_location(&self) -> Result<(Url, String), JwksError> {
        match &self.config.source {
            Source::Url(url) => Ok((checked_url(url)?, url.clone())),
            Source::Discovery(issuer) => {
                let known = self
                    .discovered
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let url = match known {
                    Some(url) => url,
                    None => {
                        let url = self.discover(issuer).await?;
                        *self
                            .discovered
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner) = Some(url.clone());
                        url
                    }
                };
                let name = url.to_string();
                Ok((url, name))
            }
            Source::Given => Err(JwksError::InvalidKeys {
                reason: "keys given as text are never fetched".to_owned(),
            }),
        }
    }

    /// The `jwks_uri` of `issuer`'s discovery document, whose `issuer` must be `issuer`.
    async fn discover(&self, issuer: &str) -> Result<Url, JwksError> {
        let location = format!("{}{DISCOVERY_PATH}", issuer.trim_end_matches('/'));
        let url = checked_url(&location)?;
        let (body, _) = self.get(url, &location, "discovery").await?;
        let problem = |reason: String| JwksError::Discovery {
            url: location.clone(),
            reason,
        };
        let document: Value = serde_json::from_slice(&body)
            .map_err(|e| problem(format!("expected a JSON object: {e}")))?;
        let text = |v: Option<&Value>| match v {
            None => "none".to_owned(),
            Some(v) => crate::claims::describe(v),
        };
        let found = document.get("issuer");
        if found.and_then(Value::as_str) != Some(issuer) {
            return Err(problem(format!(
                "expected `issuer` {:?}, found {}",
                issuer,
                auth0_http::printable(&text(found))
            )));
        }
        let jwks_uri = document.get("jwks_uri");
        let Some(jwks_uri) = jwks_uri.and_then(Value::as_str) else {
            return Err(problem(format!(
                "expected a `jwks_uri` string, found {}",
                auth0_http::printable(&text(jwks_uri))
            )));
        };
        checked_url(jwks_uri).map_err(|e| problem(e.to_string()))
    }

    /// One GET (the key set, or a discovery document) within the timeout: the body and the
    /// answer's `Cache-Control: max-age`.
    async fn get(
        &self,
        url: Url,
        name: &str,
        operation: &'static str,
    ) -> Result<(Bytes, Option<Duration>), JwksError> {
        match tokio::time::timeout(self.config.timeout, self.fetch_body(url, name, operation)).await
        {
            Ok(answer) => answer,
            Err(_) => Err(self.timeout_error(name, None)),
        }
    }

    /// Fetches the body through the shared send loop: retried after connection failures and
    /// 408, 429, 502, 503, 504 within the timeout, never redirected.
    async fn fetch_body(
        &self,
        url: Url,
        name: &str,
        operation: &'static str,
    ) -> Result<(Bytes, Option<Duration>), JwksError> {
        let c = &self.config;
        let policy = match &c.retry {
            Some(given) => {
                let deadline = given.total_deadline().min(c.timeout);
                given.clone().deadline(deadline)
            }
            None => RetryPolicy::default()
                .max_retries(c.retries)
                .base_delay(Duration::from_millis(100))
                .max_delay(Duration::from_secs(2))
                .deadline(c.timeout),
        };
        let exchange = Exchange {
            http: &c.client,
            policy: &policy,
            repeat: Repeat::Safe,
            operation,
            clock: &*c.clock,
            deadline: None,
        };
        let mut get = Get { config: c, url };
        let response = auth0_http::send(&exchange, &mut get)
            .await
            .map_err(|e| match e {
                SendError::Build(e) | SendError::Http(e) => self.transport_error(name, e),
                SendError::Redirect { location } => JwksError::Redirect {
                    url: name.to_owned(),
                    location,
                },
                SendError::Timeout { .. } => self.timeout_error(name, None),
                other => JwksError::Exchange {
                    url: name.to_owned(),
                    reason: other.to_string(),
                },
            })?;
        let status = response.status();
        if !status.is_success() {
            // Enough of the body to show; a failing endpoint may send much more.
            let body = auth0_http::read_prefix(response, MAX_ERROR_BODY_BYTES).await;
            return Err(JwksError::Status {
                url: name.to_owned(),
                status: status.as_u16(),
                body: shorten(&auth0_http::printable(&String::from_utf8_lossy(&body))),
            });
        }
        let max_age = max_age(response.headers());
        let body = auth0_http::read_body(response, c.max_body)
            .await
            .map_err(|e| match e {
                auth0_http::BodyError::Read(e) => self.transport_error(name, e),
                _ => JwksError::TooLarge {
                    url: name.to_owned(),
                    limit: c.max_body,
                },
            })?;
        Ok((body, max_age))
    }

    fn timeout_error(&self, name: &str, source: Option<reqwest::Error>) -> JwksError {
        JwksError::Timeout {
            url: name.to_owned(),
            timeout: self.config.timeout,
            source,
        }
    }

    fn transport_error(&self, name: &str, e: reqwest::Error) -> JwksError {
        let url = name.to_owned();
        if e.is_timeout() {
            self.timeout_error(name, Some(e))
        } else if e.is_connect() {
            JwksError::Connect { url, source: e }
        } else {
            JwksError::Request { url, source: e }
        }
    }
}

/// A key set as fetched.
struct Fetched {
    keys: KeySet,
    document: Bytes,
    ttl: Duration,
}

/// The keys of a JWKS document given as text (or loaded from a saved copy).
fn given_set(
    document: &[u8],
    algorithms: &[Algorithm],
    previous: Option<&KeySet>,
) -> Result<KeySet, JwksError> {
    let keys = KeySet::parse(document, algorithms, previous).map_err(given_error)?;
    if keys.keys.is_empty() {
        return Err(JwksError::InvalidKeys {
            reason: format!(
                "expected at least one usable signing key, found none ({})",
                keys.skipped_summary()
            ),
        });
    }
    Ok(keys)
}

fn given_error(e: serde_json::Error) -> JwksError {
    JwksError::InvalidKeys {
        reason: format!("expected a JSON object with a `keys` array: {e}"),
    }
}

/// A URL keys (or a discovery document) may be fetched from: https, or http to this machine.
fn checked_url(text: &str) -> Result<Url, JwksError> {
    let refuse = |reason: &'static str| JwksError::InvalidUrl {
        url: text.to_owned(),
        reason,
    };
    let url = Url::parse(text).map_err(|_| refuse("it is not a URL"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if auth0_http::is_loopback(&url) => Ok(url),
        "http" => Err(refuse(
            "keys are fetched over https (http only from this machine)",
        )),
        _ => Err(refuse("the scheme is not https")),
    }
}

/// The `max-age` of a `Cache-Control` answer header; zero for `no-cache` and `no-store`.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut age = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(text) = value.to_str() else {
            continue;
        };
        for directive in text.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                return Some(Duration::ZERO);
            }
            if name.eq_ignore_ascii_case("max-age")
                && let Some(seconds) = argument.and_then(|a| a.parse::<u64>().ok())
            {
                age = Some(Duration::from_secs(seconds));
            }
        }
    }
    age
}

/// One attempt's request for the key set.
struct Get<'a> {
    config: &'a Config,
    url: Url,
}

impl Attempts for Get<'_> {
    type Error = reqwest::Error;

    async fn request(&mut self, _attempt: u32) -> Result<reqwest::Request, reqwest::Error> {
        let c = self.config;
        let mut request = c
            .client
            .get(self.url.clone())
            .timeout(c.attempt_timeout.map_or(c.timeout, |t| t.min(c.timeout)))
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if c.telemetry {
            let value = c.telemetry_value.clone().unwrap_or_else(telemetry_header);
            request = request.header(auth0_http::TELEMETRY_HEADER, value);
        }
        request.build()
    }
}

/// The HTTP client of a verifier not given one: follows no redirects.
fn default_client() -> reqwest::Client {
    auth0_http::http_client(Duration::from_secs(10), None).unwrap_or_default()
}

fn kid_text(header: &Header) -> String {
    match &header.kid {
        Some(kid) => format!("{kid:?}"),
        None => "none".to_owned(),
    }
}

fn shorten(body: &str) -> String {
    const MAX: usize = 512;
    if body.len() <= MAX {
        return body.to_owned();
    }
    let mut end = MAX;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

fn telemetry_header() -> HeaderValue {
    static VALUE: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    VALUE
        .get_or_init(|| auth0_http::Telemetry::for_crate("auth0-verify").header_value())
        .clone()
}

pub(crate) fn unsupported(allowed: &[Algorithm], found: &str) -> TokenValidationError {
    TokenValidationError::UnsupportedAlgorithm {
        expected: algorithm::list(allowed),
        found: found.to_owned(),
    }
}
