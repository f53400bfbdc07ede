//! The client side of DPoP (RFC 9449): a key the caller holds, proofs for token requests and
//! for calls to APIs.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::client_auth::ClientAssertionError;

/// An ES256 key for DPoP proofs. Cloning shares the key.
///
/// ```
/// use auth0_auth::DpopKey;
///
/// let key = DpopKey::generate()?;
/// let proof = key.proof("GET", "https://api.example.com/orders", Some("the-access-token"), None)?;
/// assert_eq!(proof.split('.').count(), 3);
/// # Ok::<(), auth0_auth::client_auth::ClientAssertionError>(())
/// ```
#[derive(Clone)]
pub struct DpopKey {
    pair: Arc<EcdsaKeyPair>,
    jwk: Value,
    thumbprint: String,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A new random P-256 key.
    pub fn generate() -> Result<Self, ClientAssertionError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|e| ClientAssertionError::new("no DPoP key could be made", e))?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// A P-256 key from its PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), kept across restarts
    /// so that tokens bound to it stay usable.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, ClientAssertionError> {
        let text = String::from_utf8_lossy(pem.as_ref());
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| ClientAssertionError::new("the DPoP key is not PEM", e))?;
        Self::from_pkcs8(&der)
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, ClientAssertionError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|e| ClientAssertionError::new("the DPoP key is not a P-256 key", e))?;
        // An uncompressed point: 0x04 || x || y.
        let point = pair.public_key().as_ref();
        let (x, y) = point[1..].split_at(32);
        let jwk = json!({
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        });
        let thumbprint = auth0_verify::dpop::jwk_thumbprint(jwk.as_object().expect("an object"))
            .map_err(|e| ClientAssertionError::new("the DPoP key has no thumbprint", e))?;
        Ok(DpopKey {
            pair: Arc::new(pair),
            jwk,
            thumbprint,
        })
    }

    /// The key's RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to it.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The public key as a JWK.
    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// A proof for one request: `htm` `method`, `htu` `url` (without query or fragment), `iat`
    /// now, a random `jti`, `ath` the hash of `access_token` (for calls to APIs), and the
    /// server's `nonce` when it asked for one.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, ClientAssertionError> {
        let htu = url.split(['?', '#']).next().unwrap_or(url);
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti)
            .map_err(|e| ClientAssertionError::new("no random bytes for `jti`", e))?;
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = json!({
            "jti": URL_SAFE_NO_PAD.encode(jti), "htm": method, "htu": htu, "iat": iat,
        });
        if let Some(token) = access_token {
            let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(hash.as_ref()));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk});
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .pair
            .sign(&SystemRandom::new(), message.as_bytes())
            .map_err(|e| ClientAssertionError::new("the DPoP proof could not be signed", e))?;
        Ok(format!(
            "{message}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }
}
