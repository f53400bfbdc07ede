//! Public keys read from a JWKS, parsed once and reused for every verification.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::Value;

use crate::algorithm::Algorithm;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    EcP256,
    EcP384,
}

impl KeyType {
    fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "an RSA key",
            KeyType::EcP256 => "an EC P-256 key",
            KeyType::EcP384 => "an EC P-384 key",
        }
    }

    fn fits(self, alg: Algorithm) -> bool {
        match self {
            KeyType::Rsa => matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ),
            KeyType::EcP256 => alg == Algorithm::ES256,
            KeyType::EcP384 => alg == Algorithm::ES384,
        }
    }
}

/// One usable signing key of a JWKS.
pub(crate) struct Key {
    pub(crate) kid: Option<String>,
    key_type: KeyType,
    /// The JWK's own `alg`, when it pins one.
    alg: Option<Algorithm>,
    /// The JWK as published, to recognise an unchanged key after a refetch.
    jwk: Value,
    decoding: DecodingKey,
}

impl Key {
    /// Whether this key may verify a token signed with `alg`; the reason when not.
    pub(crate) fn check_algorithm(&self, alg: Algorithm) -> Result<(), String> {
        if !self.key_type.fits(alg) {
            return Err(format!(
                "expected a key for {alg}, found {}",
                self.key_type.name()
            ));
        }
        match self.alg {
            Some(pinned) if pinned != alg => Err(format!(
                "expected a key for {alg}, found a key pinned to {pinned}"
            )),
            _ => Ok(()),
        }
    }

    /// Verifies `signature` (base64url) over `message`.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &str) -> bool {
        jsonwebtoken::crypto::verify(signature, message, &self.decoding, alg.to_jwt())
            .unwrap_or(false)
    }
}

/// The usable keys of one fetched JWKS, and why the others were skipped.
pub(crate) struct KeySet {
    pub(crate) keys: Vec<Arc<Key>>,
    pub(crate) skipped: Vec<(Option<String>, String)>,
}

pub(crate) enum Find<'a> {
    Found(&'a Arc<Key>),
    Skipped(&'a str),
    Missing,
    /// The token has no `kid` and the set does not have exactly one key.
    Ambiguous,
}

impl KeySet {
    pub(crate) fn find(&self, kid: Option<&str>) -> Find<'_> {
        match kid {
            Some(kid) => {
                if let Some(key) = self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
                    Find::Found(key)
                } else if let Some((_, reason)) =
                    self.skipped.iter().find(|(k, _)| k.as_deref() == Some(kid))
                {
                    Find::Skipped(reason)
                } else {
                    Find::Missing
                }
            }
            None if self.keys.len() == 1 => Find::Found(&self.keys[0]),
            None => Find::Ambiguous,
        }
    }

    pub(crate) fn kids(&self) -> String {
        let kids: Vec<String> = self
            .keys
            .iter()
            .map(|k| match &k.kid {
                Some(kid) => format!("{kid:?}"),
                None => "(no kid)".to_owned(),
            })
            .collect();
        format!("[{}]", kids.join(", "))
    }

    pub(crate) fn skipped_summary(&self) -> String {
        if self.skipped.is_empty() {
            return "the set is empty".to_owned();
        }
        let parts: Vec<String> = self
            .skipped
            .iter()
            .map(|(kid, reason)| format!("{}: {reason}", kid.as_deref().unwrap_or("(no kid)")))
            .collect();
        parts.join("; ")
    }

    /// Parses a JWKS body. Keys that cannot be used are skipped with a reason; keys that are
    /// unchanged since `previous` keep their parsed form.
    pub(crate) fn parse(
        body: &[u8],
        allowed: &[Algorithm],
        previous: Option<&KeySet>,
    ) -> Result<KeySet, serde_json::Error> {
        #[derive(Deserialize)]
        struct Set {
            keys: Vec<Value>,
        }
        let set: Set = serde_json::from_slice(body)?;
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for jwk in set.keys {
            let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
            if let Some(old) = previous.and_then(|p| p.keys.iter().find(|k| k.jwk == jwk)) {
                keys.push(Arc::clone(old));
                continue;
            }
            match parse_key(jwk, allowed) {
                Ok(key) => keys.push(Arc::new(key)),
                Err(reason) => skipped.push((kid, reason)),
            }
        }
        Ok(KeySet { keys, skipped })
    }
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    x5c: Option<Vec<String>>,
}

