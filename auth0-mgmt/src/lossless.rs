//! What keeps the generated types lossless: [`Nullable`] members that tell "leave out" from
//! "set to null", and [`Extra`], the members the document does not list.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use auth0_http::is_secret_name;

/// An optional member of a request body (and of the types request bodies share): left out
/// ([`Absent`](Self::Absent), the default), sent as JSON `null` ([`Null`](Self::Null), which
/// clears the value on the tenant), or sent with a value ([`Set`](Self::Set)).
///
/// ```
/// use auth0_mgmt::{Nullable, types::UpdateClientRequestContent};
///
/// let body = UpdateClientRequestContent {
///     name: "my app".into(),      // set
///     addons: Nullable::Null,     // cleared
///     ..Default::default()        // everything else left out
/// };
/// assert_eq!(
///     serde_json::to_value(&body).unwrap(),
///     serde_json::json!({"name": "my app", "addons": null})
/// );
/// ```
///
/// Reading one works as with `Option`: [`get`](Self::get), [`as_deref`](Self::as_deref),
/// [`into_option`](Self::into_option) (null and absent are both `None` there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nullable<T> {
    /// Left out of the JSON.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent with this value.
    Set(T),
}

impl<T> Nullable<T> {
    /// Whether the member is left out (what `skip_serializing_if` asks).
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether the member is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Whether the member has a value.
    pub fn is_set(&self) -> bool {
        matches!(self, Self::Set(_))
    }

    /// The value, if there is one.
    pub fn get(&self) -> Option<&T> {
        match self {
            Self::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The value, mutably, if there is one.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an `Option` (null and absent are both `None`).
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The value; panics when absent or null (as `Option::unwrap` does on `None`).
    #[track_caller]
    pub fn unwrap(self) -> T {
        match self {
            Self::Set(v) => v,
            Self::Absent => panic!("called `Nullable::unwrap()` on an absent member"),
            Self::Null => panic!("called `Nullable::unwrap()` on a null member"),
        }
    }

    /// A `Nullable` of a reference to the value.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Set(v) => Nullable::Set(v),
        }
    }

    /// The value dereferenced (`&str` for a `String`), if there is one.
    pub fn as_deref(&self) -> Option<&T::Target>
    where
        T: Deref,
    {
        self.get().map(Deref::deref)
    }

    /// Maps the value, keeping absent and null as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Set(v) => Nullable::Set(f(v)),
        }
    }

    /// Takes the value out, leaving the member absent.
    pub fn take(&mut self) -> Self {
        std::mem::take(self)
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Self::Set(value)
    }
}

/// `None` leaves the member out; to send `null`, use [`Nullable::Null`].
impl<T> From<Option<T>> for Nullable<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Absent, Self::Set)
    }
}

impl From<&str> for Nullable<String> {
    fn from(value: &str) -> Self {
        Self::Set(value.to_string())
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Set(v) => v.serialize(s),
            // `Absent` is skipped by the field's `skip_serializing_if`; alone it is null.
            Self::Absent | Self::Null => s.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    /// `null` is [`Null`](Self::Null); a missing member is [`Absent`](Self::Absent) through
    /// the field's `#[serde(default)]`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|v| v.map_or(Self::Null, Self::Set))
    }
}

/// Described as the `Option` it reads like: the value's schema or `null` (the member's absence
/// is its not being required, as every `Nullable` member has a default).
#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Nullable<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <Option<T>>::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        <Option<T>>::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Option<T>>::json_schema(generator)
    }
}

