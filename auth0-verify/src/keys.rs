//! Public keys read from a JWKS, parsed once and reused for every verification.
//!
//! Each key is parsed into aws-lc's own form ([`ParsedPublicKey`]) once per algorithm it may
//! verify, when the key set is fetched; verifying a signature then does no key parsing at all.

use std::sync::Arc;

use aws_lc_rs::signature::{self as sig, ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::Value;

use crate::algorithm::Algorithm;

/// The most usable keys kept of one key set; the others are skipped.
pub(crate) const MAX_KEYS: usize = 100;

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
    /// The key parsed for each allowed algorithm it may verify.
    parsed: Vec<(Algorithm, ParsedPublicKey)>,
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

    /// Verifies `signature` (base64url) over `message` with the key parsed for `alg`.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &str) -> bool {
        let Some((_, key)) = self.parsed.iter().find(|(a, _)| *a == alg) else {
            return false;
        };
        // An RSA-8192 signature is 1,024 bytes; ECDSA and smaller RSA keys' are shorter.
        let mut buffer = [0u8; 1024];
        let base64 = base64_simd::URL_SAFE_NO_PAD;
        let Ok(len) = base64.decoded_length(signature.as_bytes()) else {
            return false;
        };
        let Some(out) = buffer.get_mut(..len) else {
            return false;
        };
        match base64.decode(signature.as_bytes(), base64_simd::Out::from_slice(out)) {
            // The digest taken here, on the stack: verifying it costs aws-lc fewer allocations
            // than handing it the message to digest.
            Ok(bytes) => {
                let digest = aws_lc_rs::digest::digest(alg.digest(), message);
                key.verify_digest_sig(&digest, bytes).is_ok()
            }
            Err(_) => false,
        }
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
                } else if let [only] = self.keys.as_slice()
                    && only.kid.is_none()
                {
                    // The one key, which has no id (a PEM key given as text, say): the token's
                    // `kid` cannot name another.
                    Find::Found(only)
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
            if keys.len() >= MAX_KEYS {
                skipped.push((kid, format!("the set has more than {MAX_KEYS} usable keys")));
                continue;
            }
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

/// The algorithms a key set given as text is verified with by default: each key's `alg`, or
/// RS256 for an RSA key and ES256 / ES384 for an EC P-256 / P-384 key (RS256 when none fits).
pub(crate) fn algorithms_of(document: &[u8]) -> Result<Vec<Algorithm>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<Value>,
    }
    let set: Set = serde_json::from_slice(document)?;
    let mut algorithms = Vec::new();
    for jwk in &set.keys {
        let text = |name: &str| jwk.get(name).and_then(Value::as_str);
        let alg = match (text("alg"), text("kty"), text("crv")) {
            (Some(alg), _, _) => Algorithm::from_name(alg).filter(|a| !a.is_symmetric()),
            (None, Some("RSA"), _) => Some(Algorithm::RS256),
            (None, Some("EC"), Some("P-256")) => Some(Algorithm::ES256),
            (None, Some("EC"), Some("P-384")) => Some(Algorithm::ES384),
            _ => None,
        };
        if let Some(alg) = alg
            && !algorithms.contains(&alg)
        {
            algorithms.push(alg);
        }
    }
    if algorithms.is_empty() {
        algorithms.push(Algorithm::RS256);
    }
    Ok(algorithms)
}

/// The public JWK of a PEM public key or certificate (RSA, EC P-256 or P-384).
pub(crate) fn pem_to_jwk(pem: &str) -> Result<Value, String> {
    let label = pem
        .trim_start()
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.split_once("-----"))
        .map(|(label, _)| label)
        .ok_or("expected a PEM block (`-----BEGIN PUBLIC KEY-----`)")?;
    if label.contains("PRIVATE") {
        return Err(format!(
            "expected a public key or a certificate, found a private key ({:?}): give the public key only",
            label.chars().take(40).collect::<String>()
        ));
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes())
        && let Ok(der) = key.try_get_as_bytes()
        && let Some((n, e)) = rsa_public_key_der(der)
    {
        return Ok(serde_json::json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(without_leading_zeros(n)),
            "e": URL_SAFE_NO_PAD.encode(without_leading_zeros(e)),
        }));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(pem.as_bytes())
        && let Ok(point) = key.try_get_as_bytes()
    {
        let (crv, len) = match point.len() {
            65 => ("P-256", 32),
            97 => ("P-384", 48),
            other => {
                return Err(format!(
                    "expected an EC P-256 or P-384 key, found a {other}-byte point"
                ));
            }
        };
        if point[0] != 4 {
            return Err("expected an uncompressed EC point".to_owned());
        }
        return Ok(serde_json::json!({
            "kty": "EC",
            "crv": crv,
            "x": URL_SAFE_NO_PAD.encode(&point[1..=len]),
            "y": URL_SAFE_NO_PAD.encode(&point[1 + len..]),
        }));
    }
    Err(format!(
        "expected an RSA or EC public key in {:?}, found none that could be read",
        label.chars().take(40).collect::<String>()
    ))
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
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

