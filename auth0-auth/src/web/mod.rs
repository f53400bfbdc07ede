//! Logging users in to web applications (feature `web`): login transactions, sealed session
//! cookies or a session store, access tokens refreshed as they expire, logout and back-channel
//! logout. Framework-neutral: requests are read as [`http::HeaderMap`]s and answered with
//! [`WebResponse`]s. With the feature `axum`, [`WebAuth::router`], [`WebAuth::layer`],
//! [`WebAuth::require_login`] and the extractors [`User`], [`Session`] and [`AccessToken`] do
//! the wiring.
//!
//! ```no_run
//! # fn run() -> Result<(), auth0_auth::web::WebError> {
//! use auth0_auth::web::WebAuth;
//!
//! let auth = WebAuth::builder("my-tenant.us.auth0.com")
//!     .client_id("CLIENT_ID")
//!     .client_secret("CLIENT_SECRET")
//!     .base_url("https://app.example.com")
//!     .secret("at least 32 bytes of randomness, from the environment")
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! # The flow
//!
//! - `GET /auth/login` ([`WebAuth::login`]) draws `state`, `nonce` and a PKCE verifier, keeps
//!   them with `returnTo` in a sealed cookie named by the state (`auth0_txn.<state>`, one hour,
//!   so logins started in several tabs all complete), and redirects to `/authorize`.
//! - `GET|POST /auth/callback` ([`WebAuth::callback`]) opens that transaction, spends its state
//!   (a state completes one login), exchanges the code with the PKCE verifier and the client's
//!   authentication, verifies the ID token (issuer, audience, nonce, `max_age`, organization),
//!   seals the session into the session cookie and redirects to `returnTo` (a path of this
//!   application only: [`safe_return_to`]).
//! - Later requests read the session ([`WebAuth::session`]); [`Session::access_token`] returns
//!   an access token, refreshed when within a leeway of expiry (concurrent refreshes of one
//!   session share one request; the rotated refresh token is saved back by
//!   [`WebAuth::save_session`]).
//! - `GET /auth/logout` ([`WebAuth::logout`]) clears the session and sends the browser to the
//!   tenant's `/oidc/logout` (or `/v2/logout`).
//! - `POST /auth/backchannel-logout` ([`WebAuth::backchannel_logout`]) verifies Auth0's logout
//!   token and ends the sessions it names: in the [`SessionStore`], or, for stateless
//!   sessions, through the [`LogoutRecord`] checked whenever a session cookie is read.
//!
//! # Cookies
//!
//! Values are sealed as JWE (`alg` `dir`, `enc` `A256GCM`) with a key derived from each cookie
//! secret by HKDF-SHA256: the first secret seals, all of them open, so a secret is rotated by
//! putting the new one first. A session larger than one cookie is split over `appSession.0`,
//! `appSession.1`, … each under 4,096 bytes with its attributes. Cookies are `HttpOnly`,
//! `SameSite=Lax`, and `Secure` unless the base URL is `http` on this machine. An altered,
//! foreign or expired cookie is no session (logged at debug level), never an error answer.
//! Sessions last `rolling_duration` after the last request that renewed them (1 day by
//! default) and never more than `absolute_duration` after login (7 days).
//!
//! A browser sends the same session cookie until its session changes: the stateless
//! sessions of the last 1,024 cookies opened or written are kept in memory by the cookie's
//! exact text, so that a request whose cookie was opened before is not decrypted and decoded
//! again (expiry, renewal and back-channel logouts are checked on every request all the
//! same).

mod cookie;
mod data;
mod error;
mod flow;
mod opened;
#[cfg(feature = "redis")]
mod redis_store;
mod return_to;
mod seal;
mod session;
mod store;

#[cfg(feature = "axum")]
mod axum;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::client_auth::AssertionAlgorithm;
use crate::verify::{AsymmetricSignatureVerifier, LogoutTokenVerifier, TokenVerifier};
use crate::{Client, ClientBuilder};

