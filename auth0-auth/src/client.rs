//! [`Client`] and [`ClientBuilder`], and the machinery every request runs through.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use url::Url;

use auth0_http::{Clock, HttpError, HttpSettings};

use crate::Error;
use crate::client_auth::{
    AssertionAlgorithm, ClientAssertionKey, ClientAuthentication, ClientIdentity,
};
use crate::dpop::DpopKey;
use crate::http::{ClientSecret, Repeat, RetryPolicy, TELEMETRY_HEADER, Telemetry};
use crate::mode::{Async, Mode};

/// The Authentication API client of one application on one tenant.
///
/// Cloning is cheap; clones share the configuration and the HTTP connection pool.
///
/// `Client<Blocking>` (feature `blocking`, named `blocking::Client`) is the same client whose
/// requests answer without `.await`; see [`crate::blocking`].
#[derive(Clone)]
pub struct Client<M = Async> {
    pub(crate) inner: Arc<Inner>,
    /// What `send()` returns: a future ([`Async`]), or the answer.
    pub(crate) mode: M,
}

pub(crate) struct Inner {
    base: Url,
    /// Where the requests that authenticate the client go when it does so by certificate:
    /// the tenant's mTLS endpoint aliases.
    mtls_base: Option<Url>,
    issuer: String,
    auth: ClientAuthentication,
    http: reqwest::Client,
    retry: RetryPolicy,
    token_retry: RetryPolicy,
    telemetry: Option<HeaderValue>,
    timeout: Option<Duration>,
    max_body: usize,
    clock: Arc<dyn Clock>,
    dpop: Option<DpopKey>,
    /// The last `DPoP-Nonce` the server gave.
    dpop_nonce: std::sync::Mutex<Option<String>>,
}

impl<M> fmt::Debug for Client<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &i.base.as_str())
            .field("authentication", &i.auth)
            .field("retry", &i.retry)
            .field("token_retry", &i.token_retry)
            .field("telemetry", &i.telemetry.is_some())
            .field("timeout", &i.timeout)
            .field("max_body_size", &i.max_body)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for the tenant at `domain`: a bare domain (`my-tenant.us.auth0.com`, served
    /// over HTTPS) or a base URL (`http://127.0.0.1:8080`).
    pub fn builder(domain: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            domain: domain.into(),
            client_id: None,
            secret: None,
            basic: false,
            key_pem: None,
            key: None,
            authentication: None,
            settings: HttpSettings::default(),
            token_retry: RetryPolicy::default(),
            dpop: None,
            identity: None,
            mtls_domain: None,
            roots: Vec::new(),
        }
    }
}

