//! Sealed cookie values: JWE compact serialization with `alg` `dir` and `enc` `A256GCM`
//! (RFC 7516, RFC 7518), the key derived from each cookie secret with HKDF-SHA256.
//!
//! Several secrets can be configured: the first seals, every one opens (rotation). Each key
//! has a key id derived from it (`kid`, also by HKDF, so it tells nothing of the key), and the
//! protected header of each key is computed once: a value is opened by the key whose header it
//! carries, byte for byte, so no JSON is read and no key is tried in vain.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::error::Unspecified;
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Prk, Salt};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::CookieSecret;

/// The length of an AES-256-GCM tag.
const TAG_LEN: usize = 16;

/// The shortest secret accepted, in bytes.
pub(crate) const MIN_SECRET_LEN: usize = 32;

/// What a key is for: each purpose has its own keys, so that a value sealed for one (a login
/// transaction) never opens as another (a session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Session,
    Transaction,
}

impl Purpose {
    fn info(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"auth0-rust web session cookie, A256GCM",
            Purpose::Transaction => b"auth0-rust web login transaction cookie, A256GCM",
        }
    }

    fn kid_info(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"auth0-rust web session cookie, key id",
            Purpose::Transaction => b"auth0-rust web login transaction cookie, key id",
        }
    }
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand of `prk` with `info` into `out`.
fn expand(prk: &Prk, info: &[u8], out: &mut [u8]) -> Result<(), Unspecified> {
    let info = [info];
    prk.expand(&info, Len(out.len()))?.fill(out)
}

/// One key: its encoded protected header and the AEAD key.
struct SealKey {
    /// `BASE64URL(UTF8({"alg":"dir","enc":"A256GCM","kid":…}))`, the JWE's first part and
    /// its additional authenticated data.
    header: String,
    key: LessSafeKey,
}

/// The keys of one purpose: the first seals, all open.
pub(crate) struct Sealer {
    keys: Vec<SealKey>,
}

/// Why a value did not open (for debug logs: never a value or a key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Not five parts, or an encrypted key where `dir` has none.
    Malformed,
    /// A protected header none of the keys has: another key, another algorithm, or altered.
    UnknownKey,
    /// A part that is not canonical base64url, or an IV or tag of the wrong length.
    Encoding,
    /// The tag does not match: altered, or sealed by another key with the same key id.
    Decrypt,
}

impl OpenError {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            OpenError::Malformed => "not a JWE in compact form with direct encryption",
            OpenError::UnknownKey => {
                "sealed with a key or algorithm this application does not have"
            }
            OpenError::Encoding => "a part is not base64url of the right length",
            OpenError::Decrypt => "it does not decrypt (altered, or another key)",
        }
    }
}

impl Sealer {
    /// Derives the keys of `purpose` from `secrets` (at least one; each at least
    /// [`MIN_SECRET_LEN`] bytes, checked by the builder).
    pub(crate) fn new(secrets: &[CookieSecret], purpose: Purpose) -> Sealer {
        let salt = Salt::new(HKDF_SHA256, &[]);
        let keys = secrets
            .iter()
            .map(|secret| {
                let prk = salt.extract(secret.expose_secret());
                let mut key = [0u8; 32];
                let mut kid = [0u8; 9];
                // Expanding 32 or 9 bytes from SHA-256 cannot fail (the limit is 255 * 32).
                let derived = expand(&prk, purpose.info(), &mut key)
                    .and_then(|()| expand(&prk, purpose.kid_info(), &mut kid))
                    .and_then(|()| UnboundKey::new(&AES_256_GCM, &key));
                key.fill(0);
                let unbound = match derived {
                    Ok(k) => k,
                    Err(_) => unreachable!("HKDF-SHA256 expands 32 bytes and AES-256 takes them"),
                };
                let json = format!(
                    r#"{{"alg":"dir","enc":"A256GCM","kid":"{}"}}"#,
                    URL_SAFE_NO_PAD.encode(kid)
                );
                SealKey {
                    header: URL_SAFE_NO_PAD.encode(json),
                    key: LessSafeKey::new(unbound),
                }
            })
            .collect();
        Sealer { keys }
    }