fn parse_key(value: Value, allowed: &[Algorithm]) -> Result<Key, String> {
    let jwk: Jwk =
        serde_json::from_value(value.clone()).map_err(|e| format!("not a valid JWK: {e}"))?;
    if let Some(use_) = &jwk.use_
        && use_ != "sig"
    {
        return Err(format!("expected `use` \"sig\", found {use_:?}"));
    }
    let alg = match &jwk.alg {
        None => None,
        Some(name) => match Algorithm::from_name(name) {
            Some(a) if allowed.contains(&a) => Some(a),
            _ => {
                return Err(format!(
                    "expected `alg` one of {}, found {name:?}",
                    crate::algorithm::list(allowed)
                ));
            }
        },
    };
    let (key_type, decoding) = match jwk.kty.as_str() {
        "RSA" => (KeyType::Rsa, rsa_key(&jwk)?),
        "EC" => ec_key(&jwk)?,
        "oct" => return Err("symmetric keys are never taken from a JWKS".to_owned()),
        other => return Err(format!("expected `kty` \"RSA\" or \"EC\", found {other:?}")),
    };
    Ok(Key {
        kid: jwk.kid,
        key_type,
        alg,
        jwk: value,
        decoding,
    })
}

fn b64url(field: &str, value: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|e| format!("`{field}` is not base64url: {e}"))
}

fn rsa_key(jwk: &Jwk) -> Result<DecodingKey, String> {
    match (&jwk.n, &jwk.e) {
        (Some(n), Some(e)) => {
            let n = b64url("n", n)?;
            let e = b64url("e", e)?;
            let first = n.iter().position(|&b| b != 0).unwrap_or(n.len());
            let bits = (n.len() - first) * 8;
            if bits < 2048 {
                return Err(format!(
                    "expected an RSA modulus of at least 2048 bits, found {bits}"
                ));
            }
            Ok(DecodingKey::from_rsa_raw_components(&n, &e))
        }
        _ => match first_certificate(jwk)? {
            Some(pem) => DecodingKey::from_rsa_pem(pem.as_bytes())
                .map_err(|e| format!("`x5c` certificate has no usable RSA key: {e}")),
            None => Err("expected `n` and `e` (or `x5c`), found neither".to_owned()),
        },
    }
}

fn ec_key(jwk: &Jwk) -> Result<(KeyType, DecodingKey), String> {
    let (key_type, len) = match jwk.crv.as_deref() {
        Some("P-256") => (KeyType::EcP256, 32),
        Some("P-384") => (KeyType::EcP384, 48),
        other => {
            return Err(format!(
                "expected `crv` \"P-256\" or \"P-384\", found {other:?}"
            ));
        }
    };
    match (&jwk.x, &jwk.y) {
        (Some(x), Some(y)) => {
            let x = b64url("x", x)?;
            let y = b64url("y", y)?;
            if x.len() != len || y.len() != len {
                return Err(format!(
                    "expected {len}-byte `x` and `y`, found {} and {}",
                    x.len(),
                    y.len()
                ));
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            Ok((key_type, DecodingKey::from_ec_der(&point)))
        }
        _ => match first_certificate(jwk)? {
            Some(pem) => DecodingKey::from_ec_pem(pem.as_bytes())
                .map(|k| (key_type, k))
                .map_err(|e| format!("`x5c` certificate has no usable EC key: {e}")),
            None => Err("expected `x` and `y` (or `x5c`), found neither".to_owned()),
        },
    }
}

/// The first `x5c` certificate as PEM. The chain is not validated: the JWKS is trusted as
/// fetched over HTTPS, and only the certificate's public key is used.
fn first_certificate(jwk: &Jwk) -> Result<Option<String>, String> {
    let Some(cert) = jwk.x5c.as_ref().and_then(|c| c.first()) else {
        return Ok(None);
    };
    let der = STANDARD
        .decode(cert)
        .map_err(|e| format!("`x5c` is not base64: {e}"))?;
    let b64 = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    Ok(Some(pem))
}