#[cfg(feature = "axum")]
pub use self::axum::{LoginRejection, SessionLayer, SessionService};
/// The Redis connection of [`RedisSessionStore`] and [`RedisLogoutRecord`] (feature `redis`).
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use auth0_http::{Redis, RedisBuilder, RedisError};
pub use data::{DecodeSessionError, SessionData};
pub use error::WebError;
pub use flow::{CallbackParams, LoginOptions, WebResponse};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::{RedisLogoutRecord, RedisSessionStore};
pub use return_to::safe_return_to;
pub use session::{AccessToken, Session, User};
pub use store::{
    Logout, LogoutRecord, MemoryLogoutRecord, MemorySessionStore, SessionStore, StoreError,
    StoreFuture,
};

/// A secret the cookie keys are derived from: at least 32 bytes (for example 32 random bytes
/// as hex, `openssl rand -hex 32`). `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct CookieSecret(SecretString);

impl CookieSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        CookieSecret(SecretString::from(secret.into()))
    }

    /// The secret itself.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

impl fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for CookieSecret {
    fn from(s: &str) -> Self {
        CookieSecret::new(s)
    }
}

impl From<String> for CookieSecret {
    fn from(s: String) -> Self {
        CookieSecret::new(s)
    }
}

/// Where `/auth/logout` sends the browser.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutEndpoint {
    /// OpenID Connect RP-initiated logout, `/oidc/logout` (`id_token_hint`, `client_id`,
    /// `post_logout_redirect_uri`); the default.
    #[default]
    Oidc,
    /// Auth0's `/v2/logout` (`client_id`, `returnTo`).
    V2,
}

/// How Auth0 returns the login's result to the callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseMode {
    /// A redirect with the code in the query (`GET /auth/callback?code=..&state=..`); the
    /// default.
    #[default]
    Query,
    /// A form the browser posts (`POST /auth/callback`). The callback is then a cross-site
    /// POST, which `SameSite=Lax` cookies are not sent with: transaction cookies are
    /// `SameSite=None; Secure` (browsers keep those on `https` origins, and on `localhost`).
    FormPost,
}

/// The paths of the routes (defaults: `/auth/login`, `/auth/callback`, `/auth/logout`,
/// `/auth/backchannel-logout`).
#[derive(Clone, Debug)]
pub(crate) struct Paths {
    pub(crate) login: String,
    pub(crate) callback: String,
    pub(crate) logout: String,
    pub(crate) backchannel_logout: String,
}

/// The login handling of one application: its Authentication API client, cookie keys, routes
/// and session settings. Made by [`WebAuth::builder`]; cloning is cheap (clones share
/// everything, the refreshes in flight included).
#[derive(Clone)]
pub struct WebAuth {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for WebAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("WebAuth")
            .field("client", &i.client)
            .field("base_url", &i.base.as_str())
            .field("paths", &i.paths)
            .field("scope", &i.scope)
            .field("audience", &i.audience)
            .field("rolling_duration", &i.rolling)
            .field("absolute_duration", &i.absolute)
            .field("store", &i.store)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) verifier: TokenVerifier,
    pub(crate) logout_verifier: LogoutTokenVerifier,
    pub(crate) base: Url,
    pub(crate) redirect_uri: String,
    pub(crate) paths: Paths,
    pub(crate) session_sealer: seal::Sealer,
    pub(crate) txn_sealer: seal::Sealer,
    pub(crate) session_cookie: String,
    pub(crate) session_attributes: cookie::Attributes,
    pub(crate) txn_prefix: String,
    pub(crate) txn_attributes: cookie::Attributes,
    pub(crate) scope: String,
    pub(crate) audience: Option<String>,
    pub(crate) organization: Option<String>,
    pub(crate) max_age: Option<Duration>,
    pub(crate) response_mode: ResponseMode,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) rolling: Duration,
    pub(crate) absolute: Duration,
    pub(crate) refresh_leeway: Duration,
    pub(crate) logout_endpoint: LogoutEndpoint,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    pub(crate) record: Record,
    pub(crate) clock: Arc<dyn auth0_http::Clock>,
    pub(crate) refresher: session::Refresher,
    /// Session cookies opened recently (stateless sessions only).
    pub(crate) opened: opened::Opened,
    /// States of completed logins (an hour), and `jti`s of logout tokens received.
    pub(crate) spent_states: flow::Spent,
    pub(crate) spent_logout_tokens: flow::Spent,
}

