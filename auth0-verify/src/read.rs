//! A token's payload read into typed claims in one pass: the standard claims its kind names
//! as typed fields, every other member into `extra`. No intermediate map of every member is
//! built, and member names are borrowed from the decoded text while they are matched.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::claims::describe;
use crate::error::TokenValidationError;
use crate::jwt::{Kind, RawToken};

/// A standard claim as read: absent (`Ok(None)`), its value, or the error naming the claim
/// and what was found instead. Errors are returned in each kind's fixed order of claims, so
/// that a token with several wrongly typed claims always fails on the same one. The error is
/// boxed to keep [`Claims`] small: it is moved whole several times per verification.
pub(crate) type Claim<T> = Result<Option<T>, Box<TokenValidationError>>;

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
    /// ID tokens: the profile claims of their standard type (boxed: most tokens of other
    /// kinds have none, and the claims are moved whole).
    pub(crate) profile: Option<Box<Profile>>,
    /// Every other member.
    pub(crate) extra: Map<String, Value>,
}

/// OpenID Connect's profile claims of an ID token (and `sid`), each when it has its standard
/// type; a member of another type stays in [`Claims::extra`].
#[derive(Default)]
pub(crate) struct Profile {
    pub(crate) sid: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) middle_name: Option<String>,
    pub(crate) nickname: Option<String>,
    pub(crate) preferred_username: Option<String>,
    pub(crate) profile: Option<String>,
    pub(crate) picture: Option<String>,
    pub(crate) website: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) email_verified: Option<bool>,
    pub(crate) gender: Option<String>,
    pub(crate) birthdate: Option<String>,
    pub(crate) zoneinfo: Option<String>,
    pub(crate) locale: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) phone_number_verified: Option<bool>,
    pub(crate) address: Option<Value>,
    pub(crate) updated_at: Option<String>,
}

/// Where a profile claim goes, by its type.
enum Slot<'p> {
    Text(&'p mut Option<String>),
    Flag(&'p mut Option<bool>),
    Object(&'p mut Option<Value>),
}

impl Profile {
    /// The field for the profile claim `member`, if it is one.
    fn slot(&mut self, member: &str) -> Option<Slot<'_>> {
        let text = match member {
            "sid" => &mut self.sid,
            "name" => &mut self.name,
            "given_name" => &mut self.given_name,
            "family_name" => &mut self.family_name,
            "middle_name" => &mut self.middle_name,
            "nickname" => &mut self.nickname,
            "preferred_username" => &mut self.preferred_username,
            "profile" => &mut self.profile,
            "picture" => &mut self.picture,
            "website" => &mut self.website,
            "email" => &mut self.email,
            "gender" => &mut self.gender,
            "birthdate" => &mut self.birthdate,
            "zoneinfo" => &mut self.zoneinfo,
            "locale" => &mut self.locale,
            "phone_number" => &mut self.phone_number,
            "updated_at" => &mut self.updated_at,
            "email_verified" => return Some(Slot::Flag(&mut self.email_verified)),
            "phone_number_verified" => return Some(Slot::Flag(&mut self.phone_number_verified)),
            "address" => return Some(Slot::Object(&mut self.address)),
            _ => return None,
        };
        Some(Slot::Text(text))
    }

    /// Keeps `value` in `slot` when it has the slot's type, or empties the slot and gives the
    /// value back (it belongs in `extra`).
    fn put(slot: Slot<'_>, value: Read) -> Result<(), Read> {
        match (slot, value) {
            (Slot::Text(slot), Read::Str(s)) => *slot = Some(s),
            (Slot::Flag(slot), Read::Bool(b)) => *slot = Some(b),
            (Slot::Object(slot), Read::Other(v @ Value::Object(_))) => *slot = Some(v),
            (Slot::Text(slot), other) => {
                *slot = None;
                return Err(other);
            }
            (Slot::Flag(slot), other) => {
                *slot = None;
                return Err(other);
            }
            (Slot::Object(slot), other) => {
                *slot = None;
                return Err(other);
            }
        }
        Ok(())
    }
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
            profile: None,
            extra: Map::new(),
        }
    }
}