pub(crate) fn parse_key(value: Value, allowed: &[Algorithm]) -> Result<Key, String> {
    let jwk: Jwk =
        serde_json::from_value(value.clone()).map_err(|e| format!("not a valid JWK: {e}"))?;
    if let Some(use_) = &jwk.use_
        && use_ != "sig"
    {
        return Err(format!("expected `use` \"sig\", found {use_:?}"));
    }
    // RFC 7517 4.3: a key whose operations are listed verifies only if `verify` is one.
    if let Some(ops) = &jwk.key_ops
        && !ops.iter().any(|op| op == "verify")
    {
        return Err(format!(
            "expected `key_ops` to include \"verify\", found {ops:?}"
        ));
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
    let material = match jwk.kty.as_str() {
        "RSA" => rsa_key(&jwk)?,
        "EC" => ec_key(&jwk)?,
        "oct" => return Err("symmetric keys are never taken from a JWKS".to_owned()),
        other => return Err(format!("expected `kty` \"RSA\" or \"EC\", found {other:?}")),
    };
    let key_type = material.key_type();
    // Parse once for every algorithm this key may verify: the verifier's allowed algorithms
    // that fit the key type and, when the JWK pins one, only that one.
    let mut parsed = Vec::new();
    for &a in allowed {
        if key_type.fits(a) && alg.is_none_or(|pinned| pinned == a) {
            parsed.push((a, material.parse(a)?));
        }
    }
    Ok(Key {
        kid: jwk.kid,
        key_type,
        alg,
        jwk: value,
        parsed,
    })
}

/// A public key's material, before it is parsed for an algorithm.
enum Material {
    /// Modulus and exponent, big-endian without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed point (`04 || x || y`).
    Ec { key_type: KeyType, point: Vec<u8> },
}

impl Material {
    fn key_type(&self) -> KeyType {
        match self {
            Material::Rsa { .. } => KeyType::Rsa,
            Material::Ec { key_type, .. } => *key_type,
        }
    }

    fn parse(&self, alg: Algorithm) -> Result<ParsedPublicKey, String> {
        let rejected =
            |e: aws_lc_rs::error::KeyRejected| format!("not a usable key for {alg}: {e}");
        match self {
            Material::Rsa { n, e } => {
                let params: &'static sig::RsaParameters = match alg {
                    Algorithm::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
                    Algorithm::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
                    Algorithm::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
                    Algorithm::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
                    _ => return Err(format!("expected a key for {alg}, found an RSA key")),
                };
                RsaPublicKeyComponents { n, e }
                    .to_parsed_public_key(params)
                    .map_err(rejected)
            }
            Material::Ec { point, .. } => {
                let params: &'static sig::EcdsaVerificationAlgorithm = match alg {
                    Algorithm::ES256 => &sig::ECDSA_P256_SHA256_FIXED,
                    Algorithm::ES384 => &sig::ECDSA_P384_SHA384_FIXED,
                    _ => return Err(format!("expected a key for {alg}, found an EC key")),
                };
                ParsedPublicKey::new(params, point).map_err(rejected)
            }
        }
    }
}

fn b64url(field: &str, value: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|e| format!("`{field}` is not base64url: {e}"))
}

