//! How an application proves who it is to the token endpoint: a client secret (in the body or
//! with HTTP Basic), a private-key JWT (a client assertion), or its TLS client certificate
//! (`tls_client_auth`, RFC 8705).

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{EncodingKey, Header};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest as _, Sha256};

use auth0_http::{ClientSecret, Secret};

/// The `client_assertion_type` of a private-key JWT.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid.
const ASSERTION_LIFETIME_SECS: u64 = 180;

/// Boxed error kept as a `source()`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The algorithms a client assertion can be signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AssertionAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA with P-256 and SHA-256.
    ES256,
}

impl AssertionAlgorithm {
    fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            AssertionAlgorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            AssertionAlgorithm::RS384 => jsonwebtoken::Algorithm::RS384,
            AssertionAlgorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            AssertionAlgorithm::ES256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}

/// A client assertion could not be made: the private key could not be read, or signing
/// failed.
#[derive(Debug, thiserror::Error)]
#[error("client assertion: {reason}")]
pub struct ClientAssertionError {
    reason: &'static str,
    #[source]
    source: Option<BoxError>,
}

impl ClientAssertionError {
    pub(crate) fn new(reason: &'static str, source: impl Into<BoxError>) -> Self {
        ClientAssertionError {
            reason,
            source: Some(source.into()),
        }
    }
}

/// A private key that signs client assertions (private-key JWT client authentication).
///
/// `Debug` shows the algorithm and key id, never the key.
#[derive(Clone)]
pub struct ClientAssertionKey {
    key: Arc<EncodingKey>,
    algorithm: AssertionAlgorithm,
    key_id: Option<String>,
}

impl fmt::Debug for ClientAssertionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAssertionKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl ClientAssertionKey {
    /// Reads a PEM private key: PKCS#1 or PKCS#8 RSA for RS256/RS384/PS256, PKCS#8 EC P-256
    /// for ES256.
    pub fn from_pem(
        pem: impl AsRef<[u8]>,
        algorithm: AssertionAlgorithm,
    ) -> Result<Self, ClientAssertionError> {
        let pem = pem.as_ref();
        let key = match algorithm {
            AssertionAlgorithm::RS256 | AssertionAlgorithm::RS384 | AssertionAlgorithm::PS256 => {
                EncodingKey::from_rsa_pem(pem)
            }
            AssertionAlgorithm::ES256 => EncodingKey::from_ec_pem(pem),
        }
        .map_err(|e| ClientAssertionError::new("the private key is not a usable PEM key", e))?;
        let key = ClientAssertionKey {
            key: Arc::new(key),
            algorithm,
            key_id: None,
        };
        // Sign once now, so a key that does not match its algorithm fails here, not later.
        key.sign("check", "https://check.invalid/")?;
        Ok(key)
    }

    /// Sets the `kid` header of the assertions (the key id registered with the application).
    pub fn key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> AssertionAlgorithm {
        self.algorithm
    }

    /// A fresh assertion: `iss` and `sub` the client id, `aud` the tenant's base URL
    /// (`https://YOUR_DOMAIN/`), `iat` now, `exp` 180 s later and a random `jti`.
    pub fn sign(&self, client_id: &str, audience: &str) -> Result<Secret, ClientAssertionError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti)
            .map_err(|e| ClientAssertionError::new("no random bytes for `jti`", e))?;
        let jti: String = jti.iter().map(|b| format!("{b:02x}")).collect();
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
            "jti": jti,
        });
        let mut header = Header::new(self.algorithm.jwt());
        header.kid = self.key_id.clone();
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| ClientAssertionError::new("signing failed", e))
    }
}

/// The certificate could not be read: not PEM, no certificate, or a key that TLS cannot use.
#[derive(Debug, thiserror::Error)]
#[error("client certificate: {reason}")]
pub struct ClientIdentityError {
    reason: &'static str,
    #[source]
    source: Option<BoxError>,
}

/// An application's TLS client certificate (with its chain) and private key, for mutual TLS
/// (RFC 8705): the client authenticates by presenting it in the TLS handshake
/// ([`ClientAuthentication::tls_client_auth`]), and tokens issued to it can be bound to it
/// (`cnf.x5t#S256`, its [`thumbprint`](Self::thumbprint)).
///
/// `Debug` shows the certificate's thumbprint, never the key.
#[derive(Clone)]
pub struct ClientIdentity {
    identity: reqwest::Identity,
    thumbprint: String,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("x5t#S256", &self.thumbprint)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl ClientIdentity {
    /// Reads the certificate (PEM, the client's own first, then its chain) and the private
    /// key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub fn from_pem(
        certificate_pem: impl AsRef<[u8]>,
        private_key_pem: impl AsRef<[u8]>,
    ) -> Result<Self, ClientIdentityError> {
        let error = |reason, source: Option<BoxError>| ClientIdentityError { reason, source };
        let certificates = pem::parse_many(certificate_pem.as_ref())
            .map_err(|e| error("the certificate is not PEM", Some(Box::new(e))))?;
        let leaf = certificates
            .iter()
            .find(|p| p.tag() == "CERTIFICATE")
            .ok_or_else(|| error("the PEM text holds no certificate", None))?;
        let thumbprint = URL_SAFE_NO_PAD.encode(Sha256::digest(leaf.contents()));
        let mut both = certificate_pem.as_ref().to_vec();
        both.push(b'\n');
        both.extend_from_slice(private_key_pem.as_ref());
        let identity = reqwest::Identity::from_pem(&both)
            .map_err(|e| error("the certificate or key cannot be used", Some(Box::new(e))))?;
        Ok(ClientIdentity {
            identity,
            thumbprint,
        })
    }

