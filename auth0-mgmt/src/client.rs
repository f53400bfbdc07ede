//! The Management API client and its builder.

use std::sync::Arc;
use std::time::Duration;

use auth0_auth::client_auth::AssertionAlgorithm;
use auth0_http::{AccessToken, ClientSecret, Clock, HttpSettings, RetryPolicy, Telemetry};

use crate::Error;
use crate::runtime::Shared;
use crate::token::{StaticToken, TokenCache, TokenSource};

/// The Management API client: cheap to clone (clones share the connection pool and the token
/// cache), `Send + Sync`.
///
/// Reach operations through the resource accessors, e.g. `client.users().get("auth0|123")`.
#[derive(Clone)]
pub struct Client {
    /// The HTTP client every request goes through.
    http: reqwest::Client,
    /// The base URL as given (ends in `/api/v2`).
    base_url: Arc<str>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a client for a tenant domain (`my-tenant.auth0.com`, served over https with
    /// `/api/v2` appended) or a full base URL (`http://127.0.0.1:8080`, for proxies and local
    /// stand-ins; `/api/v2` is appended unless it is already there).
    pub fn builder(domain: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            domain: domain.into(),
            credentials: None,
            audience: None,
            settings: HttpSettings::default(),
            custom_domain: None,
        }
    }

    /// The custom domain sent as `Auth0-Custom-Domain` on the operations that declare it, if
    /// one was set ([`ClientBuilder::custom_domain`]).
    pub fn custom_domain(&self) -> Option<&str> {
        self.shared().custom_domain.as_deref()
    }

    /// The HTTP client the operations' requests are built with and sent through.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// What every clone shares: the token cache and the settings.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The base URL requests go to (ends in `/api/v2`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

enum Credentials {
    Token(AccessToken),
    ClientSecret {
        client_id: String,
        secret: ClientSecret,
    },
    PrivateKeyJwt {
        client_id: String,
        pem: ClientSecret,
        algorithm: AssertionAlgorithm,
    },
    Source(Arc<dyn TokenSource>),
}

/// Configures a [`Client`]: one way of getting tokens, then optional settings.
#[must_use]
pub struct ClientBuilder {
    domain: String,
    credentials: Option<Credentials>,
    audience: Option<String>,
    settings: HttpSettings,
    custom_domain: Option<String>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let credentials = match &self.credentials {
            None => "none",
            Some(Credentials::Token(_)) => "token [redacted]",
            Some(Credentials::ClientSecret { .. }) => "client credentials [redacted]",
            Some(Credentials::PrivateKeyJwt { .. }) => "private-key JWT [redacted]",
            Some(Credentials::Source(_)) => "token source",
        };
        f.debug_struct("ClientBuilder")
            .field("domain", &self.domain)
            .field("credentials", &credentials)
            .field("audience", &self.audience)
            .field("settings", &self.settings)
            .field("custom_domain", &self.custom_domain)
            .finish_non_exhaustive()
    }
}

/// Retries are capped at this many, whatever is asked.
pub const MAX_RETRIES_CAP: u32 = 10;

