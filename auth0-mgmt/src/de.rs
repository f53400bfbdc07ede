//! Deserialization helpers the generated types name in `#[serde(deserialize_with)]`.
//!
//! serde's `Vec` starts at four elements, and JSON never says how many follow: an answer's
//! small arrays (a user's one or two identities) cost four elements each, and an element type
//! of a few hundred bytes turns that into an allocation large enough to take the allocator's
//! slow path. These grow from an exact fit instead (1, 2, 4, 8, ...).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A required array.
#[doc(hidden)]
pub(crate) fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(Elements(PhantomData))
}

/// An optional array (`null` or absent: `None`; the field is `#[serde(default)]`).
#[doc(hidden)]
pub(crate) fn option_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    d.deserialize_option(Optional(PhantomData))
}

/// An optional array of a request type (`null`: `Null`; absent: `Absent`, by the field's
/// `#[serde(default)]`).
#[doc(hidden)]
pub(crate) fn nullable_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<crate::Nullable<Vec<T>>, D::Error> {
    d.deserialize_option(Optional(PhantomData))
        .map(|v| v.map_or(crate::Nullable::Null, crate::Nullable::Set))
}

struct Elements<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Elements<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // Trust a size hint only as far as serde does (a hostile one must not allocate much).
        let hint = seq.size_hint().unwrap_or(0).min(4096);
        let mut out = Vec::with_capacity(hint);
        while let Some(x) = seq.next_element()? {
            if out.len() == out.capacity() {
                out.reserve_exact(out.len().max(1));
            }
            out.push(x);
        }
        Ok(out)
    }
}

struct Optional<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Optional<T> {
    type Value = Option<Vec<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        vec(d).map(Some)
    }
}

/// A member name as read: borrowed from the input where the input allows.
pub(crate) struct Key<'de>(std::borrow::Cow<'de, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(v.into()))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(v.to_owned().into()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(v.into()))
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
        std::str::from_utf8(v)
            .map(|s| Key(s.to_owned().into()))
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(v), &self))
    }
}

/// How a member named in a `deserialize_with` of the derive is decoded by [`object!`]: the
/// functions above, as types a seed can name.
pub(crate) trait With<'de, T> {
    fn decode<D: Deserializer<'de>>(d: D) -> Result<T, D::Error>;
}

/// The type's own `Deserialize`.
pub(crate) struct Plain;
/// [`vec`].
pub(crate) struct ExactVec;
/// [`option_vec`].
pub(crate) struct OptionVec;
/// [`nullable_vec`].
pub(crate) struct NullableVec;

impl<'de, T: Deserialize<'de>> With<'de, T> for Plain {
    fn decode<D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

impl<'de, T: Deserialize<'de>> With<'de, Vec<T>> for ExactVec {
    fn decode<D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        vec(d)
    }
}

impl<'de, T: Deserialize<'de>> With<'de, Option<Vec<T>>> for OptionVec {
    fn decode<D: Deserializer<'de>>(d: D) -> Result<Option<Vec<T>>, D::Error> {
        option_vec(d)
    }
}

impl<'de, T: Deserialize<'de>> With<'de, crate::Nullable<Vec<T>>> for NullableVec {
    fn decode<D: Deserializer<'de>>(d: D) -> Result<crate::Nullable<Vec<T>>, D::Error> {
        nullable_vec(d)
    }
}

/// A member's value decoded by `M`.
pub(crate) struct Seed<M, T>(PhantomData<fn() -> (M, T)>);

impl<M, T> Seed<M, T> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<'de, M: With<'de, T>, T> serde::de::DeserializeSeed<'de> for Seed<M, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        M::decode(d)
    }
}

/// Reads a member's value into its slot, decoded by `M` ([`Plain`]: the type's own
/// `Deserialize`): what [`object!`] does for each listed member, as one function per member
/// type rather than code per member. A second value is an error.
pub(crate) fn member<'de, A: MapAccess<'de>, M: With<'de, T>, T>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(serde::de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value_seed(Seed::<M, T>::new())?);
    Ok(())
}