/// The logout record: the built-in one is read without a future.
pub(crate) enum Record {
    Memory(MemoryLogoutRecord),
    Custom(Arc<dyn LogoutRecord>),
}

impl WebAuth {
    /// A builder for the application of the tenant at `domain` (`my-tenant.us.auth0.com`,
    /// or a base URL such as `http://127.0.0.1:8080`).
    pub fn builder(domain: impl Into<String>) -> WebAuthBuilder {
        WebAuthBuilder {
            domain: domain.into(),
            client_id: None,
            secret: None,
            key: None,
            client: None,
            http: None,
            base_url: None,
            secrets: Vec::new(),
            scope: DEFAULT_SCOPE.to_owned(),
            audience: None,
            organization: None,
            max_age: None,
            response_mode: ResponseMode::Query,
            params: Vec::new(),
            paths: Paths {
                login: "/auth/login".into(),
                callback: "/auth/callback".into(),
                logout: "/auth/logout".into(),
                backchannel_logout: "/auth/backchannel-logout".into(),
            },
            rolling: Duration::from_secs(24 * 3600),
            absolute: Duration::from_secs(7 * 24 * 3600),
            refresh_leeway: Duration::from_secs(60),
            logout_endpoint: LogoutEndpoint::Oidc,
            store: None,
            record: None,
            session_cookie: "appSession".into(),
            txn_prefix: "auth0_txn".into(),
            cookie_domain: None,
            clock: auth0_http::system_clock(),
            verifier: None,
            logout_verifier: None,
        }
    }

    /// The Authentication API client (for calls of your own: userinfo, …).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The application's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The redirect URI sent to Auth0: the base URL with the callback path (register it as
    /// an allowed callback URL).
    pub fn redirect_uri(&self) -> &str {
        &self.inner.redirect_uri
    }

    /// The login route's path.
    pub fn login_path(&self) -> &str {
        &self.inner.paths.login
    }

    /// The callback route's path.
    pub fn callback_path(&self) -> &str {
        &self.inner.paths.callback
    }

    /// The logout route's path.
    pub fn logout_path(&self) -> &str {
        &self.inner.paths.logout
    }

    /// The back-channel logout route's path.
    pub fn backchannel_logout_path(&self) -> &str {
        &self.inner.paths.backchannel_logout
    }

    /// The name of the session cookie (`appSession`; chunks `appSession.0`, …).
    pub fn session_cookie_name(&self) -> &str {
        &self.inner.session_cookie
    }

    /// The prefix of transaction cookies (`auth0_txn`; each named `auth0_txn.<state>`).
    pub fn transaction_cookie_prefix(&self) -> &str {
        &self.inner.txn_prefix
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.inner.clock.system_time()
    }
}

/// The scope asked for unless configured: an ID token with the profile, and a refresh token.
pub const DEFAULT_SCOPE: &str = "openid profile email offline_access";

/// Configures a [`WebAuth`]; made by [`WebAuth::builder`].
#[must_use]
pub struct WebAuthBuilder {
    domain: String,
    client_id: Option<String>,
    secret: Option<crate::http::ClientSecret>,
    key: Option<(SecretString, AssertionAlgorithm)>,
    client: Option<Client>,
    http: Option<reqwest::Client>,
    base_url: Option<String>,
    secrets: Vec<CookieSecret>,
    scope: String,
    audience: Option<String>,
    organization: Option<String>,
    max_age: Option<Duration>,
    response_mode: ResponseMode,
    params: Vec<(String, String)>,
    paths: Paths,
    rolling: Duration,
    absolute: Duration,
    refresh_leeway: Duration,
    logout_endpoint: LogoutEndpoint,
    store: Option<Arc<dyn SessionStore>>,
    record: Option<Arc<dyn LogoutRecord>>,
    session_cookie: String,
    txn_prefix: String,
    cookie_domain: Option<String>,
    clock: Arc<dyn auth0_http::Clock>,
    verifier: Option<TokenVerifier>,
    logout_verifier: Option<LogoutTokenVerifier>,
}

