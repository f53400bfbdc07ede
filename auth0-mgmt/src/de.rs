//! Deserialization helpers the generated types name in `#[serde(deserialize_with)]`.
//!
//! serde's `Vec` starts at four elements, and JSON never says how many follow: an answer's
//! small arrays (a user's one or two identities) cost four elements each, and an element type
//! of a few hundred bytes turns that into an allocation large enough to take the allocator's
//! slow path. These grow from an exact fit instead (1, 2, 4, 8, ...).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

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
}
