//! The Management API client and its builder.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::Error;
use crate::generated::client::Client as Raw;
use crate::runtime::{Inner, Shared};

/// The Management API client: cheap to clone (clones share the connection pool and state).
///
/// Reach operations through the resource accessors, e.g. `client.users().get("auth0|123")`.
#[derive(Clone, Debug)]
pub struct Client {
    raw: Raw,
}

impl Client {
    /// Starts a client for a tenant domain (`my-tenant.auth0.com`, served over https with
    /// `/api/v2` appended) or a full base URL (`http://127.0.0.1:8080`, used as given plus
    /// `/api/v2` unless it already ends with it).
    pub fn builder(domain: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            domain: domain.into(),
            token: None,
            http: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// The generated raw client (positional methods named after operationIds).
    pub(crate) fn raw(&self) -> &Raw {
        &self.raw
    }

    /// The base URL requests go to (ends in `/api/v2`).
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.raw)
    }
}

/// Configures a [`Client`].
#[must_use]
pub struct ClientBuilder {
    domain: String,
    token: Option<String>,
    http: Option<reqwest::Client>,
    timeout: Duration,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("domain", &self.domain)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Authenticates every request with this Management API access token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Uses this `reqwest::Client` (its pool, proxy and TLS settings) for every request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Total time allowed for one request (default 30 s). Ignored with [`Self::http_client`],
    /// whose own settings apply.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = base_url(&self.domain)?;
        let token = self
            .token
            .ok_or_else(|| Error::Config("no credentials: call `.token(..)`".into()))?;
        let mut authorization = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| Error::Config("the token is not a valid header value".into()))?;
        authorization.set_sensitive(true);
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(10)))
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        let inner = Inner {
            shared: Arc::new(Shared { authorization }),
        };
        Ok(Client {
            raw: Raw::new_with_client(&base, http, inner),
        })
    }
}

/// `my-tenant.auth0.com` -> `https://my-tenant.auth0.com/api/v2`; a URL keeps its scheme.
pub(crate) fn base_url(domain: &str) -> Result<String, Error> {
    let domain = domain.trim().trim_end_matches('/');
    if domain.is_empty() {
        return Err(Error::Config("the domain is empty".into()));
    }
    let with_scheme = if domain.contains("://") {
        domain.to_string()
    } else {
        format!("https://{domain}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| Error::Config(format!("`{domain}` is not a domain or URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!("`{domain}` is not an http(s) URL")));
    }
    let base = with_scheme.trim_end_matches('/');
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
    }

    #[test]
    fn builder_debug_hides_the_token() {
        let b = Client::builder("t.auth0.com").token("very-secret");
        assert!(!format!("{b:?}").contains("very-secret"));
    }
}