fn rsa_key(jwk: &Jwk) -> Result<Material, String> {
    let (n, e) = match (&jwk.n, &jwk.e) {
        (Some(n), Some(e)) => (b64url("n", n)?, b64url("e", e)?),
        _ => match first_certificate(jwk)? {
            Some(pem) => {
                let key = DecodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| format!("`x5c` certificate has no usable RSA key: {e}"))?;
                let der = key
                    .try_get_as_bytes()
                    .map_err(|e| format!("`x5c` certificate has no usable RSA key: {e}"))?;
                let (n, e) = rsa_public_key_der(der).ok_or_else(|| {
                    "`x5c` certificate has no usable RSA key: not an RSAPublicKey".to_owned()
                })?;
                (n.to_vec(), e.to_vec())
            }
            None => return Err("expected `n` and `e` (or `x5c`), found neither".to_owned()),
        },
    };
    let n = without_leading_zeros(&n);
    let e = without_leading_zeros(&e);
    let bits = match n.first() {
        Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    };
    if bits < 2048 {
        return Err(format!(
            "expected an RSA modulus of at least 2048 bits, found {bits}"
        ));
    }
    if e.is_empty() {
        return Err("expected a non-zero RSA exponent".to_owned());
    }
    Ok(Material::Rsa {
        n: n.to_vec(),
        e: e.to_vec(),
    })
}

fn without_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// The modulus and exponent of a DER `RSAPublicKey` (RFC 8017: a SEQUENCE of two INTEGERs).
fn rsa_public_key_der(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (0x30, body, []) = der_element(der)? else {
        return None;
    };
    let (0x02, n, rest) = der_element(body)? else {
        return None;
    };
    let (0x02, e, []) = der_element(rest)? else {
        return None;
    };
    Some((n, e))
}

/// One DER element: its tag, its contents and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn ec_key(jwk: &Jwk) -> Result<Material, String> {
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
            Ok(Material::Ec { key_type, point })
        }
        _ => match first_certificate(jwk)? {
            Some(pem) => {
                let key = DecodingKey::from_ec_pem(pem.as_bytes())
                    .map_err(|e| format!("`x5c` certificate has no usable EC key: {e}"))?;
                let point = key
                    .try_get_as_bytes()
                    .map_err(|e| format!("`x5c` certificate has no usable EC key: {e}"))?;
                if point.len() != 1 + 2 * len || point[0] != 4 {
                    return Err(format!(
                        "`x5c` certificate: expected an uncompressed {}-byte point, found {} bytes",
                        1 + 2 * len,
                        point.len()
                    ));
                }
                Ok(Material::Ec {
                    key_type,
                    point: point.to_vec(),
                })
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_rsa_public_key() {
        // SEQUENCE { INTEGER 0x00c3, INTEGER 0x010001 }
        let der = [
            0x30, 0x09, 0x02, 0x02, 0x00, 0xc3, 0x02, 0x03, 0x01, 0x00, 0x01,
        ];
        assert_eq!(
            rsa_public_key_der(&der),
            Some((&[0x00, 0xc3][..], &[0x01, 0x00, 0x01][..]))
        );
        // Truncated, trailing bytes, wrong tags, absurd lengths.
        assert_eq!(rsa_public_key_der(&der[..10]), None);
        assert_eq!(rsa_public_key_der(&[&der[..], &[0]].concat()), None);
        assert_eq!(rsa_public_key_der(&[0x31, 0x00]), None);
        assert_eq!(
            rsa_public_key_der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(rsa_public_key_der(&[0x30, 0x80]), None);
        assert_eq!(rsa_public_key_der(&[]), None);
    }

    #[test]
    fn modulus_bits_are_counted_exactly() {
        let jwk = |n: Vec<u8>| Jwk {
            kty: "RSA".to_owned(),
            kid: None,
            use_: None,
            key_ops: None,
            alg: None,
            n: Some(URL_SAFE_NO_PAD.encode(n)),
            e: Some("AQAB".to_owned()),
            crv: None,
            x: None,
            y: None,
            x5c: None,
        };
        // 2047 bits in 256 bytes is too small; a leading zero byte does not count.
        let mut n = vec![0xff; 256];
        n[0] = 0x7f;
        let err = rsa_key(&jwk(n)).err().unwrap();
        assert!(err.contains("found 2047"), "{err}");
        let mut n = vec![0u8];
        n.extend([0xff; 256]);
        assert!(rsa_key(&jwk(n)).is_ok());
    }
}