    /// Seals `plaintext` with the first key: `header..iv.ciphertext.tag`.
    pub(crate) fn seal(&self, plaintext: &[u8]) -> String {
        let key = &self.keys[0];
        let mut iv = [0u8; NONCE_LEN];
        crate::web::random_bytes(&mut iv);
        let mut buffer = plaintext.to_vec();
        let tag = match key.key.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(key.header.as_bytes()),
            &mut buffer,
        ) {
            Ok(tag) => tag,
            Err(_) => unreachable!("AES-256-GCM seals any plaintext shorter than 64 GiB"),
        };
        let b64 = |n: usize| n.div_ceil(3) * 4;
        let mut out = String::with_capacity(
            key.header.len() + 4 + b64(NONCE_LEN) + b64(buffer.len()) + b64(TAG_LEN),
        );
        out.push_str(&key.header);
        out.push_str("..");
        URL_SAFE_NO_PAD.encode_string(iv, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&buffer, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut out);
        out
    }

    /// Opens a value sealed by any of the keys.
    pub(crate) fn open(&self, value: &str) -> Result<Vec<u8>, OpenError> {
        let mut parts = value.split('.');
        let (Some(header), Some(encrypted_key), Some(iv), Some(ciphertext), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(OpenError::Malformed);
        };
        if !encrypted_key.is_empty() {
            return Err(OpenError::Malformed);
        }
        let key = self
            .keys
            .iter()
            .find(|k| k.header == header)
            .ok_or(OpenError::UnknownKey)?;
        let mut nonce = [0u8; NONCE_LEN];
        if URL_SAFE_NO_PAD.decode_slice(iv, &mut nonce) != Ok(NONCE_LEN) {
            return Err(OpenError::Encoding);
        }
        let mut tag_bytes = [0u8; TAG_LEN];
        if URL_SAFE_NO_PAD.decode_slice(tag, &mut tag_bytes) != Ok(TAG_LEN) {
            return Err(OpenError::Encoding);
        }
        let mut buffer = Vec::with_capacity(ciphertext.len() / 4 * 3 + 3 + TAG_LEN);
        URL_SAFE_NO_PAD
            .decode_vec(ciphertext, &mut buffer)
            .map_err(|_| OpenError::Encoding)?;
        buffer.extend_from_slice(&tag_bytes);
        let len = key
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(header.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| OpenError::Decrypt)?
            .len();
        buffer.truncate(len);
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> CookieSecret {
        CookieSecret::new(s)
    }

    const A: &str = "a long cookie secret of at least 32 bytes";
    const B: &str = "another cookie secret, also 32 bytes or more";

    #[test]
    fn a_sealed_value_is_a_compact_jwe_with_direct_a256gcm() {
        let sealer = Sealer::new(&[secret(A)], Purpose::Session);
        let jwe = sealer.seal(b"hello");
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[1], "", "dir has no encrypted key");
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "dir");
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["kid"].as_str().unwrap().len(), 12);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), NONCE_LEN);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[3]).unwrap().len(), 5);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[4]).unwrap().len(), TAG_LEN);
        assert_eq!(sealer.open(&jwe).unwrap(), b"hello");
    }

    #[test]
    fn the_key_is_hkdf_sha256_of_the_secret() {
        // The same derivation written out: HKDF-SHA256 (RFC 5869) with an empty salt.
        use aws_lc_rs::hmac;
        let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &[0u8; 32]), A.as_bytes());
        let prk = hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref());
        let mut t1 = Purpose::Session.info().to_vec();
        t1.push(1);
        let okm = hmac::sign(&prk, &t1);
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, okm.as_ref()).unwrap());

        let sealer = Sealer::new(&[secret(A)], Purpose::Session);
        let jwe = sealer.seal(b"derived");
        let parts: Vec<&str> = jwe.split('.').collect();
        let iv: [u8; NONCE_LEN] = URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap()
            .try_into()
            .unwrap();
        let mut buffer = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
        buffer.extend(URL_SAFE_NO_PAD.decode(parts[4]).unwrap());
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(iv),
                Aad::from(parts[0].as_bytes()),
                &mut buffer,
            )
            .unwrap();
        assert_eq!(plain, b"derived");
    }

    #[test]
    fn each_seal_has_a_fresh_iv() {
        let sealer = Sealer::new(&[secret(A)], Purpose::Session);
        assert_ne!(sealer.seal(b"same"), sealer.seal(b"same"));
    }

    #[test]
    fn purposes_have_separate_keys() {
        let session = Sealer::new(&[secret(A)], Purpose::Session);
        let txn = Sealer::new(&[secret(A)], Purpose::Transaction);
        assert_eq!(
            txn.open(&session.seal(b"x")).unwrap_err(),
            OpenError::UnknownKey
        );
    }

    #[test]
    fn rotation_seals_with_the_first_secret_and_opens_with_any() {
        let old = Sealer::new(&[secret(A)], Purpose::Session);
        let rotated = Sealer::new(&[secret(B), secret(A)], Purpose::Session);
        let sealed_before = old.seal(b"old session");
        assert_eq!(rotated.open(&sealed_before).unwrap(), b"old session");
        let sealed_after = rotated.seal(b"new session");
        assert_eq!(
            old.open(&sealed_after).unwrap_err(),
            OpenError::UnknownKey,
            "the new value is sealed with the new secret"
        );
        let retired = Sealer::new(&[secret(B)], Purpose::Session);
        assert_eq!(retired.open(&sealed_after).unwrap(), b"new session");
        assert_eq!(
            retired.open(&sealed_before).unwrap_err(),
            OpenError::UnknownKey
        );
    }

    proptest::proptest! {
        #[test]
        fn any_plaintext_round_trips(plain in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000)) {
            let sealer = Sealer::new(&[secret(A)], Purpose::Session);
            proptest::prop_assert_eq!(sealer.open(&sealer.seal(&plain)).unwrap(), plain);
        }

        #[test]
        fn any_changed_byte_fails(
            plain in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            to in 0x21u8..0x7f,
        ) {
            let sealer = Sealer::new(&[secret(A)], Purpose::Session);
            let mut jwe = sealer.seal(&plain).into_bytes();
            let i = at.index(jwe.len());
            proptest::prop_assume!(jwe[i] != to);
            jwe[i] = to;
            let altered = String::from_utf8(jwe).unwrap();
            proptest::prop_assert!(sealer.open(&altered).is_err());
        }

        #[test]
        fn any_truncation_or_extension_fails(
            plain in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..300),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
            extra in "[A-Za-z0-9_.-]{1,4}",
        ) {
            let sealer = Sealer::new(&[secret(A)], Purpose::Session);
            let jwe = sealer.seal(&plain);
            let n = cut.index(jwe.len());
            proptest::prop_assert!(sealer.open(&jwe[..n]).is_err());
            let longer = format!("{jwe}{extra}");
            proptest::prop_assert!(sealer.open(&longer).is_err());
        }
    }

    #[test]
    fn malformed_values_are_refused() {
        let sealer = Sealer::new(&[secret(A)], Purpose::Session);
        let jwe = sealer.seal(b"x");
        for bad in [
            "",
            "a.b.c.d",
            "a.b.c.d.e.f",
            &jwe.replacen("..", ".AAAA.", 1),
            &format!("{jwe}."),
        ] {
            assert!(sealer.open(bad).is_err(), "{bad:?}");
        }
    }
}