    /// The SHA-256 thumbprint of the certificate (base64url of the digest of its DER, no
    /// padding): the `cnf.x5t#S256` of the tokens bound to it.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The identity for a `reqwest::ClientBuilder` of one's own
    /// ([`identity`](reqwest::ClientBuilder::identity)).
    pub fn reqwest_identity(&self) -> reqwest::Identity {
        self.identity.clone()
    }
}

#[derive(Clone, Debug)]
enum Method {
    None,
    SecretPost(ClientSecret),
    SecretBasic(ClientSecret),
    PrivateKeyJwt(ClientAssertionKey),
    TlsClientAuth(ClientIdentity),
}

/// An application's client id and how it authenticates: nothing (a public application), a
/// client secret sent in the body (`client_secret_post`, the default) or as HTTP Basic
/// (`client_secret_basic`), a private-key JWT, or its TLS client certificate
/// (`tls_client_auth`).
///
/// `Debug` never shows the secret or the key.
#[derive(Clone, Debug)]
pub struct ClientAuthentication {
    client_id: String,
    method: Method,
}

impl ClientAuthentication {
    /// A public application: only `client_id` is sent.
    pub fn none(client_id: impl Into<String>) -> Self {
        ClientAuthentication {
            client_id: client_id.into(),
            method: Method::None,
        }
    }

    /// `client_id` and `client_secret` in the request body.
    pub fn client_secret(client_id: impl Into<String>, secret: impl Into<ClientSecret>) -> Self {
        ClientAuthentication {
            client_id: client_id.into(),
            method: Method::SecretPost(secret.into()),
        }
    }

    /// `client_id` and `client_secret` in an HTTP Basic `Authorization` header.
    pub fn client_secret_basic(
        client_id: impl Into<String>,
        secret: impl Into<ClientSecret>,
    ) -> Self {
        ClientAuthentication {
            client_id: client_id.into(),
            method: Method::SecretBasic(secret.into()),
        }
    }

    /// A client assertion signed with `key`, made fresh for every request.
    pub fn private_key_jwt(client_id: impl Into<String>, key: ClientAssertionKey) -> Self {
        ClientAuthentication {
            client_id: client_id.into(),
            method: Method::PrivateKeyJwt(key),
        }
    }

    /// Mutual TLS (`tls_client_auth`, RFC 8705): the client presents `identity` in the TLS
    /// handshake and sends only `client_id`. The [`Client`](crate::Client) then sends the
    /// requests that authenticate the client to the tenant's mTLS endpoints
    /// ([`ClientBuilder::mtls_domain`](crate::ClientBuilder::mtls_domain)) with an HTTP client
    /// presenting the certificate.
    pub fn tls_client_auth(client_id: impl Into<String>, identity: ClientIdentity) -> Self {
        ClientAuthentication {
            client_id: client_id.into(),
            method: Method::TlsClientAuth(identity),
        }
    }

    /// The TLS client certificate, when the client authenticates with one.
    pub fn client_identity(&self) -> Option<&ClientIdentity> {
        match &self.method {
            Method::TlsClientAuth(identity) => Some(identity),
            _ => None,
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether a secret or a key is configured (a confidential application).
    pub fn is_confidential(&self) -> bool {
        !matches!(self.method, Method::None)
    }

    /// What to add to a request to `audience` (the tenant's base URL, `https://YOUR_DOMAIN/`,
    /// the `aud` of a client assertion): body parameters, and for `client_secret_basic` an
    /// `Authorization` header (marked sensitive) instead.
    pub fn credentials(&self, audience: &str) -> Result<Credentials, ClientAssertionError> {
        match &self.method {
            Method::SecretBasic(secret) => {
                let user = form_encode(&self.client_id);
                let password = form_encode(secret.expose_secret());
                let encoded = STANDARD.encode(format!("{user}:{password}"));
                let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
                    .map_err(|e| ClientAssertionError::new("bad Basic credentials", e))?;
                value.set_sensitive(true);
                Ok(Credentials {
                    params: Vec::new(),
                    authorization: Some(value),
                })
            }
            _ => self.body_credentials(audience),
        }
    }

    /// As [`credentials`](Self::credentials), but always as body parameters (for requests
    /// whose `Authorization` header carries something else, such as an MFA token).
    pub fn body_credentials(&self, audience: &str) -> Result<Credentials, ClientAssertionError> {
        let mut params = vec![("client_id", SecretString::from(self.client_id.as_str()))];
        match &self.method {
            // The certificate is presented in the TLS handshake.
            Method::None | Method::TlsClientAuth(_) => {}
            Method::SecretPost(secret) | Method::SecretBasic(secret) => {
                params.push(("client_secret", SecretString::from(secret.expose_secret())));
            }
            Method::PrivateKeyJwt(key) => {
                let assertion = key.sign(&self.client_id, audience)?;
                params.push((
                    "client_assertion_type",
                    SecretString::from(CLIENT_ASSERTION_TYPE),
                ));
                params.push((
                    "client_assertion",
                    SecretString::from(assertion.expose_secret()),
                ));
            }
        }
        Ok(Credentials {
            params,
            authorization: None,
        })
    }
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The client authentication to add to one request. `Debug` shows only the parameter names.
pub struct Credentials {
    params: Vec<(&'static str, SecretString)>,
    authorization: Option<HeaderValue>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "params",
                &self.params.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            )
            .field("authorization", &self.authorization.is_some())
            .finish()
    }
}

impl Credentials {
    /// Body parameters (`client_id`, `client_secret`, `client_assertion_type`,
    /// `client_assertion`), for a form or a JSON body.
    pub fn params(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.params.iter().map(|(k, v)| (*k, v.expose_secret()))
    }

    /// The `Authorization` header value, for `client_secret_basic`.
    pub fn authorization(&self) -> Option<&HeaderValue> {
        self.authorization.as_ref()
    }
}