impl fmt::Debug for WebAuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebAuthBuilder")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.secret)
            .field("base_url", &self.base_url)
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl WebAuthBuilder {
    /// The application's client id (required unless [`client`](Self::client) is given).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The application's client secret.
    pub fn client_secret(mut self, secret: impl Into<crate::http::ClientSecret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Authenticates the application with private-key JWTs signed by this PEM key instead
    /// of a client secret.
    pub fn client_assertion_signing_key(
        mut self,
        pem: impl AsRef<[u8]>,
        algorithm: AssertionAlgorithm,
    ) -> Self {
        let pem = String::from_utf8_lossy(pem.as_ref()).into_owned();
        self.key = Some((SecretString::from(pem), algorithm));
        self
    }

    /// The Authentication API client to use, configured as you like (its domain, client id
    /// and authentication replace those given here).
    pub fn client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The HTTP client for token requests and the JWKS.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The application's base URL (required): `https://app.example.com`, or `http` on
    /// `localhost` or a loopback address for development (cookies are then not `Secure`).
    /// Redirects after login and logout stay on its origin; the redirect URI is it with the
    /// callback path.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Adds a cookie secret (at least 32 bytes). The first one given seals; every one opens,
    /// so a secret is rotated by giving the new one first and the old one after, until the
    /// sessions it sealed have expired.
    pub fn secret(mut self, secret: impl Into<CookieSecret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Adds several cookie secrets, in order (see [`secret`](Self::secret)).
    pub fn secrets<I, S>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<CookieSecret>,
    {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// The scopes asked for at login ([`DEFAULT_SCOPE`] unless set); `openid` is added when
    /// missing.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The API the login's access token is for (its identifier).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The organization (id or name) users log in to, unless a login names another.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// The longest time since the user last authenticated (`max_age`, checked against the
    /// ID token's `auth_time`).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// How Auth0 returns the result ([`ResponseMode::Query`] by default).
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = mode;
        self
    }

    /// Another authorization parameter sent with every login (`prompt`, `ui_locales`, …).
    /// The parameters the SDK sets itself (`state`, `nonce`, `redirect_uri`, `code_challenge`,
    /// …) are not replaced.
    pub fn authorization_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The login route's path (`/auth/login`).
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.paths.login = path.into();
        self
    }

    /// The callback route's path (`/auth/callback`).
    pub fn callback_path(mut self, path: impl Into<String>) -> Self {
        self.paths.callback = path.into();
        self
    }

    /// The logout route's path (`/auth/logout`).
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.paths.logout = path.into();
        self
    }

    /// The back-channel logout route's path (`/auth/backchannel-logout`).
    pub fn backchannel_logout_path(mut self, path: impl Into<String>) -> Self {
        self.paths.backchannel_logout = path.into();
        self
    }

    /// How long a session lasts after the request that last renewed it (1 day by default).
    /// It is renewed at most once an hour (or every tenth of this duration, if shorter), so
    /// that reading it costs no new cookie on most requests.
    pub fn rolling_duration(mut self, duration: Duration) -> Self {
        self.rolling = duration;
        self
    }

    /// How long a session lasts after login, however active (7 days by default).
    pub fn absolute_duration(mut self, duration: Duration) -> Self {
        self.absolute = duration;
        self
    }

    /// How long before its expiry an access token is refreshed (60 s by default).
    pub fn refresh_leeway(mut self, leeway: Duration) -> Self {
        self.refresh_leeway = leeway;
        self
    }

    /// Where `/auth/logout` sends the browser ([`LogoutEndpoint::Oidc`] by default).
    pub fn logout_endpoint(mut self, endpoint: LogoutEndpoint) -> Self {
        self.logout_endpoint = endpoint;
        self
    }

    /// Keeps sessions in `store`; the cookie then holds only the session's id.
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Keeps sessions in `store` (shared).
    pub fn shared_session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Where back-channel logouts of stateless sessions are remembered (in memory by
    /// default; a fleet shares one).
    pub fn logout_record(mut self, record: impl LogoutRecord) -> Self {
        self.record = Some(Arc::new(record));
        self
    }

    /// Where back-channel logouts are remembered (shared).
    pub fn shared_logout_record(mut self, record: Arc<dyn LogoutRecord>) -> Self {
        self.record = Some(record);
        self
    }

    /// The session cookie's name (`appSession`).
    pub fn session_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.session_cookie = name.into();
        self
    }

    /// The prefix of the transaction cookies' names (`auth0_txn`).
    pub fn transaction_cookie_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.txn_prefix = prefix.into();
        self
    }

    /// The cookies' `Domain` attribute (none by default: the cookies go to the base URL's
    /// host only).
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie_domain = Some(domain.into());
        self
    }

    /// The clock (the real one by default; tests pass an [`auth0_http::ManualClock`]). Used
    /// for session times, token expiry, refresh grace, and the ID-token and JWKS checks.
    pub fn clock(mut self, clock: Arc<dyn auth0_http::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The verifier of the login's ID tokens (by default: RS256 keys from the tenant's JWKS,
    /// the tenant as issuer, the client id as audience).
    pub fn token_verifier(mut self, verifier: TokenVerifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The verifier of back-channel logout tokens (by default as the ID tokens').
    pub fn logout_token_verifier(mut self, verifier: LogoutTokenVerifier) -> Self {
        self.logout_verifier = Some(verifier);
        self
    }

    /// Checks the configuration, derives the cookie keys and builds the [`WebAuth`].
    pub fn build(self) -> Result<WebAuth, WebError> {
        let clock = self.clock;
        let client = match self.client {
            Some(c) => c,
            None => {
                let mut b: ClientBuilder = Client::builder(self.domain).clock(clock.clone());
                if let Some(id) = self.client_id {
                    b = b.client_id(id);
                }
                if let Some(s) = self.secret {
                    b = b.client_secret(s);
                }
                if let Some((pem, alg)) = &self.key {
                    b = b.client_assertion_signing_key(pem.expose_secret(), *alg);
                }
                if let Some(h) = &self.http {
                    b = b.http_client(h.clone());
                }
                b.build().map_err(|e| WebError::Config {
                    message: "the Authentication API client cannot be built".into(),
                    source: Some(Box::new(e)),
                })?
            }
        };

        let base_text = self
            .base_url
            .ok_or_else(|| WebError::config("the application's base URL is required"))?;
        let base = Url::parse(&base_text).map_err(|e| WebError::Config {
            message: format!("the base URL {base_text:?} is not a URL"),
            source: Some(Box::new(e)),
        })?;
        let secure = match base.scheme() {
            "https" => true,
            "http" if auth0_http::is_loopback(&base) => false,
            "http" => {
                return Err(WebError::config(
                    "the base URL must be https (http only on localhost or a loopback address): \
                     browsers do not return Secure cookies over http",
                ));
            }
            _ => return Err(WebError::config("the base URL must be http(s)")),
        };
        if base.query().is_some() || base.fragment().is_some() || base.cannot_be_a_base() {
            return Err(WebError::config("the base URL has no query or fragment"));
        }
        if self.secrets.is_empty() {
            return Err(WebError::config("at least one cookie secret is required"));
        }
        if let Some(i) = self
            .secrets
            .iter()
            .position(|s| s.expose_secret().len() < seal::MIN_SECRET_LEN)
        {
            return Err(WebError::config(format!(
                "cookie secret {} is shorter than {} bytes",
                i + 1,
                seal::MIN_SECRET_LEN
            )));
        }
        for (name, path) in [
            ("login", &self.paths.login),
            ("callback", &self.paths.callback),
            ("logout", &self.paths.logout),
            ("back-channel logout", &self.paths.backchannel_logout),
        ] {
            let route_syntax = path.contains(['{', '}', '*']) || path.contains("/:");
            if !path.starts_with('/') || route_syntax || path.contains(['?', '#', ';', ',', ' ']) {
                return Err(WebError::config(format!(
                    "the {name} path {path:?} must start with / and have no query, parameter or wildcard"
                )));
            }
        }
        for name in [&self.session_cookie, &self.txn_prefix] {
            if !cookie::is_cookie_name(name) {
                return Err(WebError::config(format!("{name:?} is not a cookie name")));
            }
        }
        if self.session_cookie == self.txn_prefix {
            return Err(WebError::config(
                "the session cookie and the transaction cookies need different names",
            ));
        }
        if self.absolute.is_zero() || self.rolling.is_zero() {
            return Err(WebError::config(
                "session durations must be longer than zero",
            ));
        }

        let mut redirect_uri = base.as_str().trim_end_matches('/').to_owned();
        redirect_uri.push_str(&self.paths.callback);

        let mut scope = self.scope;
        if !scope.split(' ').any(|s| s == "openid") {
            scope = if scope.trim().is_empty() {
                "openid".to_owned()
            } else {
                format!("openid {scope}")
            };
        }

        let jwks = || {
            let mut keys = AsymmetricSignatureVerifier::new(format!(
                "{}.well-known/jwks.json",
                client.issuer()
            ))
            .clock(clock.clone());
            if let Some(h) = &self.http {
                keys = keys.http_client(h.clone());
            }
            keys
        };
        let time = {
            let clock = clock.clone();
            move || clock.system_time()
        };
        let keys = jwks();
        let verifier = self.verifier.unwrap_or_else(|| {
            TokenVerifier::new(keys.clone(), client.issuer(), client.client_id())
                .with_clock(time.clone())
        });
        let logout_verifier = self.logout_verifier.unwrap_or_else(|| {
            LogoutTokenVerifier::new(keys, client.issuer(), client.client_id()).with_clock(time)
        });

        let session_attributes = cookie::Attributes {
            path: "/".to_owned(),
            domain: self.cookie_domain.clone(),
            secure,
            same_site: cookie::SameSite::Lax,
        };
        let txn_attributes = cookie::Attributes {
            path: flow::common_path(&self.paths.login, &self.paths.callback),
            domain: self.cookie_domain,
            secure,
            same_site: match self.response_mode {
                ResponseMode::Query => cookie::SameSite::Lax,
                ResponseMode::FormPost => cookie::SameSite::None,
            },
        };

        Ok(WebAuth {
            inner: Arc::new(Inner {
                verifier,
                logout_verifier,
                redirect_uri,
                session_sealer: seal::Sealer::new(&self.secrets, seal::Purpose::Session),
                txn_sealer: seal::Sealer::new(&self.secrets, seal::Purpose::Transaction),
                base,
                paths: self.paths,
                session_cookie: self.session_cookie,
                session_attributes,
                txn_prefix: self.txn_prefix,
                txn_attributes,
                scope,
                audience: self.audience,
                organization: self.organization,
                max_age: self.max_age,
                response_mode: self.response_mode,
                params: self.params,
                rolling: self.rolling,
                absolute: self.absolute,
                refresh_leeway: self.refresh_leeway,
                logout_endpoint: self.logout_endpoint,
                store: self.store,
                record: match self.record {
                    Some(r) => Record::Custom(r),
                    None => Record::Memory(MemoryLogoutRecord::new()),
                },
                refresher: session::Refresher::new(),
                opened: opened::Opened::default(),
                spent_states: flow::Spent::default(),
                spent_logout_tokens: flow::Spent::default(),
                client,
                clock,
            }),
        })
    }
}

/// Fills `bytes` from the operating system's random number generator.
///
/// # Panics
///
/// When the operating system has no random number generator.
pub(crate) fn random_bytes(bytes: &mut [u8]) {
    if let Err(e) = getrandom::fill(bytes) {
        panic!("the operating system's random number generator failed: {e}");
    }
}
