//! [`AsymmetricSignatureVerifier`]: RS256/PS256/ES256 keys from a JWKS URL, cached.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{ACCEPT, HeaderValue, RETRY_AFTER};

use crate::algorithm::{self, Algorithm};
use crate::error::{JwksError, TokenValidationError};
use crate::jwt::Header;
use crate::keys::{Find, Key, KeySet};

/// Largest JWKS body accepted.
const MAX_JWKS_BYTES: usize = 512 * 1024;
/// How much of an error answer's body is read (its start is shown in the error).
const MAX_ERROR_BODY_BYTES: usize = 4 * 1024;
/// After a failed fetch, callers reuse the error for this long (at most the cooldown)
/// instead of asking a failing endpoint again.
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(5);

/// Verifies signatures made with an asymmetric key (RS256 by default) published in a JSON Web
/// Key Set, such as `https://YOUR_DOMAIN/.well-known/jwks.json`.
///
/// The key set is fetched on first use, with a timeout, and cached for [`cache_ttl`]
/// (600 s by default); every key is parsed once. A token naming an unknown `kid` triggers
/// at most one refetch per [`refetch_cooldown`] (30 s by default), and concurrent callers that
/// miss share one fetch. When the endpoint fails, the key set already fetched keeps working
/// until its TTL ends.
///
/// Cloning is cheap and clones share the cache. Configure before cloning: a clone whose
/// settings are changed afterwards gets a cache of its own.
///
/// [`cache_ttl`]: AsymmetricSignatureVerifier::cache_ttl
/// [`refetch_cooldown`]: AsymmetricSignatureVerifier::refetch_cooldown
#[derive(Clone)]
pub struct AsymmetricSignatureVerifier {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Config {
    url: String,
    client: reqwest::Client,
    algorithms: Vec<Algorithm>,
    ttl: Duration,
    cooldown: Duration,
    timeout: Duration,
    retries: u32,
    telemetry: bool,
}

struct Inner {
    config: Config,
    cache: RwLock<Cache>,
    fetch_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    fetched_at: Option<Instant>,
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
        f.debug_struct("AsymmetricSignatureVerifier")
            .field("jwks_url", &c.url)
            .field("algorithms", &c.algorithms)
            .field("cache_ttl", &c.ttl)
            .field("refetch_cooldown", &c.cooldown)
            .field("timeout", &c.timeout)
            .finish_non_exhaustive()
    }
}

impl AsymmetricSignatureVerifier {
    /// A verifier for keys published at `jwks_url`, accepting RS256 only.
    pub fn new(jwks_url: impl Into<String>) -> Self {
        Self::from_config(Config {
            url: jwks_url.into(),
            client: reqwest::Client::new(),
            algorithms: vec![Algorithm::RS256],
            ttl: Duration::from_secs(600),
            cooldown: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            retries: 2,
            telemetry: true,
        })
    }

    fn from_config(config: Config) -> Self {
        AsymmetricSignatureVerifier {
            inner: Arc::new(Inner {
                config,
                cache: RwLock::new(Cache::default()),
                fetch_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn configure(mut self, change: impl FnOnce(&mut Config)) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => {
                change(&mut inner.config);
                self
            }
            None => {
                // Shared with a clone: the changed verifier gets its own cache.
                let mut config = self.inner.config.clone();
                change(&mut config);
                Self::from_config(config)
            }
        }
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

    /// How long a fetched key set is used before it is fetched again (600 s by default).
    pub fn cache_ttl(self, ttl: Duration) -> Self {
        self.configure(|c| c.ttl = ttl)
    }

    /// The least time between two fetches caused by unknown `kid`s (30 s by default). After
    /// a failed fetch, the error is reused for this long, but at most 5 s.
    pub fn refetch_cooldown(self, cooldown: Duration) -> Self {
        self.configure(|c| c.cooldown = cooldown)
    }

    /// The total time one fetch may take, retries included (10 s by default).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.configure(|c| c.timeout = timeout)
    }

    /// How many times a fetch is retried after a connection failure, HTTP 429 or HTTP 5xx,
    /// within the timeout (2 by default; 0 disables retries). `Retry-After` and
    /// `X-RateLimit-Reset` are honoured.
    pub fn retries(self, retries: u32) -> Self {
        self.configure(|c| c.retries = retries)
    }

    /// The HTTP client used to fetch the key set (for proxies, custom roots, …).
    pub fn http_client(self, client: reqwest::Client) -> Self {
        self.configure(|c| c.client = client)
    }

    /// Whether to send the `Auth0-Client` header naming this library and its version
    /// (on by default).
    pub fn telemetry(self, enabled: bool) -> Self {
        self.configure(|c| c.telemetry = enabled)
    }

    /// The JWKS URL.
    pub fn jwks_url(&self) -> &str {
        &self.inner.config.url
    }

    /// Fetches the key set now (for example at start-up), replacing the cached one.
    pub async fn refresh(&self) -> Result<(), TokenValidationError> {
        let generation = self.inner.read().generation;
        Inner::fetch(Arc::clone(&self.inner), generation).await;
        match &self.inner.read().last_error {
            Some(e) => Err(TokenValidationError::Jwks(Arc::clone(e))),
            None => Ok(()),
        }
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
                Inner::fetch(Arc::clone(&self.inner), generation).await;
                self.inner.after_fetch(header, alg)
            }
        }
    }