impl<M: Mode> Client<M> {
    /// The same client (sharing its configuration and connection pool) with async requests.
    pub fn to_async(&self) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            mode: Async,
        }
    }

    /// The application's client id.
    pub fn client_id(&self) -> &str {
        self.inner.auth.client_id()
    }

    /// The tenant's base URL, ending with `/` (`https://YOUR_DOMAIN/`): the issuer of its
    /// tokens and the audience of client assertions.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// How the application authenticates.
    pub fn authentication(&self) -> &ClientAuthentication {
        &self.inner.auth
    }

    /// The clock the client waits on, which also times the tokens of a
    /// [`TokenCache`](crate::tokens::TokenCache).
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The URL of a path of the API, each segment percent-encoded
    /// ([`auth0_http::encode_segment`]: `sms|dev_1` is sent as `sms%7Cdev_1`).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        url_on(&self.inner.base, segments)
    }

    /// The base URL of the tenant's mTLS endpoint aliases as its OpenID discovery document
    /// names them (`mtls_endpoint_aliases.token_endpoint`, without its path: with a custom
    /// domain, `https://mtls.YOUR_CUSTOM_DOMAIN/`), or `None` when it names none: what
    /// [`ClientBuilder::mtls_domain`] takes, for a client that authenticates by certificate.
    pub async fn discover_mtls_domain(&self) -> Result<Option<String>, Error> {
        #[derive(serde::Deserialize)]
        struct Discovery {
            #[serde(default)]
            mtls_endpoint_aliases: Option<Aliases>,
        }
        #[derive(serde::Deserialize)]
        struct Aliases {
            #[serde(default)]
            token_endpoint: Option<String>,
        }
        let operation = "discover_mtls_domain";
        let call = Call::new(
            operation,
            Method::GET,
            &[".well-known", "openid-configuration"],
        );
        let document: Discovery = self.run(call).await?.json()?;
        let Some(endpoint) = document
            .mtls_endpoint_aliases
            .and_then(|a| a.token_endpoint)
        else {
            return Ok(None);
        };
        let url = Url::parse(&endpoint).map_err(|e| Error::Config {
            message: format!("{operation}: the mTLS token endpoint is not a URL"),
            source: Some(Box::new(e)),
        })?;
        Ok(Some(format!("{}/", url.origin().ascii_serialization())))
    }

    /// Where the requests that authenticate the client go: the tenant's mTLS endpoint aliases
    /// when it authenticates by certificate (`https://mtls.YOUR_CUSTOM_DOMAIN/`), else none.
    pub fn mtls_base_url(&self) -> Option<&str> {
        self.inner.mtls_base.as_ref().map(Url::as_str)
    }

    /// Sends `call` and returns the success answer, or the error answer as an [`Error`].
    pub(crate) async fn run(&self, call: Call) -> Result<Answer, Error> {
        let inner = &self.inner;
        let operation = call.operation;
        if let Payload::Form(form) = &call.body
            && let Some(why) = form.refused()
        {
            return Err(Error::invalid(operation, why));
        }
        let policy = match (&call.options.retry, call.token_grant) {
            (Some(p), _) => p,
            (None, true) => &inner.token_retry,
            (None, false) => &inner.retry,
        };
        for segment in &call.path {
            auth0_http::check_segment(segment)
                .map_err(|e| Error::invalid(operation, e.to_string()))?;
        }
        let segments = call.path.iter().map(String::as_str).collect::<Vec<_>>();
        let url = match (&inner.mtls_base, &call.client_auth) {
            (Some(mtls), ClientAuth::Yes | ClientAuth::Body) => url_on(mtls, &segments),
            _ => self.url(&segments),
        };
        let exchange = auth0_http::Exchange {
            http: &inner.http,
            policy,
            repeat: call.repeat,
            operation,
            clock: &*inner.clock,
            deadline: None,
        };
        let mut attempts = Build {
            client: self,
            call: &call,
            url: &url,
        };
        let mut nonce_retried = false;
        let response = loop {
            let response = auth0_http::send(&exchange, &mut attempts)
                .await
                .map_err(|e| e.into_error(operation))?;
            let nonce = response
                .headers()
                .get("dpop-nonce")
                .and_then(|n| n.to_str().ok())
                .map(str::to_owned);
            let fresh_nonce = nonce.is_some();
            if inner.dpop.is_some() && fresh_nonce {
                *inner
                    .dpop_nonce
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = nonce;
            }
            let status = response.status();
            if status.is_success() {
                break response;
            }
            let headers = response.headers().clone();
            let body = auth0_http::read_prefix(response, auth0_http::ERROR_BODY_PREFIX).await;
            let error = Error::from(HttpError::from_answer(operation, status, headers, body));
            // The server wants a proof with its nonce: once more, with it.
            if inner.dpop.is_some()
                && fresh_nonce
                && !nonce_retried
                && error.error() == Some("use_dpop_nonce")
            {
                nonce_retried = true;
                continue;
            }
            return Err(error);
        };
        let body = auth0_http::read_body(response, inner.max_body)
            .await
            .map_err(|e| HttpError::from_body(operation, e))?;
        Ok(Answer { operation, body })
    }

    fn build_request(&self, call: &Call, url: &Url) -> Result<reqwest::Request, Error> {
        let inner = &self.inner;
        let operation = call.operation;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, call.accept.clone());
        if let Some(t) = &inner.telemetry {
            headers.insert(TELEMETRY_HEADER, t.clone());
        }
        for (name, value) in &call.headers {
            headers.insert(name.clone(), value.clone());
        }
        if call.token_grant
            && let Some(key) = &inner.dpop
        {
            let nonce = inner
                .dpop_nonce
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let proof = key
                .proof(call.method.as_str(), url.as_str(), None, nonce.as_deref())
                .map_err(|source| Error::ClientAssertion { operation, source })?;
            let value = HeaderValue::from_str(&proof)
                .map_err(|_| Error::invalid(operation, "the DPoP proof is not a header value"))?;
            headers.insert(HeaderName::from_static("dpop"), value);
        }
        if let Some(token) = &call.bearer {
            let value = crate::http::bearer(token.expose_secret())
                .ok_or_else(|| Error::invalid(operation, "the token is not a valid header"))?;
            headers.insert(AUTHORIZATION, value);
        }
        let credentials = match call.client_auth {
            ClientAuth::No => None,
            ClientAuth::Body => Some(inner.auth.body_credentials(&inner.issuer)),
            ClientAuth::Yes if call.bearer.is_some() => {
                Some(inner.auth.body_credentials(&inner.issuer))
            }
            ClientAuth::Yes => Some(inner.auth.credentials(&inner.issuer)),
        }
        .transpose()
        .map_err(|source| Error::ClientAssertion { operation, source })?;
        if let Some(h) = credentials.as_ref().and_then(|c| c.authorization()) {
            headers.insert(AUTHORIZATION, h.clone());
        }
        let auth_params = credentials.iter().flat_map(|c| c.params());

        let mut request = inner.http.request(call.method.clone(), url.clone());
        request = match &call.body {
            Payload::Empty => request,
            Payload::Form(form) => {
                let mut pairs: Vec<(&str, &str)> = auth_params.collect();
                pairs.extend(form.pairs());
                request.form(&pairs)
            }
            Payload::Json(map) => {
                let mut map = map.clone();
                for (k, v) in auth_params {
                    map.insert(k.to_owned(), Value::String(v.to_owned()));
                }
                request.json(&map)
            }
        };
        if let Some(t) = call.options.timeout.or(inner.timeout) {
            request = request.timeout(t);
        }
        request
            .headers(headers)
            .build()
            .map_err(|e| HttpError::from_reqwest(operation, e).into())
    }
}