impl ClientBuilder {
    /// Authenticates every request with this Management API access token (never refreshed).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::Token(AccessToken::new(token.into())));
        self
    }

    /// Gets tokens by client credentials with a client secret: fetched on first use, cached,
    /// renewed before they expire.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::ClientSecret {
            client_id: client_id.into(),
            secret: ClientSecret::new(client_secret.into()),
        });
        self
    }

    /// Gets tokens by client credentials, authenticating with a private-key JWT signed by
    /// `pem` (RS256, RS384, PS256 or ES256).
    pub fn private_key_jwt(
        mut self,
        client_id: impl Into<String>,
        pem: impl AsRef<[u8]>,
        algorithm: AssertionAlgorithm,
    ) -> Self {
        self.credentials = Some(Credentials::PrivateKeyJwt {
            client_id: client_id.into(),
            pem: ClientSecret::new(String::from_utf8_lossy(pem.as_ref()).into_owned()),
            algorithm,
        });
        self
    }

    /// Gets tokens from your own source (a secret store, another process, ...).
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.credentials = Some(Credentials::Source(Arc::new(source)));
        self
    }

    /// The audience of client-credentials tokens (default `https://{domain}/api/v2/`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Everything [`HttpSettings`] holds at once (timeouts, retry policy, body cap, clock,
    /// HTTP client, telemetry), as every client builder of the SDK takes it; the setters
    /// below change one of them. The token requests of client credentials are made with the
    /// same settings.
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The largest success answer read (16 MiB by default); a longer one is
    /// [`HttpError::TooLarge`](crate::HttpError::TooLarge). Error answers keep their first
    /// 64 KiB. Streamed answers are read piece by piece, whatever their length: each line of
    /// a users export file, and each line and event of an event stream, is capped by this
    /// size instead (a longer one ends the stream with [`Error::Stream`]).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.settings = self.settings.max_body_size(bytes);
        self
    }

    /// The clock retries wait on and tokens are timed by (the real one by default; tests pass
    /// an [`auth0_http::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings = self.settings.clock(clock);
        self
    }

    /// Uses this `reqwest::Client` (its pool, proxy, TLS and timeout settings). Whatever its
    /// redirect policy, no request follows a redirect: bodies cannot be re-sent by it, and an
    /// answer that redirects, or comes from another origin, is
    /// [`HttpError::Redirect`](crate::HttpError::Redirect).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings = self.settings.http_client(client);
        self
    }

    /// The total time one attempt of a request may take, from sending it to reading the whole
    /// answer (30 s by default), and the wait for a token; `None` sets no deadline of the
    /// client's. With [`http_client`](Self::http_client), that client's own timeout applies
    /// too. Request builders can override it.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.settings = self.settings.timeout(timeout);
        self
    }

    /// The time allowed to connect (10 s by default), for the HTTP client this builder makes.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings = self.settings.connect_timeout(timeout);
        self
    }

    /// How many times a rate-limited (429) request, or an idempotent one whose connection
    /// failed, is retried (default 3, at most 10; 0 turns retries off).
    pub fn max_retries(mut self, retries: u32) -> Self {
        let policy = self
            .settings
            .get_retry_policy()
            .clone()
            .max_retries(retries);
        self.settings = self.settings.retry_policy(policy);
        self
    }

    /// The whole retry policy (backoff, cap, overall deadline); at most 10 retries
    /// ([`MAX_RETRIES_CAP`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings = self.settings.retry_policy(policy);
        self
    }

    /// Sends the `Auth0-Client` telemetry header (on by default).
    pub fn telemetry(mut self, enabled: bool) -> Self {
        self.settings = self.settings.telemetry(enabled);
        self
    }

    /// Sends this telemetry instead of the default (for SDKs built on this crate).
    pub fn telemetry_info(mut self, telemetry: Telemetry) -> Self {
        self.settings = self.settings.telemetry_info(telemetry);
        self
    }

    /// A custom domain of the tenant (`login.example.com`), sent as `Auth0-Custom-Domain` on
    /// the operations whose document declares that header (the ones that send emails or make
    /// links: tickets, verification emails, invitations, …) and on no others, so that those
    /// emails and links name it. A request's own `.auth0_custom_domain(..)` wins.
    pub fn custom_domain(mut self, domain: impl Into<String>) -> Self {
        self.custom_domain = Some(domain.into());
        self
    }

    /// Builds the blocking client (feature `blocking`): the same operations, answered
    /// without `.await`, on a runtime the client owns ([`crate::blocking`]).
    #[cfg(feature = "blocking")]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub fn build_blocking(self) -> Result<crate::blocking::Client, Error> {
        let runtime = auth0_http::blocking::Runtime::new()
            .map_err(|e| Error::Config(format!("the blocking client's runtime: {e}")))?;
        Ok(crate::blocking::Client::new(self.build()?, runtime))
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(domain) = &self.custom_domain
            && reqwest::header::HeaderValue::from_str(domain).is_err()
        {
            return Err(Error::Config(format!(
                "the custom domain {domain:?} is not a header value"
            )));
        }
        let base = base_url(&self.domain)?;
        let tenant = base.trim_end_matches("/api/v2").to_string();
        let settings = self.settings;
        let audience = self.audience.clone().unwrap_or_else(|| format!("{base}/"));
        // No total timeout on the HTTP client: each attempt's deadline is watched by the
        // client's `Watchdog`, and streamed answers set theirs on the request.
        let http = settings
            .build_http_client()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let clock = Arc::clone(settings.get_clock());
        let auth_client = |builder: auth0_auth::ClientBuilder| {
            // The token requests are made with the same settings and say what the API calls
            // say.
            let mut token_settings = settings.clone().http_client(http.clone());
            if let Some(telemetry) = settings.telemetry_for(TELEMETRY_CRATE) {
                token_settings = token_settings.telemetry_info(telemetry);
            }
            builder
                .http_settings(token_settings)
                .build()
                .map_err(|e| Error::Config(format!("token client: {e}")))
        };
        let tokens = match self.credentials {
            None => {
                return Err(Error::Config(
                    "no credentials: call `.token(..)`, `.client_credentials(..)`, \
                     `.private_key_jwt(..)` or `.token_source(..)`"
                        .into(),
                ));
            }
            Some(Credentials::Token(token)) => {
                if auth0_http::bearer(token.expose_secret()).is_none() {
                    return Err(Error::Config(
                        "the token is not a valid header value".into(),
                    ));
                }
                TokenCache::from_source(Arc::new(StaticToken(token)), false, Arc::clone(&clock))
            }
            Some(Credentials::ClientSecret { client_id, secret }) => {
                let auth = auth_client(
                    auth0_auth::Client::builder(tenant.as_str())
                        .client_id(client_id)
                        .client_secret(secret),
                )?;
                TokenCache::client_credentials(auth, audience)
            }
            Some(Credentials::PrivateKeyJwt {
                client_id,
                pem,
                algorithm,
            }) => {
                let auth = auth_client(
                    auth0_auth::Client::builder(tenant.as_str())
                        .client_id(client_id)
                        .client_assertion_signing_key(pem.expose_secret(), algorithm),
                )?;
                TokenCache::client_credentials(auth, audience)
            }
            Some(Credentials::Source(source)) => {
                TokenCache::from_source(source, true, Arc::clone(&clock))
            }
        };
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| Error::Config(format!("the base URL {base:?}: {e}")))?;
        let shared = Arc::new(Shared {
            endpoint_template: crate::runtime::endpoint_template(&parsed),
            base: parsed,
            tokens,
            telemetry: match settings.get_telemetry_info() {
                _ if !settings.get_telemetry() => None,
                Some(telemetry) => Some(telemetry.header_value()),
                None => Some(telemetry_value()),
            },
            retry: capped(settings.get_retry_policy()),
            timeout: settings.get_timeout(),
            watchdog: auth0_http::Watchdog::new(),
            max_body: settings
                .get_max_body_size()
                .unwrap_or(auth0_http::DEFAULT_BODY_LIMIT),
            clock,
            custom_domain: self.custom_domain,
        });
        Ok(Client {
            http,
            base_url: base.into(),
            shared,
        })
    }
}