    /// The key for a token, fetching the key set if needed on `runtime`.
    pub(crate) fn key_for_blocking(
        &self,
        header: &Header,
        alg: Algorithm,
        runtime: &crate::blocking::BlockingRuntime,
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
        let now = Instant::now();
        let cache = self.read();
        let within = |t: Option<Instant>, d: Duration| t.is_some_and(|t| now.duration_since(t) < d);
        // Right after a fetch that succeeded, its keys are used whatever the TTL (a TTL of
        // zero, or shorter than the fetch took, would otherwise refuse every token).
        let just_fetched = !can_fetch && cache.last_error.is_none();
        let fresh =
            cache.keys.is_some() && (just_fetched || within(cache.fetched_at, self.config.ttl));
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
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        cache.generation += 1;
        cache.last_attempt = Some(now);
        match result {
            Ok(keys) => {
                cache.keys = Some(Arc::new(keys));
                cache.fetched_at = Some(now);
                cache.last_error = None;
            }
            Err(e) => cache.last_error = Some(Arc::new(e)),
        }
    }

    async fn download(&self, previous: Option<&KeySet>) -> Result<KeySet, JwksError> {
        let c = &self.config;
        let deadline = deadline_after(Instant::now(), c.timeout);
        let mut attempt = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.timeout_error(None));
            }
            let (error, retry_after) = match self.attempt(remaining).await {
                Ok(body) => {
                    let set = KeySet::parse(&body, &c.algorithms, previous).map_err(|source| {
                        JwksError::Decode {
                            url: c.url.clone(),
                            source,
                        }
                    })?;
                    if set.keys.is_empty() {
                        return Err(JwksError::NoUsableKeys {
                            url: c.url.clone(),
                            skipped: set.skipped_summary(),
                        });
                    }
                    return Ok(set);
                }
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Retryable(e, retry_after)) => (e, retry_after),
            };
            if attempt >= c.retries {
                return Err(error);
            }
            attempt += 1;
            let delay = retry_after.unwrap_or_else(|| backoff(attempt));
            // A wait that would end at or after the deadline is not started: the server's
            // `Retry-After` may be any number, so compare without adding to an `Instant`.
            if delay >= deadline.saturating_duration_since(Instant::now()) {
                return Err(error);
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, remaining: Duration) -> Result<Vec<u8>, Failure> {
        let c = &self.config;
        let mut request = c
            .client
            .get(&c.url)
            .timeout(remaining)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if c.telemetry {
            request = request.header("Auth0-Client", telemetry_header());
        }
        let mut response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            // Enough of the body to show; a failing endpoint may send much more.
            let mut body = Vec::new();
            while body.len() < MAX_ERROR_BODY_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            let error = JwksError::Status {
                url: c.url.clone(),
                status: status.as_u16(),
                body: shorten(&String::from_utf8_lossy(&body)),
            };
            return Err(if status.as_u16() == 429 || status.is_server_error() {
                Failure::Retryable(error, retry_after)
            } else {
                Failure::Final(error)
            });
        }
        if response
            .content_length()
            .is_some_and(|l| l > MAX_JWKS_BYTES as u64)
        {
            return Err(Failure::Final(self.too_large()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(Failure::Final(self.too_large()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn too_large(&self) -> JwksError {
        JwksError::TooLarge {
            url: self.config.url.clone(),
            limit: MAX_JWKS_BYTES,
        }
    }

    fn timeout_error(&self, source: Option<reqwest::Error>) -> JwksError {
        JwksError::Timeout {
            url: self.config.url.clone(),
            timeout: self.config.timeout,
            source,
        }
    }

    fn transport_error(&self, e: reqwest::Error) -> Failure {
        let url = self.config.url.clone();
        if e.is_timeout() {
            Failure::Final(self.timeout_error(Some(e)))
        } else if e.is_connect() {
            Failure::Retryable(JwksError::Connect { url, source: e }, None)
        } else {
            Failure::Final(JwksError::Request { url, source: e })
        }
    }
}

/// `now + timeout`, or as far ahead as an `Instant` can go when that overflows (a caller's
/// `Duration::MAX` means "no limit").
fn deadline_after(now: Instant, timeout: Duration) -> Instant {
    let mut ahead = timeout;
    loop {
        if let Some(deadline) = now.checked_add(ahead) {
            return deadline;
        }
        ahead /= 2;
    }
}

enum Failure {
    Final(JwksError),
    Retryable(JwksError, Option<Duration>),
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

/// Exponential backoff from 100 ms with up to 100 ms of jitter.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(100) * 2u32.saturating_pow(attempt.saturating_sub(1).min(6));
    let jitter = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 100_000_000)
        .unwrap_or(0);
    base + Duration::from_nanos(u64::from(jitter))
}

/// The wait asked for by `Retry-After` (seconds or an HTTP date) or `X-RateLimit-Reset`
/// (epoch seconds).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| Some(headers.get(name)?.to_str().ok()?.trim());
    let number = |name: &str| -> Option<u64> { text(name)?.parse().ok() };
    if let Some(secs) = number(RETRY_AFTER.as_str()) {
        return Some(Duration::from_secs(secs));
    }
    if let Some(at) = text(RETRY_AFTER.as_str()).and_then(|t| httpdate::parse_http_date(t).ok()) {
        return Some(at.duration_since(SystemTime::now()).unwrap_or_default());
    }
    let reset = number("x-ratelimit-reset")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

fn telemetry_header() -> HeaderValue {
    static VALUE: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    VALUE
        .get_or_init(|| {
            let json = serde_json::json!({
                "name": "auth0-verify",
                "version": env!("CARGO_PKG_VERSION"),
            });
            let encoded = URL_SAFE_NO_PAD.encode(json.to_string());
            HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
        })
        .clone()
}

pub(crate) fn unsupported(allowed: &[Algorithm], found: &str) -> TokenValidationError {
    TokenValidationError::UnsupportedAlgorithm {
        expected: algorithm::list(allowed),
        found: found.to_owned(),
    }
}