/// The attempts of one call: a new request each time (a fresh client assertion).
struct Build<'a, M> {
    client: &'a Client<M>,
    call: &'a Call,
    url: &'a Url,
}

impl<M: Mode> auth0_http::Attempts for Build<'_, M> {
    type Error = Error;

    async fn request(&mut self, _attempt: u32) -> Result<reqwest::Request, Error> {
        self.client.build_request(self.call, self.url)
    }
}

/// Configures a [`Client`]; made by [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    domain: String,
    client_id: Option<String>,
    secret: Option<ClientSecret>,
    basic: bool,
    key_pem: Option<(SecretString, AssertionAlgorithm)>,
    key: Option<ClientAssertionKey>,
    authentication: Option<ClientAuthentication>,
    settings: HttpSettings,
    token_retry: RetryPolicy,
    dpop: Option<DpopKey>,
    identity: Option<ClientIdentity>,
    mtls_domain: Option<String>,
    roots: Vec<Vec<u8>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.secret)
            .field("client_secret_basic", &self.basic)
            .field("assertion_key", &self.key_pem.as_ref().map(|(_, alg)| alg))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The application's client id (required, unless given with
    /// [`client_authentication`](Self::client_authentication)).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The application's client secret, sent in the request body (`client_secret_post`)
    /// unless [`client_secret_basic`](Self::client_secret_basic) is set.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Sends the client secret as HTTP Basic authentication (`client_secret_basic`) where the
    /// `Authorization` header is free.
    pub fn client_secret_basic(mut self) -> Self {
        self.basic = true;
        self
    }

    /// Authenticates with private-key JWTs signed by this PEM private key (RS256, RS384,
    /// PS256 or ES256). The key is read by [`build`](Self::build).
    pub fn client_assertion_signing_key(
        mut self,
        pem: impl AsRef<[u8]>,
        algorithm: AssertionAlgorithm,
    ) -> Self {
        let pem = String::from_utf8_lossy(pem.as_ref()).into_owned();
        self.key_pem = Some((SecretString::from(pem), algorithm));
        self
    }

    /// Authenticates with private-key JWTs signed by this key (which may carry a `kid`).
    pub fn client_assertion_key(mut self, key: ClientAssertionKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Authenticates with this TLS client certificate (`tls_client_auth`, RFC 8705): the
    /// client presents it in the TLS handshake and sends `client_id` without a secret, to the
    /// tenant's mTLS endpoints ([`mtls_domain`](Self::mtls_domain)). Tokens can then be bound
    /// to the certificate (`cnf.x5t#S256`) when the API asks for it.
    pub fn client_certificate(mut self, identity: ClientIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// The domain (or base URL) of the tenant's mTLS endpoint aliases, where the requests
    /// that authenticate the client go when it does so by certificate: the
    /// `mtls_endpoint_aliases` of the tenant's discovery document. By default `mtls.` before
    /// the tenant's domain (`mtls.login.example.com` for the custom domain
    /// `login.example.com`).
    pub fn mtls_domain(mut self, domain: impl Into<String>) -> Self {
        self.mtls_domain = Some(domain.into());
        self
    }

    /// A root certificate (PEM) the HTTP client this builder makes trusts besides the usual
    /// ones: a private CA in front of the tenant's mTLS endpoints, or a test server.
    pub fn tls_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.roots.push(pem.as_ref().to_vec());
        self
    }

    /// The whole client authentication at once (client id and method); replaces
    /// [`client_id`](Self::client_id), [`client_secret`](Self::client_secret) and the keys.
    pub fn client_authentication(mut self, authentication: ClientAuthentication) -> Self {
        self.authentication = Some(authentication);
        self
    }

    /// Everything [`HttpSettings`] holds at once (timeouts, retry policy, body cap, clock,
    /// HTTP client, telemetry), as every client builder of the SDK takes it; the setters
    /// below change one of them. The retry policy of token grants is set apart
    /// ([`token_retry_policy`](Self::token_retry_policy)).
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The time allowed to connect (10 s by default), for the HTTP client this builder makes
    /// (not used with [`http_client`](Self::http_client)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings = self.settings.connect_timeout(timeout);
        self
    }

    /// The total time one attempt of a request may take, from sending it to reading the whole
    /// answer (30 s by default); `None` leaves it to the HTTP client. Request builders can
    /// override it.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.settings = self.settings.timeout(timeout);
        self
    }

    /// The retry policy of requests other than token grants ([`RetryPolicy::default()`] by
    /// default).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings = self.settings.retry_policy(policy);
        self
    }

    /// The retry policy of token grants (`/oauth/token`; [`RetryPolicy::default()`] by
    /// default). A grant that may spend something (a code, a refresh token) is retried after
    /// HTTP 429 only, the server not having acted on it; client credentials, which change
    /// nothing, also after 408, 502, 503, 504 and failed connections
    /// ([`Repeat`](crate::http::Repeat)).
    pub fn token_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.token_retry = policy;
        self
    }

    /// Whether to send the `Auth0-Client` telemetry header (on by default).
    pub fn telemetry(mut self, enabled: bool) -> Self {
        self.settings = self.settings.telemetry(enabled);
        self
    }

    /// Sends this telemetry instead of the default (for SDKs built on this crate).
    pub fn telemetry_info(mut self, telemetry: Telemetry) -> Self {
        self.settings = self.settings.telemetry_info(telemetry);
        self
    }

    /// The largest success answer read (1 MiB by default); a longer one is
    /// [`HttpError::TooLarge`](crate::HttpError::TooLarge). Error answers keep their first
    /// 64 KiB.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.settings = self.settings.max_body_size(bytes);
        self
    }

    /// Asks for DPoP-bound tokens (RFC 9449): every token request carries a proof made with
    /// `key`, so the tokens issued are bound to it (`token_type` `DPoP`, `cnf.jkt` its
    /// thumbprint); a server's `use_dpop_nonce` answer is retried once with its nonce. Calls
    /// to APIs then need a proof each ([`DpopKey::proof`]).
    pub fn dpop_key(mut self, key: DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// The clock the client waits on between retries (the real one by default; tests pass
    /// an [`auth0_http::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings = self.settings.clock(clock);
        self
    }

    /// The HTTP client to use (for proxies, custom roots, shared pools, …). Whatever its
    /// redirect policy, no request follows a redirect: request bodies cannot be re-sent by
    /// it, and an answer that redirects, or comes from another origin, is
    /// [`HttpError::Redirect`](crate::HttpError::Redirect). With a client certificate, this
    /// client must present it ([`ClientIdentity::reqwest_identity`]).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings = self.settings.http_client(client);
        self
    }

    /// Builds the blocking client (feature `blocking`): the same requests, answered without
    /// `.await`, on a runtime the client owns ([`crate::blocking`]).
    #[cfg(feature = "blocking")]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub fn build_blocking(self) -> Result<crate::blocking::Client, Error> {
        let runtime = auth0_http::blocking::Runtime::new().map_err(|e| Error::Config {
            message: "the blocking client's runtime could not start".to_owned(),
            source: Some(Box::new(e)),
        })?;
        let client = self.build()?;
        Ok(Client {
            inner: client.inner,
            mode: crate::blocking::Blocking::new(runtime),
        })
    }

    /// Builds the client, reading the private key if one was given.
    pub fn build(self) -> Result<Client, Error> {
        let base = base_url(&self.domain)?;
        let issuer = base.as_str().to_owned();
        let auth = match self.authentication {
            Some(a) => a,
            None => {
                let client_id = self
                    .client_id
                    .ok_or_else(|| Error::config("a client id is required"))?;
                let key = match (self.key, self.key_pem) {
                    (Some(key), _) => Some(key),
                    (None, Some((pem, alg))) => Some(
                        ClientAssertionKey::from_pem(pem.expose_secret(), alg).map_err(|e| {
                            Error::Config {
                                message: "the client assertion signing key cannot be used"
                                    .to_owned(),
                                source: Some(Box::new(e)),
                            }
                        })?,
                    ),
                    (None, None) => None,
                };
                match (self.secret, key, self.identity) {
                    (Some(_), Some(_), _) => {
                        return Err(Error::config(
                            "set either a client secret or a client assertion key, not both",
                        ));
                    }
                    (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                        return Err(Error::config(
                            "set either a client certificate or a secret or key, not both",
                        ));
                    }
                    (None, None, Some(identity)) => {
                        ClientAuthentication::tls_client_auth(client_id, identity)
                    }
                    (Some(s), None, None) if self.basic => {
                        ClientAuthentication::client_secret_basic(client_id, s)
                    }
                    (Some(s), None, None) => ClientAuthentication::client_secret(client_id, s),
                    (None, Some(k), None) => ClientAuthentication::private_key_jwt(client_id, k),
                    (None, None, None) if self.basic => {
                        return Err(Error::config("client_secret_basic needs a client secret"));
                    }
                    (None, None, None) => ClientAuthentication::none(client_id),
                }
            }
        };
        let mtls_base = match (auth.client_identity(), &self.mtls_domain) {
            (None, _) => None,
            (Some(_), Some(domain)) => Some(base_url(domain)?),
            (Some(_), None) => Some(mtls_alias(&base)),
        };
        let http_error = |e: reqwest::Error| Error::Config {
            message: "the HTTP client could not be built".to_owned(),
            source: Some(Box::new(e)),
        };
        let settings = self.settings;
        let http = match settings.get_http_client() {
            Some(h) => h.clone(),
            // Redirects are not followed: a token request answered with 307 must not carry
            // the client's credentials to another address.
            None if auth.client_identity().is_none() && self.roots.is_empty() => {
                settings.build_http_client().map_err(http_error)?
            }
            None => {
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(settings.get_connect_timeout())
                    .redirect(reqwest::redirect::Policy::none());
                if let Some(identity) = auth.client_identity() {
                    builder = builder.identity(identity.reqwest_identity());
                }
                for pem in &self.roots {
                    builder = builder.add_root_certificate(
                        reqwest::Certificate::from_pem(pem).map_err(http_error)?,
                    );
                }
                builder.build().map_err(http_error)?
            }
        };
        Ok(Client {
            mode: Async,
            inner: Arc::new(Inner {
                base,
                mtls_base,
                issuer,
                auth,
                http,
                retry: settings.get_retry_policy().clone(),
                token_retry: self.token_retry,
                telemetry: settings
                    .telemetry_for("auth0-auth")
                    .map(|t| t.header_value()),
                timeout: settings.get_timeout(),
                max_body: settings.get_max_body_size().unwrap_or(DEFAULT_BODY_LIMIT),
                clock: Arc::clone(settings.get_clock()),
                dpop: self.dpop,
                dpop_nonce: std::sync::Mutex::new(None),
            }),
        })
    }
}

