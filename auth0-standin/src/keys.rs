//! The tenant's signing key: an RSA key (one per process, or one per start), its JWKS entry,
//! signing and checking.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Error;

/// An RS256 key pair with its key id.
pub(crate) struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
    public_pem: String,
}

/// Why a token was refused, worded as the stand-in reports it.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// `exp` is in the past.
    Expired,
    /// `aud` does not name the expected audience.
    Audience,
    /// Anything else: bad signature, unknown key, wrong issuer, malformed token.
    Invalid(&'static str),
}

impl SigningKey {
    /// Generates a 2048-bit RSA key.
    pub(crate) fn generate() -> Result<Self, Error> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| Error::KeyGeneration("RSA key generation failed".into()))?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| Error::KeyGeneration("the RSA key could not be encoded".into()))?;
        let pem = to_pem("PRIVATE KEY", pkcs8.as_ref());
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| Error::KeyGeneration(format!("the RSA key was not accepted: {e}")))?;
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
        let spki = public
            .as_der()
            .map_err(|_| Error::KeyGeneration("the RSA public key could not be encoded".into()))?;
        let public_pem = to_pem("PUBLIC KEY", spki.as_ref());
        // The key id is derived from the modulus, as a thumbprint would be.
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&n)[..16]);
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&n),
            "e": URL_SAFE_NO_PAD.encode(&e),
        });
        Ok(SigningKey {
            kid,
            encoding,
            decoding,
            jwk,
            public_pem,
        })
    }

    /// The public key as PEM text (`-----BEGIN PUBLIC KEY-----`).
    pub(crate) fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// The public key as a JWKS entry.
    pub(crate) fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// Signs `claims` as an RS256 JWT carrying this key's `kid`.
    pub(crate) fn sign(&self, claims: &Value) -> Result<String, Error> {
        self.sign_typed(claims, "JWT")
    }

    /// Signs `claims` as an RS256 JWT of the media type `typ` (`logout+jwt`, …).
    pub(crate) fn sign_typed(&self, claims: &Value, typ: &str) -> Result<String, Error> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| Error::Signing(e.to_string()))
    }

    /// Checks a token this key signed for `issuer`, whatever its audience and even expired
    /// (an `id_token_hint`); returns the claims.
    pub(crate) fn check_hint(&self, token: &str, issuer: &str) -> Result<Value, Refusal> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| Refusal::Invalid("Invalid token"))?;
        if header.alg != Algorithm::RS256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(Refusal::Invalid("Invalid token: not signed by this tenant"));
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["iss", "aud", "sub"]);
        jsonwebtoken::decode::<Value>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| Refusal::Invalid("Invalid token"))
    }

    /// Checks the signature, `kid`, `iss`, `exp` and that `aud` contains `audience`; returns
    /// the claims.
    pub(crate) fn check(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<Value, Refusal> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| Refusal::Invalid("Invalid token"))?;
        if header.alg != Algorithm::RS256 {
            return Err(Refusal::Invalid(
                "Invalid token: the algorithm is not RS256",
            ));
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(Refusal::Invalid("Invalid token: unknown signing key"));
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        match jsonwebtoken::decode::<Value>(token, &self.decoding, &validation) {
            Ok(data) => Ok(data.claims),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => Refusal::Expired,
                ErrorKind::InvalidAudience => Refusal::Audience,
                ErrorKind::InvalidSignature => Refusal::Invalid("Invalid token: bad signature"),
                ErrorKind::InvalidIssuer => Refusal::Invalid("Invalid token: wrong issuer"),
                ErrorKind::ImmatureSignature => Refusal::Invalid("Invalid token: not yet valid"),
                _ => Refusal::Invalid("Invalid token"),
            }),
        }
    }
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}
