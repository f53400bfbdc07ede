//! A token's payload read into typed claims in one pass: the standard claims its kind names
//! as typed fields, every other member into `extra`. No intermediate map of every member is
//! built, and member names are borrowed from the decoded text while they are matched.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::claims::describe;
use crate::error::TokenValidationError;
use crate::jwt::{Kind, RawToken};

/// A standard claim as read: absent (`Ok(None)`), its value, or the error naming the claim
/// and what was found instead. Errors are returned in each kind's fixed order of claims, so
/// that a token with several wrongly typed claims always fails on the same one.
pub(crate) type Claim<T> = Result<Option<T>, TokenValidationError>;

/// The claims of a payload, typed as its token kind reads them. A member a kind does not read
/// as typed (`nonce` of an access token, `jti` of an ID token) is in `extra`.
pub(crate) struct Claims {
    pub(crate) iss: Claim<String>,
    pub(crate) sub: Claim<String>,
    /// A string or an array of strings.
    pub(crate) aud: Claim<Vec<String>>,
    pub(crate) exp: Claim<i64>,
    pub(crate) iat: Claim<i64>,
    /// ID and access tokens.
    pub(crate) nbf: Claim<i64>,
    /// ID tokens.
    pub(crate) auth_time: Claim<i64>,
    /// ID tokens.
    pub(crate) nonce: Claim<String>,
    /// ID and access tokens.
    pub(crate) azp: Claim<String>,
    /// Access tokens.
    pub(crate) scope: Claim<String>,
    /// Access tokens.
    pub(crate) permissions: Claim<Vec<String>>,
    /// ID and access tokens.
    pub(crate) org_id: Claim<String>,
    /// ID and access tokens.
    pub(crate) org_name: Claim<String>,
    /// Logout tokens.
    pub(crate) jti: Claim<String>,
    /// Logout tokens.
    pub(crate) sid: Claim<String>,
    /// Logout tokens: the `events` member as sent.
    pub(crate) events: Option<Value>,
    /// Every other member.
    pub(crate) extra: Map<String, Value>,
}

impl Default for Claims {
    fn default() -> Self {
        Claims {
            iss: Ok(None),
            sub: Ok(None),
            aud: Ok(None),
            exp: Ok(None),
            iat: Ok(None),
            nbf: Ok(None),
            auth_time: Ok(None),
            nonce: Ok(None),
            azp: Ok(None),
            scope: Ok(None),
            permissions: Ok(None),
            org_id: Ok(None),
            org_name: Ok(None),
            jti: Ok(None),
            sid: Ok(None),
            events: None,
            extra: Map::new(),
        }
    }
}

/// A token's decoded payload: its JSON text (kept so that a caller's own claims type can be
/// read from it) and its claims.
pub(crate) struct Payload {
    pub(crate) bytes: Vec<u8>,
    pub(crate) claims: Claims,
}

impl Payload {
    /// Decodes the payload of `raw` and reads its claims as `kind` does. Before the signature
    /// is verified, only to choose the keys by `iss`.
    pub(crate) fn read(raw: &RawToken<'_>, kind: Kind) -> Result<Self, TokenValidationError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.payload)
            .map_err(|e| TokenValidationError::malformed_by("payload is not base64url", e))?;
        let claims = read_claims(&bytes, kind)
            .map_err(|e| TokenValidationError::malformed_by("payload is not a JSON object", e))?;
        Ok(Payload { bytes, claims })
    }

    /// The `iss` claim, when it is a string.
    pub(crate) fn issuer(&self) -> Option<&str> {
        match &self.claims.iss {
            Ok(Some(iss)) => Some(iss),
            _ => None,
        }
    }
}

/// Reads the claims from the JSON text `bytes`, checked as UTF-8 once as a whole (faster than
/// string by string, as a reader of bytes does).
fn read_claims(bytes: &[u8], kind: Kind) -> Result<Claims, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(ReadError::Utf8)?;
    let mut json = serde_json::Deserializer::from_str(text);
    let claims = Reader(kind)
        .deserialize(&mut json)
        .map_err(ReadError::Json)?;
    json.end().map_err(ReadError::Json)?;
    Ok(claims)
}

