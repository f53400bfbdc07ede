//! The Management API client and its builder.

use std::sync::Arc;
use std::time::Duration;

use auth0_auth::client_auth::AssertionAlgorithm;
use auth0_http::{AccessToken, ClientSecret, Clock, RetryPolicy, Telemetry};

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
            http: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            telemetry: true,
            max_body: auth0_http::DEFAULT_BODY_LIMIT,
            clock: auth0_http::system_clock(),
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
    http: Option<reqwest::Client>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    telemetry: bool,
    max_body: usize,
    clock: Arc<dyn Clock>,
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
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("telemetry", &self.telemetry)
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

    /// The largest success answer read (16 MiB by default); a longer one is
    /// [`Error::TooLarge`]. Error answers keep their first 64 KiB. Streamed answers are read
    /// piece by piece, whatever their length: each line of a users export file, and each
    /// line and event of an event stream, is capped by this size instead (a longer one ends
    /// the stream with [`Error::Stream`]).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The clock retries wait on and tokens are timed by (the real one by default; tests pass
    /// an [`auth0_http::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this `reqwest::Client` (its pool, proxy, TLS and timeout settings). Whatever its
    /// redirect policy, no request follows a redirect: bodies cannot be re-sent by it, and an
    /// answer that redirects, or comes from another origin, is [`Error::Redirect`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Total time allowed for one attempt of a request, from sending it to reading the whole
    /// answer (default 30 s), and for waiting for a token. With
    /// [`http_client`](Self::http_client), that client's own timeout applies too.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many times a rate-limited (429) request, or an idempotent one whose connection
    /// failed, is retried (default 3, at most 10; 0 turns retries off).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries.min(MAX_RETRIES_CAP));
        self
    }

    /// The whole retry policy (backoff, cap, overall deadline).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        let retries = policy.retries().min(MAX_RETRIES_CAP);
        self.retry = policy.max_retries(retries);
        self
    }

    /// Sends the `Auth0-Client` telemetry header (on by default).
    pub fn telemetry(mut self, enabled: bool) -> Self {
        self.telemetry = enabled;
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
        let telemetry = Telemetry::for_crate(TELEMETRY_CRATE);
        let audience = self.audience.clone().unwrap_or_else(|| format!("{base}/"));
        let http = match self.http {
            Some(h) => h,
            // No total timeout on the HTTP client: each attempt's deadline is watched by the
            // client's `Watchdog`, and streamed answers set theirs on the request.
            None => auth0_http::http_client(self.connect_timeout, None)
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        let auth_client = |builder: auth0_auth::ClientBuilder| {
            let builder = builder
                .http_client(http.clone())
                .timeout(self.timeout)
                .clock(Arc::clone(&self.clock));
            // The token requests say what the API calls say.
            let builder = if self.telemetry {
                builder.telemetry_info(telemetry.clone())
            } else {
                builder.telemetry(false)
            };
            builder
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
                TokenCache::from_source(
                    Arc::new(StaticToken(token)),
                    false,
                    Arc::clone(&self.clock),
                )
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
                TokenCache::from_source(source, true, Arc::clone(&self.clock))
            }
        };
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| Error::Config(format!("the base URL {base:?}: {e}")))?;
        let shared = Arc::new(Shared {
            endpoint_template: crate::runtime::endpoint_template(&parsed),
            base: parsed,
            tokens,
            telemetry: self.telemetry.then(telemetry_value),
            retry: self.retry,
            timeout: self.timeout,
            watchdog: auth0_http::Watchdog::new(),
            max_body: self.max_body,
            clock: self.clock,
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