/// The URL of a path under `base`, each segment percent-encoded.
fn url_on(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    let mut path = url.path().to_owned();
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            path.push('/');
        }
        path.push_str(&auth0_http::encode_segment(segment));
    }
    url.set_path(&path);
    url
}

/// The mTLS endpoint aliases' base of the tenant at `base`: `mtls.` before a domain name (the
/// way Auth0 serves them on a custom domain), the same base for an IP address.
fn mtls_alias(base: &Url) -> Url {
    let mut url = base.clone();
    if let Some(url::Host::Domain(host)) = base.host() {
        let alias = format!("mtls.{host}");
        // A domain name with `mtls.` before it is a domain name.
        let _ = url.set_host(Some(&alias));
    }
    url
}

fn base_url(domain: &str) -> Result<Url, Error> {
    // The message says it all: no source to repeat it.
    auth0_http::base_url(domain).map_err(|e| Error::Config {
        message: e.to_string(),
        source: None,
    })
}

/// The default cap of success answers: token, user-info and MFA answers are a few KiB.
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Per-request settings every request builder has.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

/// Whether a request carries the application's client authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    /// The builder adds `client_id` itself when needed.
    No,
    /// Client id and credentials (secret, assertion or Basic header) are added.
    Yes,
    /// Client id and credentials are added to the body, never as a Basic header.
    Body,
}