/// The members of an object that its type does not list, kept as sent and written back
/// unchanged, so that a value decoded and sent again (a read-modify-write) never drops what
/// the tenant holds. Every generated object type has one, as its `extra` field; insert into it
/// to send a member the document does not list.
///
/// It dereferences to the `serde_json::Map` it holds. Its `Debug` prints members named like a
/// credential (`client_secret`, `accessToken`, ...) as `[redacted]`, at any depth.
///
/// ```
/// use auth0_mgmt::types::GetRoleResponseContent;
///
/// let role: GetRoleResponseContent =
///     auth0_mgmt::from_json(br#"{"id": "rol_1", "owner_id": "org_1"}"#)?;
/// assert_eq!(role.extra["owner_id"], "org_1");
/// assert_eq!(
///     serde_json::to_value(&role).unwrap(),
///     serde_json::json!({"id": "rol_1", "owner_id": "org_1"})
/// );
/// # Ok::<(), auth0_mgmt::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(pub Map<String, Value>);

/// An object with any members (what a flattened `extra` adds to its parent: nothing, as an
/// object schema allows unlisted members).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Extra {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Extra".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object"})
    }
}

impl Extra {
    /// No members.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a member (builder style); returns `self`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// The map of members.
    pub fn into_inner(self) -> Map<String, Value> {
        self.0
    }
}

impl Deref for Extra {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Extra {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Extra {
    type Item = (String, Value);
    type IntoIter = serde_json::map::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        RedactedMap(&self.0).fmt(f)
    }
}

/// A JSON map printed with secret-named members redacted, at any depth.
struct RedactedMap<'a>(&'a Map<String, Value>);

/// A JSON value printed with secret-named members of its objects redacted (the `Debug` of a
/// union's catch-all variant, in generated code).
pub(crate) struct RedactedValue<'a>(pub(crate) &'a Value);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.0 {
            if is_secret_name(k) && !v.is_null() {
                m.entry(k, &format_args!("[redacted]"));
            } else if let (true, Value::String(link)) = (auth0_http::is_link_name(k), v) {
                m.entry(k, &auth0_http::redact_link(link));
            } else {
                m.entry(k, &RedactedValue(v));
            }
        }
        m.finish()
    }
}

impl fmt::Debug for RedactedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Object(map) => RedactedMap(map).fmt(f),
            Value::Array(items) => f
                .debug_list()
                .entries(items.iter().map(RedactedValue))
                .finish(),
            other => other.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Default, Debug)]
    struct Body {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        a: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        b: Nullable<Vec<u8>>,
        #[serde(flatten)]
        extra: Extra,
    }

    #[test]
    fn absent_null_and_set_stay_apart_both_ways() {
        for text in [
            r#"{}"#,
            r#"{"a":null}"#,
            r#"{"a":"x","b":null}"#,
            r#"{"b":[1],"z":{"y":null}}"#,
        ] {
            let body: Body = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&body).unwrap(), text);
        }
        let body: Body = serde_json::from_str(r#"{"a":null}"#).unwrap();
        assert!(body.a.is_null() && body.b.is_absent());
        let body = Body {
            a: "x".into(),
            b: Nullable::Null,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":"x","b":null}"#
        );
        assert_eq!(body.a.as_deref(), Some("x"));
        assert_eq!(body.b.get(), None);
        assert!(serde_json::from_str::<Body>(r#"{"b":"x"}"#).is_err());
    }

    #[test]
    fn option_converts_without_inventing_a_null() {
        assert_eq!(Nullable::<u8>::from(None), Nullable::Absent);
        assert_eq!(Nullable::<u8>::from(Some(1)), Nullable::Set(1));
        assert_eq!(Nullable::Set(2).map(|v| v * 2).into_option(), Some(4));
    }

    #[test]
    fn extra_members_print_redacted_when_named_like_a_credential() {
        let extra: Extra = serde_json::from_str(
            r#"{"client_secret":"s1","accessToken":"t1","nested":[{"Api_Key":"k1","ok":1}],"name":"n","password":null}"#,
        )
        .unwrap();
        let text = format!("{extra:?}");
        for secret in ["s1", "t1", "k1"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("\"name\": String(\"n\")"), "{text}");
        assert!(text.contains("\"ok\": Number(1)"), "{text}");
        assert!(text.contains("\"password\": Null"), "{text}");
        assert_eq!(extra["client_secret"], "s1", "the value itself is kept");
    }
}