/// The `Auth0-Client` value of this crate's calls (`Telemetry::for_crate("auth0-mgmt")`), made
/// once for the process and held as static text: every request's copy of it is then free, not
/// a count shared (and written) by every request on every thread.
fn telemetry_value() -> reqwest::header::HeaderValue {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let text = TEXT.get_or_init(|| {
        Telemetry::for_crate(TELEMETRY_CRATE)
            .header_value()
            .to_str()
            .map(str::to_owned)
            .unwrap_or_default()
    });
    reqwest::header::HeaderValue::from_static(text)
}

/// The policy with at most [`MAX_RETRIES_CAP`] retries.
fn capped(policy: &RetryPolicy) -> RetryPolicy {
    let retries = policy.retries().min(MAX_RETRIES_CAP);
    policy.clone().max_retries(retries)
}

/// The crate named in `env.crate` of the telemetry, for the API calls and the token requests.
const TELEMETRY_CRATE: &str = "auth0-mgmt";

/// `my-tenant.auth0.com` -> `https://my-tenant.auth0.com/api/v2`; a URL keeps its scheme and
/// path (`/api/v2` is appended unless it is there). Read by [`auth0_http::base_url`]: no user
/// name, password, query or fragment.
pub(crate) fn base_url(domain: &str) -> Result<String, Error> {
    let url = auth0_http::base_url(domain).map_err(|e| Error::Config(e.to_string()))?;
    let base = url.as_str().trim_end_matches('/');
    Ok(if base.ends_with("/api/v2") {
        base.to_string()
    } else {
        format!("{base}/api/v2")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url("my-tenant.auth0.com").unwrap(),
            "https://my-tenant.auth0.com/api/v2"
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/api/v2"
        );
        assert_eq!(
            base_url("https://x.eu.auth0.com/api/v2").unwrap(),
            "https://x.eu.auth0.com/api/v2"
        );
        assert!(base_url("").is_err());
        assert!(base_url("ftp://x").is_err());
        assert!(base_url("http://").is_err());
        // A query would put the token's requests on another path (`/?a=/api/v2/...`).
        assert!(base_url("http://host?a=").is_err());
        assert!(base_url("https://user:pw@host").is_err());
        assert!(base_url("https://host#x").is_err());
    }

    #[test]
    fn builder_debug_hides_secrets() {
        let b = Client::builder("t.auth0.com").token("very-secret");
        assert!(!format!("{b:?}").contains("very-secret"));
        let b = Client::builder("t.auth0.com").client_credentials("id", "very-secret");
        assert!(!format!("{b:?}").contains("very-secret"));
    }
}