/// A form parameter value.
#[derive(Clone)]
pub(crate) enum Param {
    Text(String),
    Secret(SecretString),
}

/// A form body: parameters in order, secret values redacted in `Debug`.
#[derive(Clone, Default)]
pub(crate) struct Form(Vec<(String, Param)>, Option<String>);

/// The parameters of client authentication: only the client sets them, from its
/// [`ClientAuthentication`], never a caller's `.param(..)`.
const CLIENT_AUTH_PARAMS: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in &self.0 {
            match v {
                Param::Text(t) => map.entry(k, t),
                Param::Secret(_) => map.entry(k, &"[redacted]"),
            };
        }
        map.finish()
    }
}

impl Form {
    /// Sets `name` (replacing an earlier value).
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.put(name, Param::Text(value.into()));
    }

    /// Sets `name` to a secret value.
    pub(crate) fn set_secret(&mut self, name: &str, value: &str) {
        self.put(name, Param::Secret(SecretString::from(value)));
    }

    /// A caller's extra parameter (`.param(..)`): a secret when its name is one's
    /// ([`auth0_http::is_secret_name`]); refused, at send, when it would set the client's
    /// authentication.
    pub(crate) fn param(&mut self, name: &str, value: impl Into<String>) {
        if CLIENT_AUTH_PARAMS.contains(&name) {
            self.refuse(format!(
                "`{name}` is the application's authentication: the client sets it, \
                 `.param(..)` cannot"
            ));
        } else if auth0_http::is_secret_name(name) {
            self.set_secret(name, &value.into());
        } else {
            self.set(name, value);
        }
    }

    /// Records why the request cannot be sent (the first reason is kept).
    pub(crate) fn refuse(&mut self, why: String) {
        self.1.get_or_insert(why);
    }

    /// Why the request cannot be sent, if a setter refused a value.
    pub(crate) fn refused(&self) -> Option<&str> {
        self.1.as_deref()
    }

    fn put(&mut self, name: &str, value: Param) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| match v {
                Param::Text(t) => t.as_str(),
                Param::Secret(s) => s.expose_secret(),
            })
    }

    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| {
            (
                k.as_str(),
                match v {
                    Param::Text(t) => t.as_str(),
                    Param::Secret(s) => s.expose_secret(),
                },
            )
        })
    }
}