/// Keeps a member the type does not list, as sent.
pub(crate) fn unlisted<'de, A: MapAccess<'de>>(
    map: &mut A,
    extra: &mut crate::Extra,
    key: Key<'de>,
) -> Result<(), A::Error> {
    let value = map.next_value()?;
    extra.0.insert(key.into_string(), value);
    Ok(())
}

/// The value of a required member, or the error of its absence.
pub(crate) fn required<T, E: serde::de::Error>(
    slot: Option<T>,
    name: &'static str,
) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// `Deserialize` for a generated object type, from the table of its members the generator
/// writes (`field [= "wire name"] optional|required [marker of With],`, the wire name given
/// when it is not the field's, then the field that keeps unlisted members): one `visit_map`
/// that decodes each listed member in place and puts every other member into that field, as
/// sent. What serde's derive does otherwise: a member given twice is an error, a required
/// member left out is one, an `optional` member left out is its type's default.
macro_rules! object {
    ($name:ident { $($field:ident $(= $wire:literal)? $kind:ident $($with:ident)?,)* } $extra:ident) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        let mut $extra = crate::Extra::default();
                        while let Some(key) = map.next_key::<crate::de::Key<'de>>()? {
                            let name = key.as_str();
                            let read = $(if name == crate::de::object!(@wire $field $($wire)?) {
                                crate::de::object!(@read map $field $($wire)?; $($with)?)
                            } else)* {
                                crate::de::unlisted(&mut map, &mut $extra, key)
                            };
                            read?;
                        }
                        Ok($name {
                            $($field: crate::de::object!(@finish $field $kind, $($wire)?),)*
                            $extra,
                        })
                    }
                }
                d.deserialize_map(Visitor)
            }
        }
    };
    (@wire $field:ident) => { stringify!($field) };
    (@wire $field:ident $wire:literal) => { $wire };
    (@read $map:ident $field:ident $($wire:literal)?; $($with:ident)?) => {
        crate::de::member::<_, crate::de::object!(@marker $($with)?), _>(
            &mut $map,
            &mut $field,
            crate::de::object!(@wire $field $($wire)?),
        )
    };
    (@marker) => { crate::de::Plain };
    (@marker $with:ident) => { crate::de::$with };
    (@finish $field:ident optional, $($wire:literal)?) => { $field.unwrap_or_default() };
    (@finish $field:ident required, $($wire:literal)?) => {
        crate::de::required($field, crate::de::object!(@wire $field $($wire)?))?
    };
}
pub(crate) use object;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct S {
        #[serde(default, deserialize_with = "option_vec")]
        a: Option<Vec<String>>,
        #[serde(deserialize_with = "vec")]
        b: Vec<u8>,
    }

    #[test]
    fn arrays_grow_from_an_exact_fit() {
        let s: S = serde_json::from_str(r#"{"a": ["x"], "b": [1, 2, 3]}"#).unwrap();
        let a = s.a.unwrap();
        assert_eq!(a, ["x"]);
        assert_eq!(a.capacity(), 1);
        assert_eq!(s.b, [1, 2, 3]);
        assert_eq!(s.b.capacity(), 4);
    }

    #[test]
    fn absent_or_null_is_none_and_other_kinds_are_errors() {
        let s: S = serde_json::from_str(r#"{"b": []}"#).unwrap();
        assert!(s.a.is_none());
        let s: S = serde_json::from_str(r#"{"a": null, "b": []}"#).unwrap();
        assert!(s.a.is_none());
        assert!(serde_json::from_str::<S>(r#"{"a": "x", "b": []}"#).is_err());
        assert!(
            serde_json::from_str::<S>(r#"{"a": []}"#).is_err(),
            "b is required"
        );
        assert!(serde_json::from_str::<S>(r#"{"b": [1, "x"]}"#).is_err());
    }

    /// A type as the generator writes it: the macro's decoder, serde's `Serialize`.
    #[derive(Debug, Default, PartialEq, serde::Serialize)]
    struct Object {
        name: String,
        #[serde(rename = "type")]
        r#type: Option<String>,
        count: Option<i64>,
        nullable: crate::Nullable<String>,
        #[serde(rename = "list")]
        items: Option<Vec<String>>,
        required_array: Vec<u8>,
        required_nullable: Option<String>,
        #[serde(flatten)]
        extra: crate::Extra,
    }

    object!(Object {
        name required,
        r#type = "type" optional,
        count optional,
        nullable optional,
        items = "list" optional OptionVec,
        required_array required ExactVec,
        required_nullable required,
    } extra);

    const FULL: &str = r#"{"name": "n", "type": "t", "count": 2, "nullable": null,
        "list": ["a"], "required_array": [1], "required_nullable": null,
        "zeta": {"deep": [1, null]}, "alpha": "kept"}"#;

    #[test]
    fn an_object_decodes_its_members_in_place_and_keeps_the_others() {
        let o: Object = serde_json::from_str(FULL).unwrap();
        assert_eq!(o.name, "n");
        assert_eq!(o.r#type.as_deref(), Some("t"));
        assert_eq!(o.count, Some(2));
        assert_eq!(o.nullable, crate::Nullable::Null);
        assert_eq!(
            o.items.as_ref().map(Vec::capacity),
            Some(1),
            "exact-fit decoder"
        );
        assert_eq!(o.required_array, [1]);
        assert_eq!(o.required_nullable, None);
        let mut unlisted: Vec<&str> = o.extra.keys().map(String::as_str).collect();
        unlisted.sort_unstable();
        assert_eq!(unlisted, ["alpha", "zeta"]);
        assert_eq!(o.extra["zeta"], serde_json::json!({"deep": [1, null]}));
        // Written back, it is what was read.
        let original: serde_json::Value = serde_json::from_str(FULL).unwrap();
        assert_eq!(serde_json::to_value(&o).unwrap(), original);
    }

    #[test]
    fn an_object_decodes_from_every_kind_of_input() {
        let expected: Object = serde_json::from_str(FULL).unwrap();
        let value: serde_json::Value = serde_json::from_str(FULL).unwrap();
        // Borrowed keys (a `Value`, by reference), owned keys (a `Value`, taken), keys with
        // escapes (which the JSON reader cannot lend).
        assert_eq!(Object::deserialize(&value).unwrap(), expected);
        assert_eq!(serde_json::from_value::<Object>(value).unwrap(), expected);
        let escaped = FULL.replace(r#""name""#, r#""n\u0061me""#);
        assert_eq!(serde_json::from_str::<Object>(&escaped).unwrap(), expected);
        // Left out: optional members are their default, `Nullable` ones `Absent`.
        let least: Object = serde_json::from_str(
            r#"{"name": "n", "required_array": [], "required_nullable": "x"}"#,
        )
        .unwrap();
        assert_eq!(least.nullable, crate::Nullable::Absent);
        assert_eq!((least.r#type, least.count, least.items), (None, None, None));
        assert!(least.extra.is_empty());
    }

    #[test]
    fn object_errors_name_the_member() {
        let error = |json: &str| {
            serde_json::from_str::<Object>(json)
                .unwrap_err()
                .to_string()
        };
        let e =
            error(r#"{"name": "a", "name": "b", "required_array": [], "required_nullable": null}"#);
        assert!(e.contains("duplicate field `name`"), "{e}");
        let e = error(r#"{"name": "a", "required_array": []}"#);
        assert!(
            e.contains("missing field `required_nullable`"),
            "a required nullable member must be sent: {e}"
        );
        let e = error(r#"{"name": "a", "required_nullable": null}"#);
        assert!(e.contains("missing field `required_array`"), "{e}");
        let e = error(r#"{"type": "t"}"#);
        assert!(e.contains("missing field `name`"), "{e}");
        let e = error(r#"{"name": 5, "required_array": [], "required_nullable": null}"#);
        assert!(e.contains("invalid type"), "{e}");
        let e = error(r#"["n"]"#);
        assert!(e.contains("expected struct Object"), "{e}");
    }
}