/// A token's decoded payload: its JSON text (an access token's, kept so that a caller's own
/// claims type can be read from it) and its claims.
pub(crate) struct Payload {
    pub(crate) bytes: Vec<u8>,
    pub(crate) claims: Claims,
}

impl Payload {
    /// Decodes the payload of `raw` and reads its claims as `kind` does. Before the signature
    /// is verified, only to choose the keys by `iss`.
    /// An access token's text is kept (a protected route's handler may read its own claims
    /// type from it); the others' is decoded into a buffer this thread reuses, and `bytes` is
    /// empty.
    pub(crate) fn read(raw: &RawToken<'_>, kind: Kind) -> Result<Self, TokenValidationError> {
        /// A buffer grown past this by a large token is not kept.
        const KEPT: usize = 16 * 1024;
        thread_local! {
            static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let decode = |bytes: &mut Vec<u8>| {
            base64_simd::URL_SAFE_NO_PAD
                .decode_append(raw.payload, bytes)
                .map_err(|e| TokenValidationError::malformed_by("payload is not base64url", e))
        };
        let read = |bytes: &[u8]| {
            read_claims(bytes, kind)
                .map_err(|e| TokenValidationError::malformed_by("payload is not a JSON object", e))
        };
        if kind == Kind::Access {
            let mut bytes = Vec::new();
            decode(&mut bytes)?;
            let claims = read(&bytes)?;
            return Ok(Payload { bytes, claims });
        }
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            let claims = decode(buffer).and_then(|()| read(buffer));
            if buffer.capacity() > KEPT {
                *buffer = Vec::new();
            }
            Ok(Payload {
                bytes: Vec::new(),
                claims: claims?,
            })
        })
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
                if self.0 == Kind::Id {
                    let profile = c.profile.get_or_insert_with(Box::default);
                    if let Some(slot) = profile.slot(&member) {
                        let value = map.next_value::<Read>()?;
                        match Profile::put(slot, value) {
                            // The later of two members of one name counts.
                            Ok(()) if c.extra.is_empty() => {}
                            Ok(()) => {
                                c.extra.remove(&*member);
                            }
                            Err(other) => {
                                c.extra.insert(member.into_owned(), other.into_value());
                            }
                        }
                        continue;
                    }
                }
                let value = map.next_value::<Value>()?;
                c.extra.insert(member.into_owned(), value);
                continue;
            };
            let value = map.next_value::<Read>()?;
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
                Claimed::Events => c.events = Some(value.into_value()),
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

fn wrong_type(claim: &str, expected: &'static str, v: &Value) -> Box<TokenValidationError> {
    Box::new(TokenValidationError::InvalidClaimType {
        claim: claim.to_owned(),
        expected,
        found: describe(v),
    })
}

/// A standard claim's value as read: the shapes its claims take read straight into their
/// types (no [`Value`] built for them), anything else as a [`Value`] to say what was found.
#[derive(Debug)]
pub(crate) enum Read {
    Str(String),
    Int(i64),
    Bool(bool),
    Strs(Vec<String>),
    Other(Value),
}

impl Read {
    fn into_value(self) -> Value {
        match self {
            Read::Str(s) => Value::String(s),
            Read::Int(i) => Value::from(i),
            Read::Bool(b) => Value::Bool(b),
            Read::Strs(items) => Value::Array(items.into_iter().map(Value::String).collect()),
            Read::Other(v) => v,
        }
    }
}

impl<'de> Deserialize<'de> for Read {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ReadVisitor)
    }
}

struct ReadVisitor;