/// Why a payload could not be read.
#[derive(Debug)]
enum ReadError {
    Utf8(std::str::Utf8Error),
    Json(serde_json::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Utf8(e) => write!(f, "not UTF-8: {e}"),
            ReadError::Json(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {}

/// The standard claims, by the member that holds them.
#[derive(Clone, Copy)]
enum Claimed {
    Iss,
    Sub,
    Aud,
    Exp,
    Iat,
    Nbf,
    AuthTime,
    Nonce,
    Azp,
    Scope,
    Permissions,
    OrganizationId,
    OrganizationName,
    Jti,
    Sid,
    Events,
}

impl Claimed {
    /// The typed claim `member` is for tokens of `kind`, if any.
    fn of(kind: Kind, member: &str) -> Option<Claimed> {
        let name = match member {
            "iss" => Claimed::Iss,
            "sub" => Claimed::Sub,
            "aud" => Claimed::Aud,
            "exp" => Claimed::Exp,
            "iat" => Claimed::Iat,
            "nbf" => Claimed::Nbf,
            "auth_time" => Claimed::AuthTime,
            "nonce" => Claimed::Nonce,
            "azp" => Claimed::Azp,
            "scope" => Claimed::Scope,
            "permissions" => Claimed::Permissions,
            "org_id" => Claimed::OrganizationId,
            "org_name" => Claimed::OrganizationName,
            "jti" => Claimed::Jti,
            "sid" => Claimed::Sid,
            "events" => Claimed::Events,
            _ => return None,
        };
        let read = matches!(
            (kind, name),
            (
                _,
                Claimed::Iss | Claimed::Sub | Claimed::Aud | Claimed::Exp | Claimed::Iat
            ) | (
                Kind::Id | Kind::Access,
                Claimed::Nbf | Claimed::Azp | Claimed::OrganizationId | Claimed::OrganizationName
            ) | (Kind::Id, Claimed::AuthTime | Claimed::Nonce)
                | (Kind::Access, Claimed::Scope | Claimed::Permissions)
                | (Kind::Logout, Claimed::Jti | Claimed::Sid | Claimed::Events)
        );
        read.then_some(name)
    }
}

/// Reads the payload's object member by member.
struct Reader(Kind);

impl<'de> DeserializeSeed<'de> for Reader {
    type Value = Claims;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Claims, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Reader {
    type Value = Claims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
        let mut c = Claims::default();
        while let Some(Member(member)) = map.next_key::<Member<'de>>()? {
            let Some(name) = Claimed::of(self.0, &member) else {
                let value = map.next_value::<Value>()?;
                c.extra.insert(member.into_owned(), value);
                continue;
            };
            let value = map.next_value::<Value>()?;
            match name {
                Claimed::Iss => c.iss = string("iss", value),
                Claimed::Sub => c.sub = string("sub", value),
                Claimed::Aud => c.aud = string_or_array("aud", value),
                Claimed::Exp => c.exp = date("exp", value),
                Claimed::Iat => c.iat = date("iat", value),
                Claimed::Nbf => c.nbf = date("nbf", value),
                Claimed::AuthTime => c.auth_time = date("auth_time", value),
                Claimed::Nonce => c.nonce = string("nonce", value),
                Claimed::Azp => c.azp = string("azp", value),
                Claimed::Scope => c.scope = string("scope", value),
                Claimed::Permissions => c.permissions = array("permissions", value),
                Claimed::OrganizationId => c.org_id = string("org_id", value),
                Claimed::OrganizationName => c.org_name = string("org_name", value),
                Claimed::Jti => c.jti = string("jti", value),
                Claimed::Sid => c.sid = string("sid", value),
                Claimed::Events => c.events = Some(value),
            }
        }
        Ok(c)
    }
}

/// A member's name, borrowed from the text when it has no escapes.
struct Member<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Member<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl<'de> Visitor<'de> for Name {
            type Value = Member<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Member<'de>, E> {
                Ok(Member(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Member<'de>, E> {
                Ok(Member(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Member<'de>, E> {
                Ok(Member(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Name)
    }
}

fn wrong_type(claim: &str, expected: &'static str, v: &Value) -> TokenValidationError {
    TokenValidationError::InvalidClaimType {
        claim: claim.to_owned(),
        expected,
        found: describe(v),
    }
}

/// A string claim.
pub(crate) fn string(claim: &str, value: Value) -> Claim<String> {
    match value {
        Value::String(s) => Ok(Some(s)),
        v => Err(wrong_type(claim, "a string", &v)),
    }
}

/// A NumericDate claim: an integer or a finite number of seconds (fractions truncated toward
/// the past; beyond the range of `i64`, its bound).
pub(crate) fn date(claim: &str, value: Value) -> Claim<i64> {
    if let Value::Number(n) = &value {
        if let Some(i) = n.as_i64() {
            return Ok(Some(i));
        }
        if n.as_u64().is_some() {
            return Ok(Some(i64::MAX));
        }
        if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
            // `as` saturates at the i64 bounds.
            return Ok(Some(f.floor() as i64));
        }
    }
    Err(wrong_type(claim, "a number of seconds", &value))
}

/// An `aud`-like claim: a string or an array of strings.
pub(crate) fn string_or_array(claim: &str, value: Value) -> Claim<Vec<String>> {
    const EXPECTED: &str = "a string or an array of strings";
    match value {
        Value::String(s) => Ok(Some(vec![s])),
        Value::Array(items) => strings(claim, EXPECTED, items),
        v => Err(wrong_type(claim, EXPECTED, &v)),
    }
}

/// An array-of-strings claim.
pub(crate) fn array(claim: &str, value: Value) -> Claim<Vec<String>> {
    const EXPECTED: &str = "an array of strings";
    match value {
        Value::Array(items) => strings(claim, EXPECTED, items),
        v => Err(wrong_type(claim, EXPECTED, &v)),
    }
}

fn strings(claim: &str, expected: &'static str, items: Vec<Value>) -> Claim<Vec<String>> {
    if !items.iter().all(Value::is_string) {
        return Err(wrong_type(claim, expected, &Value::Array(items)));
    }
    Ok(Some(
        items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(kind: Kind, v: Value) -> Claims {
        read_claims(v.to_string().as_bytes(), kind).unwrap()
    }

    #[test]
    fn dates_accept_integers_and_floats_and_reject_other_types() {
        assert_eq!(date("a", json!(5)).unwrap(), Some(5));
        assert_eq!(date("b", json!(5.9)).unwrap(), Some(5));
        assert_eq!(date("b", json!(-5.5)).unwrap(), Some(-6));
        let err = date("c", json!("5")).unwrap_err();
        assert_eq!(err.claim(), Some("c"));
        assert!(err.to_string().contains("string \"5\""), "{err}");
        assert_eq!(date("d", json!(1e300)).unwrap(), Some(i64::MAX));
        assert_eq!(date("e", json!(u64::MAX)).unwrap(), Some(i64::MAX));
        assert_eq!(date("f", json!(-3)).unwrap(), Some(-3));
        assert!(date("g", Value::Null).is_err());
    }

    #[test]
    fn audience_is_a_string_or_an_array_of_strings() {
        assert_eq!(
            string_or_array("a", json!("x")).unwrap(),
            Some(vec!["x".into()])
        );
        assert_eq!(
            string_or_array("b", json!(["x", "y"]))
                .unwrap()
                .unwrap()
                .len(),
            2
        );
        assert!(string_or_array("c", json!(["x", 1])).is_err());
        assert!(string_or_array("d", json!(1)).is_err());
        assert!(array("e", json!("x")).is_err());
    }

    #[test]
    fn each_kind_types_its_own_claims_and_keeps_the_rest() {
        let payload = json!({
            "iss": "i", "sub": "s", "aud": "a", "exp": 2, "iat": 1, "nonce": "n", "jti": "j",
            "scope": "read", "events": {}, "custom": [1], "auth_time": 1,
        });
        let id = claims(Kind::Id, payload.clone());
        assert_eq!(id.nonce.unwrap().as_deref(), Some("n"));
        assert_eq!(id.auth_time.unwrap(), Some(1));
        let mut extra: Vec<&str> = id.extra.keys().map(String::as_str).collect();
        extra.sort_unstable();
        assert_eq!(extra, ["custom", "events", "jti", "scope"]);

        let access = claims(Kind::Access, payload.clone());
        assert_eq!(access.scope.unwrap().as_deref(), Some("read"));
        assert_eq!(access.iss.unwrap().as_deref(), Some("i"));
        let mut extra: Vec<&str> = access.extra.keys().map(String::as_str).collect();
        extra.sort_unstable();
        assert_eq!(extra, ["auth_time", "custom", "events", "jti", "nonce"]);

        let logout = claims(Kind::Logout, payload);
        assert_eq!(logout.jti.unwrap().as_deref(), Some("j"));
        assert_eq!(logout.events, Some(json!({})));
        let mut extra: Vec<&str> = logout.extra.keys().map(String::as_str).collect();
        extra.sort_unstable();
        assert_eq!(extra, ["auth_time", "custom", "nonce", "scope"]);
    }

    #[test]
    fn a_wrongly_typed_claim_is_kept_as_its_error_and_escaped_names_are_read() {
        let c = read_claims(
            br#"{"iss": 5, "s\u0075b": "x", "sub": ["late"]}"#,
            Kind::Access,
        )
        .unwrap();
        let e = c.iss.unwrap_err();
        assert_eq!(e.claim(), Some("iss"));
        assert!(e.to_string().contains("number 5"), "{e}");
        // The later of two members of one name counts, as in a JSON object read whole.
        assert!(c.sub.is_err());
    }

    #[test]
    fn anything_but_one_object_is_refused() {
        for text in [
            &b"[1]"[..],
            b"\"x\"",
            b"{} {}",
            b"{\"a\":1",
            b"{\"a\":1,}",
            b"{\"a\":\"\xff\"}",
        ] {
            assert!(read_claims(text, Kind::Access).is_err(), "{text:?}");
        }
    }
}
