//! Signature verifiers: which keys and algorithms a token may be signed with.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::algorithm::Algorithm;
use crate::blocking::BlockingRuntime;
use crate::error::TokenValidationError;
use crate::jwks::{AsymmetricSignatureVerifier, unsupported};
use crate::jwt::RawToken;

/// A shared secret (an application's client secret): the SDK's one secret type
/// ([`auth0_http::Secret`]), wiped from memory on drop, `[redacted]` in `Debug`.
pub use auth0_http::Secret;

/// Verifies HS256 signatures made with a shared secret (an application's client secret, for
/// ID tokens of applications configured with HS256).
#[derive(Clone)]
pub struct SymmetricSignatureVerifier {
    /// The HMAC key, prepared once.
    key: Arc<hmac::Key>,
    /// The secret was empty (an unset variable, say): every token is refused, since anyone
    /// can sign with an empty secret.
    empty: bool,
}

impl fmt::Debug for SymmetricSignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SymmetricSignatureVerifier")
            .field("algorithm", &Algorithm::HS256)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl SymmetricSignatureVerifier {
    const ALGORITHMS: &'static [Algorithm] = &[Algorithm::HS256];

    /// A verifier accepting HS256 tokens signed with `secret`. An empty secret (an unset
    /// variable, say) refuses every token: anyone could sign with it.
    pub fn new(secret: impl Into<Secret>) -> Self {
        Self::from_bytes(secret.into().expose_secret())
    }

    /// A verifier accepting HS256 tokens signed with a secret given as bytes (a key that is
    /// not text). An empty key refuses every token.
    pub fn from_bytes(secret: impl AsRef<[u8]>) -> Self {
        let secret = secret.as_ref();
        SymmetricSignatureVerifier {
            key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret)),
            empty: secret.is_empty(),
        }
    }

    fn verify(&self, raw: &RawToken<'_>, alg: Algorithm) -> Result<(), TokenValidationError> {
        if self.empty {
            return Err(TokenValidationError::UnusableKey {
                kid: "the shared secret".to_owned(),
                reason: "the HS256 secret is empty".to_owned(),
            });
        }
        // `hmac::verify` compares in constant time.
        let valid = alg == Algorithm::HS256
            && URL_SAFE_NO_PAD
                .decode(raw.signature)
                .is_ok_and(|tag| hmac::verify(&self.key, raw.message.as_bytes(), &tag).is_ok());
        check(valid, alg)
    }
}

/// The source of keys a token verifier checks signatures against.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SignatureVerifier {
    /// Keys from a JWKS (RS256 and other asymmetric algorithms).
    Asymmetric(AsymmetricSignatureVerifier),
    /// A shared secret (HS256).
    Symmetric(SymmetricSignatureVerifier),
}

impl From<AsymmetricSignatureVerifier> for SignatureVerifier {
    fn from(v: AsymmetricSignatureVerifier) -> Self {
        SignatureVerifier::Asymmetric(v)
    }
}

impl From<SymmetricSignatureVerifier> for SignatureVerifier {
    fn from(v: SymmetricSignatureVerifier) -> Self {
        SignatureVerifier::Symmetric(v)
    }
}

impl SignatureVerifier {
    /// The algorithms this verifier accepts.
    pub fn algorithms(&self) -> &[Algorithm] {
        match self {
            SignatureVerifier::Asymmetric(v) => v.allowed(),
            SignatureVerifier::Symmetric(_) => SymmetricSignatureVerifier::ALGORITHMS,
        }
    }

    /// The header's `alg`, if it is one this verifier accepts. The key type is never chosen
    /// from it: the verifier's own configuration decides.
    fn pinned_algorithm(&self, raw: &RawToken<'_>) -> Result<Algorithm, TokenValidationError> {
        let allowed = self.algorithms();
        match Algorithm::from_name(&raw.header.alg) {
            Some(alg) if allowed.contains(&alg) => Ok(alg),
            _ => Err(unsupported(allowed, &raw.header.alg)),
        }
    }

    pub(crate) async fn verify(&self, raw: &RawToken<'_>) -> Result<(), TokenValidationError> {
        let alg = self.pinned_algorithm(raw)?;
        match self {
            SignatureVerifier::Symmetric(s) => s.verify(raw, alg),
            SignatureVerifier::Asymmetric(a) => {
                let key = a.key_for(&raw.header, alg).await?;
                check(key.verify(alg, raw.message.as_bytes(), raw.signature), alg)
            }
        }
    }

    pub(crate) fn verify_blocking(
        &self,
        raw: &RawToken<'_>,
        runtime: &BlockingRuntime,
    ) -> Result<(), TokenValidationError> {
        let alg = self.pinned_algorithm(raw)?;
        match self {
            SignatureVerifier::Symmetric(s) => s.verify(raw, alg),
            SignatureVerifier::Asymmetric(a) => {
                let key = a.key_for_blocking(&raw.header, alg, runtime)?;
                check(key.verify(alg, raw.message.as_bytes(), raw.signature), alg)
            }
        }
    }
}

fn check(valid: bool, alg: Algorithm) -> Result<(), TokenValidationError> {
    if valid {
        Ok(())
    } else {
        Err(TokenValidationError::InvalidSignature { algorithm: alg })
    }
}