impl<'de> Visitor<'de> for ReadVisitor {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read, E> {
        Ok(Read::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Read, E> {
        Ok(Read::Str(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read, E> {
        Ok(Read::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read, E> {
        Ok(i64::try_from(v).map_or_else(|_| Read::Other(Value::from(v)), Read::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read, E> {
        Ok(Read::Other(Value::from(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read, E> {
        Ok(Read::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        Ok(Read::Other(Value::Null))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        let mut strings = Vec::with_capacity(seq.size_hint().unwrap_or(2));
        while let Some(item) = seq.next_element::<Read>()? {
            match item {
                Read::Str(s) => strings.push(s),
                other => {
                    // Not an array of strings: the rest as values, to say what was found.
                    let mut items: Vec<Value> = strings.into_iter().map(Value::String).collect();
                    items.push(other.into_value());
                    while let Some(item) = seq.next_element::<Value>()? {
                        items.push(item);
                    }
                    return Ok(Read::Other(Value::Array(items)));
                }
            }
        }
        Ok(Read::Strs(strings))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Read::Other)
    }
}

/// A string claim.
pub(crate) fn string(claim: &str, value: Read) -> Claim<String> {
    match value {
        Read::Str(s) => Ok(Some(s)),
        v => Err(wrong_type(claim, "a string", &v.into_value())),
    }
}

/// A NumericDate claim: an integer or a finite number of seconds (fractions truncated toward
/// the past; beyond the range of `i64`, its bound).
pub(crate) fn date(claim: &str, value: Read) -> Claim<i64> {
    let value = match value {
        Read::Int(i) => return Ok(Some(i)),
        other => other.into_value(),
    };
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
pub(crate) fn string_or_array(claim: &str, value: Read) -> Claim<Vec<String>> {
    match value {
        Read::Str(s) => Ok(Some(vec![s])),
        Read::Strs(items) => Ok(Some(items)),
        v => Err(wrong_type(
            claim,
            "a string or an array of strings",
            &v.into_value(),
        )),
    }
}

/// An array-of-strings claim.
pub(crate) fn array(claim: &str, value: Read) -> Claim<Vec<String>> {
    match value {
        Read::Strs(items) => Ok(Some(items)),
        v => Err(wrong_type(claim, "an array of strings", &v.into_value())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(v: Value) -> Read {
        serde_json::from_value(v).unwrap()
    }

    fn claims(kind: Kind, v: Value) -> Claims {
        read_claims(v.to_string().as_bytes(), kind).unwrap()
    }

    #[test]
    fn dates_accept_integers_and_floats_and_reject_other_types() {
        assert_eq!(date("a", r(json!(5))).unwrap(), Some(5));
        assert_eq!(date("b", r(json!(5.9))).unwrap(), Some(5));
        assert_eq!(date("b", r(json!(-5.5))).unwrap(), Some(-6));
        let err = date("c", r(json!("5"))).unwrap_err();
        assert_eq!(err.claim(), Some("c"));
        assert!(err.to_string().contains("string \"5\""), "{err}");
        assert_eq!(date("d", r(json!(1e300))).unwrap(), Some(i64::MAX));
        assert_eq!(date("e", r(json!(u64::MAX))).unwrap(), Some(i64::MAX));
        assert_eq!(date("f", r(json!(-3))).unwrap(), Some(-3));
        assert!(date("g", r(Value::Null)).is_err());
    }

    #[test]
    fn audience_is_a_string_or_an_array_of_strings() {
        assert_eq!(
            string_or_array("a", r(json!("x"))).unwrap(),
            Some(vec!["x".into()])
        );
        assert_eq!(
            string_or_array("b", r(json!(["x", "y"])))
                .unwrap()
                .unwrap()
                .len(),
            2
        );
        assert!(string_or_array("c", r(json!(["x", 1]))).is_err());
        assert!(string_or_array("d", r(json!(1))).is_err());
        assert!(array("e", r(json!("x"))).is_err());
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
