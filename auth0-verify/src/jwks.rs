//! [`AsymmetricSignatureVerifier`]: RS256/PS256/ES256 keys from a JWKS URL, cached.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use auth0_http::{Attempts, Clock, Exchange, Repeat, RetryPolicy, SendError};
use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderValue};

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
    clock: Arc<dyn Clock>,
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
            client: default_client(),
            algorithms: vec![Algorithm::RS256],
            ttl: Duration::from_secs(600),
            cooldown: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            retries: 2,
            telemetry: true,
            clock: auth0_http::system_clock(),
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
        let now = self.config.clock.now();
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
        let now = self.config.clock.now();
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
        let url = self.checked_url()?;
        let body = match tokio::time::timeout(c.timeout, self.fetch_body(url)).await {
            Ok(body) => body?,
            Err(_) => return Err(self.timeout_error(None)),
        };
        let set =
            KeySet::parse(&body, &c.algorithms, previous).map_err(|source| JwksError::Decode {
                url: c.url.clone(),
                source,
            })?;
        if set.keys.is_empty() {
            return Err(JwksError::NoUsableKeys {
                url: c.url.clone(),
                skipped: set.skipped_summary(),
            });
        }
        Ok(set)
    }

    /// The JWKS URL, if keys may be fetched from it: https, or http to this machine.
    fn checked_url(&self) -> Result<Url, JwksError> {
        let refuse = |reason: &'static str| JwksError::InvalidUrl {
            url: self.config.url.clone(),
            reason,
        };
        let url = Url::parse(&self.config.url).map_err(|_| refuse("it is not a URL"))?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if auth0_http::is_loopback(&url) => Ok(url),
            "http" => Err(refuse(
                "keys are fetched over https (http only from this machine)",
            )),
            _ => Err(refuse("the scheme is not https")),
        }
    }

    /// Fetches the body through the shared send loop: retried after connection failures and
    /// 408, 429, 502, 503, 504 within the timeout, never redirected.
    async fn fetch_body(&self, url: Url) -> Result<bytes::Bytes, JwksError> {
        let c = &self.config;
        let policy = RetryPolicy::default()
            .max_retries(c.retries)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2))
            .deadline(c.timeout);
        let exchange = Exchange {
            http: &c.client,
            policy: &policy,
            repeat: Repeat::Safe,
            operation: "jwks",
            clock: &*c.clock,
            deadline: None,
        };
        let mut get = Get { config: c, url };
        let response = auth0_http::send(&exchange, &mut get)
            .await
            .map_err(|e| match e {
                SendError::Build(e) | SendError::Http(e) => self.transport_error(e),
                SendError::Redirect { location } => JwksError::Redirect {
                    url: c.url.clone(),
                    location,
                },
                other => JwksError::Status {
                    url: c.url.clone(),
                    status: 0,
                    body: other.to_string(),
                },
            })?;
        let status = response.status();
        if !status.is_success() {
            // Enough of the body to show; a failing endpoint may send much more.
            let body = auth0_http::read_prefix(response, MAX_ERROR_BODY_BYTES).await;
            return Err(JwksError::Status {
                url: c.url.clone(),
                status: status.as_u16(),
                body: shorten(&auth0_http::printable(&String::from_utf8_lossy(&body))),
            });
        }
        auth0_http::read_body(response, MAX_JWKS_BYTES)
            .await
            .map_err(|e| match e {
                auth0_http::BodyError::Read(e) => self.transport_error(e),
                _ => self.too_large(),
            })
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

    fn transport_error(&self, e: reqwest::Error) -> JwksError {
        let url = self.config.url.clone();
        if e.is_timeout() {
            self.timeout_error(Some(e))
        } else if e.is_connect() {
            JwksError::Connect { url, source: e }
        } else {
            JwksError::Request { url, source: e }
        }
    }
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
            .timeout(c.timeout)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if c.telemetry {
            request = request.header(auth0_http::TELEMETRY_HEADER, telemetry_header());
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