/// A JSON body under construction: secret members are kept apart and redacted in `Debug`.
#[derive(Clone, Default)]
pub(crate) struct JsonBody {
    map: Map<String, Value>,
    secrets: Form,
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonBody")
            .field("members", &self.map)
            .field("secrets", &self.secrets)
            .finish()
    }
}

impl JsonBody {
    pub(crate) fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.map.insert(name.to_owned(), value.into());
    }

    pub(crate) fn set_secret(&mut self, name: &str, value: &str) {
        self.secrets.set_secret(name, value);
    }

    pub(crate) fn into_map(self) -> Map<String, Value> {
        let mut map = self.map;
        for (k, v) in self.secrets.pairs() {
            map.insert(k.to_owned(), Value::String(v.to_owned()));
        }
        map
    }
}

/// A request body.
#[derive(Clone, Debug)]
pub(crate) enum Payload {
    Empty,
    Form(Form),
    Json(Map<String, Value>),
}

/// One request to the API, described before it is sent.
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) path: Vec<String>,
    pub(crate) body: Payload,
    pub(crate) client_auth: ClientAuth,
    pub(crate) bearer: Option<SecretString>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) accept: HeaderValue,
    pub(crate) token_grant: bool,
    /// Which failures may be retried (by the method, or `Safe` for client credentials).
    pub(crate) repeat: Repeat,
    pub(crate) options: RequestOptions,
}

impl Call {
    pub(crate) fn new(operation: &'static str, method: Method, path: &[&str]) -> Self {
        Call {
            operation,
            repeat: Repeat::for_method(&method),
            method,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            body: Payload::Empty,
            client_auth: ClientAuth::No,
            bearer: None,
            headers: Vec::new(),
            accept: HeaderValue::from_static("application/json"),
            token_grant: false,
            options: RequestOptions::default(),
        }
    }

    pub(crate) fn form(mut self, form: Form) -> Self {
        self.body = Payload::Form(form);
        self
    }

    pub(crate) fn json(mut self, map: Map<String, Value>) -> Self {
        self.body = Payload::Json(map);
        self
    }

    pub(crate) fn authenticated(mut self) -> Self {
        self.client_auth = ClientAuth::Yes;
        self
    }

    pub(crate) fn authenticated_in_body(mut self) -> Self {
        self.client_auth = ClientAuth::Body;
        self
    }

    pub(crate) fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(SecretString::from(token));
        self
    }

    pub(crate) fn accept(mut self, accept: &'static str) -> Self {
        self.accept = HeaderValue::from_static(accept);
        self
    }

    pub(crate) fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }
}

/// A success answer.
pub(crate) struct Answer {
    pub(crate) operation: &'static str,
    pub(crate) body: Bytes,
}

impl Answer {
    /// Decodes the body as JSON `T`, naming the JSON path of a mismatch.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        auth0_http::decode_json(&self.body)
            .map_err(|source| HttpError::decode(self.operation, self.body.clone(), source).into())
    }

    /// The body as text (lossy for non-UTF-8).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The current time, for `received_at` stamps.
pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

/// Adds `timeout` and `retry_policy` setters to a request builder with an `options` field.
macro_rules! request_options {
    ($name:ident) => {
        impl<M> $name<M> {
            /// The total time one attempt may take, overriding the client's timeout.
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.options.timeout = Some(timeout);
                self
            }

            /// The retry policy of this request, overriding the client's.
            pub fn retry_policy(mut self, policy: $crate::http::RetryPolicy) -> Self {
                self.options.retry = Some(policy);
                self
            }
        }
    };
}
pub(crate) use request_options;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url("tenant.auth0.com").unwrap().as_str(),
            "https://tenant.auth0.com/"
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            base_url("https://proxy.example/auth0").unwrap().as_str(),
            "https://proxy.example/auth0/"
        );
        assert!(base_url("").is_err());
        assert!(base_url("ftp://x").is_err());
        assert!(base_url("https://x/?a=b").is_err());
    }
}
