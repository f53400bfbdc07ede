//! Decoding of the document's unions (`oneOf`/`anyOf` without a discriminator) by the JSON
//! kind of the value.
//!
//! serde's `#[serde(untagged)]` buffers every value before trying each variant, which makes a
//! 1,000-user list answer (`[User] | {users: [User], ..}`) cost more than twice the decoding of
//! the users themselves. Most unions of the document have at most one variant per JSON kind
//! (string, number, boolean, null, array, object), so the kind of the first token decides:
//!
//! - a string, number, boolean or null is tried against each variant of its kind in declaration
//!   order (what `untagged` does) and kept in the catch-all variant if none takes it;
//! - an array or object with one variant of its kind is decoded straight into it, without
//!   buffering; a mismatch inside it is a decode error naming the JSON path, not a silent
//!   fallback;
//! - an array with several variants is buffered and tried in order, then kept in the
//!   catch-all variant;
//! - an object with several variants is buffered, and the variants are tried best fit first
//!   (see [`rank`]): the document's object variants are told apart by fixed-value string
//!   fields (`"type": "datadog"`, `"destination": {"type": "action"}`) and by their keys, and
//!   most of their fields are optional, so trying them in declaration order would put every
//!   object in the first one and drop the fields it does not know. An object whose tags no
//!   variant allows (a type added after the document) is kept whole in the catch-all variant;
//! - a kind no variant documents is kept in the catch-all variant.
//!
//! A variant that takes any kind (a nested union) is a candidate for every kind.

use std::marker::PhantomData;

use serde::de::{self, Deserialize, MapAccess, SeqAccess};
use serde_json::Value;

/// The per-kind decoding of one union; implemented by [`untagged!`](crate::untagged!).
/// A `None` means no variant of that kind took the value.
#[doc(hidden)]
pub(crate) trait Shapes: Sized {
    /// The catch-all variant.
    fn other(value: Value) -> Self;
    /// A string.
    fn string(_: &str) -> Option<Self> {
        None
    }
    /// A negative integer.
    fn signed(_: i64) -> Option<Self> {
        None
    }
    /// A non-negative integer.
    fn unsigned(_: u64) -> Option<Self> {
        None
    }
    /// A number with a fraction or exponent.
    fn float(_: f64) -> Option<Self> {
        None
    }
    /// `true` or `false`.
    fn boolean(_: bool) -> Option<Self> {
        None
    }
    /// `null`.
    fn null() -> Option<Self> {
        None
    }
    /// An array.
    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        buffer_seq(seq).map(Self::other)
    }
    /// An object.
    fn map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        buffer_map(map).map(Self::other)
    }
}

/// Deserializes a union by the kind of its value.
#[doc(hidden)]
pub(crate) fn deserialize<'de, T: Shapes, D: de::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ByKind(PhantomData))
}

/// Decodes an array or object into one variant's type without buffering.
#[doc(hidden)]
pub(crate) fn direct<'de, T: Deserialize<'de>, D: de::Deserializer<'de>>(
    d: D,
) -> Result<T, D::Error> {
    T::deserialize(Present(d))
}

/// Tries one variant's type on a string, number or boolean; `None` if it does not fit.
#[doc(hidden)]
pub(crate) fn attempt<
    'de,
    T: Deserialize<'de>,
    D: de::Deserializer<'de, Error = de::value::Error>,
>(
    d: D,
) -> Option<T> {
    T::deserialize(Present(d)).ok()
}

/// Tries one variant's type on `null`; `None` if it does not fit.
#[doc(hidden)]
pub(crate) fn attempt_null<T: de::DeserializeOwned>() -> Option<T> {
    T::deserialize(de::value::UnitDeserializer::<de::value::Error>::new()).ok()
}

/// A value that is present (not `null`), as serde_json presents one: an `Option` of it is
/// `Some`, a newtype around it is the newtype. serde's own primitive deserializers present
/// every value to `visit_*` alone, which `Option<String>` and newtypes refuse.
struct Present<D>(D);

impl<'de, D: de::Deserializer<'de>> de::Deserializer<'de> for Present<D> {
    type Error = D::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(v)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        v.visit_some(self)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// Tries one variant's type on a buffered array or object.
#[doc(hidden)]
pub(crate) fn attempt_value<T: de::DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// Decodes a buffered value as one variant's type (the same decoder [`attempt_value`] uses).
#[doc(hidden)]
pub(crate) fn from_buffered<T: de::DeserializeOwned>(
    value: &Value,
) -> Result<T, serde_json::Error> {
    T::deserialize(value)
}

/// Where decoding `value` as `T` fails (`authParams`, `.` for the whole value): the value's
/// text decoded again by the text decoder, whose errors know their position. Only called once
/// decoding has failed.
#[doc(hidden)]
pub(crate) fn path_of<T: de::DeserializeOwned>(value: &Value) -> String {
    let text = serde_json::to_vec(value).unwrap_or_default();
    match auth0_http::decode_json::<T>(&text) {
        Err(e) => e.path().unwrap_or(".").to_owned(),
        Ok(_) => ".".to_owned(),
    }
}

/// A union member whose sibling tag names a variant the member does not fit (real answers
/// differ from the document here and there): the member is kept whole in the catch-all
/// variant, so that the answer is read and written back without loss, and this is logged.
#[doc(hidden)]
pub(crate) fn kept_whole(
    union: &'static str,
    member: &'static str,
    tag: Option<&str>,
    path: &str,
    error: &serde_json::Error,
) {
    let path = match path {
        "." => member.to_owned(),
        p if p.starts_with('[') => format!("{member}{p}"),
        p => format!("{member}.{}", p.trim_start_matches('.')),
    };
    let message = auth0_http::DecodeError::from_serde(error);
    tracing::debug!(
        union,
        tag,
        path = %path,
        error = message.message(),
        "a member does not fit the variant its tag names; kept whole"
    );
}

/// A union member whose variant a sibling decides, read whole into the catch-all variant for
/// its parent to choose (`chosen_by` in generated code); `null` is `None`.
#[doc(hidden)]
pub(crate) fn deferred_option<'de, T: Shapes, D: de::Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.map(T::other))
}

/// As [`deferred_option`], for a request member: `null` is `Null`.
#[doc(hidden)]
pub(crate) fn deferred_nullable<'de, T: Shapes, D: de::Deserializer<'de>>(
    d: D,
) -> Result<crate::Nullable<T>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .map_or(crate::Nullable::Null, |v| crate::Nullable::Set(T::other(v))))
}

/// As [`deferred_option`], for a required member.
#[doc(hidden)]
pub(crate) fn deferred<'de, T: Shapes, D: de::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    Value::deserialize(d).map(T::other)
}

/// Buffers an array.
#[doc(hidden)]
pub(crate) fn buffer_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Value, A::Error> {
    Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
}

/// Buffers an object.
#[doc(hidden)]
pub(crate) fn buffer_map<'de, A: MapAccess<'de>>(map: A) -> Result<Value, A::Error> {
    Value::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// How one object variant looks, generated from the document: the keys it knows, and its
/// tags, the string fields that take a fixed set of values.
#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct Profile {
    /// The keys of its fields.
    pub keys: &'static [&'static str],
    /// Its tags.
    pub tags: &'static [Tag],
}

/// A string field of an object variant with a fixed set of values.
#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct Tag {
    /// The keys leading to it (`["type"]`, `["destination", "type"]`).
    pub path: &'static [&'static str],
    /// The values it takes.
    pub values: &'static [&'static str],
}

/// The object variants that may take `object`, best fit first, as indices into `profiles`.
///
/// A variant with a tag whose value in the object is not one it takes is left out; when one
/// is, so is a variant matching no tag that does not know every key of the object. The rest
/// are ordered by tags matched (most first), then keys of the object the variant does not
/// know (fewest first), then keys the variant has (fewest first: the most specific), then
/// declaration order.
#[doc(hidden)]
pub(crate) fn rank(object: &Value, profiles: &[Profile]) -> Vec<usize> {
    let Value::Object(map) = object else {
        return (0..profiles.len()).collect();
    };
    let mut ruled_out = false;
    let mut fits: Vec<_> = profiles
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let mut matched = 0usize;
            for tag in p.tags {
                let (first, rest) = tag.path.split_first()?;
                let found = rest
                    .iter()
                    .try_fold(map.get(*first), |v, key| Some(v?.as_object()?.get(*key)))
                    .flatten();
                match found {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) if tag.values.contains(&s.as_str()) => matched += 1,
                    Some(_) => {
                        ruled_out = true;
                        return None;
                    }
                }
            }
            let unknown = map.keys().filter(|k| !p.keys.contains(&k.as_str())).count();
            Some((std::cmp::Reverse(matched), unknown, p.keys.len(), i))
        })
        .collect();
    // The object says which variant it is, and none of those that said so took it: a variant
    // that does not say (no tag matched) may take it only if it knows every key, else the
    // object is one the document does not list (kept whole by the caller).
    if ruled_out {
        fits.retain(|&(std::cmp::Reverse(matched), unknown, ..)| matched > 0 || unknown == 0);
    }
    fits.sort_unstable();
    fits.into_iter().map(|(.., i)| i).collect()
}

struct ByKind<T>(PhantomData<T>);

impl<'de, T: Shapes> de::Visitor<'de> for ByKind<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(T::boolean(v).unwrap_or_else(|| T::other(Value::Bool(v))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(T::signed(v).unwrap_or_else(|| T::other(Value::from(v))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(T::unsigned(v).unwrap_or_else(|| T::other(Value::from(v))))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Ok(T::float(v).unwrap_or_else(|| T::other(Value::from(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::string(v).unwrap_or_else(|| T::other(Value::String(v.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(match T::string(&v) {
            Some(t) => t,
            None => T::other(Value::String(v)),
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::null().unwrap_or_else(|| T::other(Value::Null)))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
}

/// Implements `Deserialize` for a union by the kind of its value (see the module docs):
/// `untagged!(Name, Other, { string => [A, B], number => [C], seq => [D], map => [E] })`.
/// Kinds: `string`, `number`, `boolean`, `null`, `seq`, `map`; variants in declaration order.
/// Several object variants come with their profiles:
/// `map => [E { keys: ["id", "type"], tags: [(["type"], ["http"])] }, F { .. }]`.
#[doc(hidden)]
macro_rules! untagged {
    ($name:ident, $other:ident, { $($kind:ident => $variants:tt),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                $crate::untagged::deserialize(d)
            }
        }

        impl $crate::untagged::Shapes for $name {
            fn other(value: ::serde_json::Value) -> Self {
                Self::$other(value)
            }
            $($crate::untagged!(@kind $kind $variants);)*
        }
    };
    (@kind string $variants:tt) => {
        $crate::untagged!(@primitive string, &str, StrDeserializer, $variants);
    };
    (@kind number $variants:tt) => {
        $crate::untagged!(@primitive signed, i64, I64Deserializer, $variants);
        $crate::untagged!(@primitive unsigned, u64, U64Deserializer, $variants);
        $crate::untagged!(@primitive float, f64, F64Deserializer, $variants);
    };
    (@kind boolean $variants:tt) => {
        $crate::untagged!(@primitive boolean, bool, BoolDeserializer, $variants);
    };
    (@primitive $kind:ident, $ty:ty, $de:ident, [$($v:ident),+]) => {
        fn $kind(value: $ty) -> ::std::option::Option<Self> {
            $(if let Some(x) = $crate::untagged::attempt(::serde::de::value::$de::new(value)) {
                return Some(Self::$v(x));
            })+
            None
        }
    };
    (@kind null [$($v:ident),+]) => {
        fn null() -> ::std::option::Option<Self> {
            $(if let Some(x) = $crate::untagged::attempt_null() {
                return Some(Self::$v(x));
            })+
            None
        }
    };
    (@kind seq $variants:tt) => {
        $crate::untagged!(@nested seq, SeqAccess, SeqAccessDeserializer, buffer_seq, $variants);
    };
    (@kind map [$v:ident]) => {
        $crate::untagged!(@nested map, MapAccess, MapAccessDeserializer, buffer_map, [$v]);
    };
    (@kind map [$($v:ident {
        keys: [$($key:literal),* $(,)?],
        tags: [$(([$($segment:literal),+], [$($value:literal),+])),* $(,)?] $(,)?
    }),+]) => {
        fn map<'de, A: ::serde::de::MapAccess<'de>>(access: A) -> ::std::result::Result<Self, A::Error> {
            const PROFILES: &[$crate::untagged::Profile] = &[$($crate::untagged::Profile {
                keys: &[$($key),*],
                tags: &[$($crate::untagged::Tag { path: &[$($segment),+], values: &[$($value),+] }),*],
            }),+];
            let tries: &[fn(&::serde_json::Value) -> ::std::option::Option<Self>] =
                &[$(|v| $crate::untagged::attempt_value(v).map(Self::$v)),+];
            let value = $crate::untagged::buffer_map(access)?;
            for i in $crate::untagged::rank(&value, PROFILES) {
                if let Some(x) = tries.get(i).and_then(|t| t(&value)) {
                    return Ok(x);
                }
            }
            Ok(Self::other(value))
        }
    };
    (@nested $kind:ident, $access:ident, $de:ident, $buffer:ident, [$v:ident]) => {
        fn $kind<'de, A: ::serde::de::$access<'de>>(access: A) -> ::std::result::Result<Self, A::Error> {
            $crate::untagged::direct(::serde::de::value::$de::new(access)).map(Self::$v)
        }
    };
    (@nested $kind:ident, $access:ident, $de:ident, $buffer:ident, [$($v:ident),+]) => {
        fn $kind<'de, A: ::serde::de::$access<'de>>(access: A) -> ::std::result::Result<Self, A::Error> {
            let value = $crate::untagged::$buffer(access)?;
            $(if let Some(x) = $crate::untagged::attempt_value(&value) {
                return Ok(Self::$v(x));
            })+
            Ok(Self::other(value))
        }
    };
}

pub(crate) use untagged;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROFILES: &[Profile] = &[
        Profile {
            keys: &["id", "type", "sink"],
            tags: &[Tag {
                path: &["type"],
                values: &["http"],
            }],
        },
        Profile {
            keys: &["id", "type", "sink"],
            tags: &[Tag {
                path: &["type"],
                values: &["datadog", "splunk"],
            }],
        },
        Profile {
            keys: &["id", "destination"],
            tags: &[Tag {
                path: &["destination", "type"],
                values: &["action"],
            }],
        },
        Profile {
            keys: &["id"],
            tags: &[],
        },
    ];

    #[test]
    fn a_tag_with_another_value_rules_a_variant_out() {
        // The others are left out too: they match no tag and do not know `type`.
        assert_eq!(rank(&json!({"type": "splunk"}), PROFILES), [1]);
        assert_eq!(rank(&json!({"type": "http", "id": "a"}), PROFILES), [0]);
        assert_eq!(rank(&json!({"type": 7}), PROFILES), [] as [usize; 0]);
    }

    #[test]
    fn nested_tags_are_followed_through_objects_only() {
        let action = json!({"destination": {"type": "action"}});
        assert_eq!(rank(&action, PROFILES), [2, 3, 0, 1]);
        assert_eq!(
            rank(&json!({"destination": {"type": "x"}}), PROFILES),
            [] as [usize; 0]
        );
        // Not an object on the way: no evidence either way.
        assert_eq!(rank(&json!({"destination": "x"}), PROFILES), [2, 3, 0, 1]);
    }

    #[test]
    fn a_variant_without_tags_takes_an_excluded_object_only_if_it_knows_every_key() {
        const SETUPS: &[Profile] = &[
            Profile {
                keys: &["app_id", "setup"],
                tags: &[Tag {
                    path: &["setup", "type"],
                    values: &["API_KEY"],
                }],
            },
            Profile {
                keys: &["app_id"],
                tags: &[],
            },
        ];
        // A setup type no variant lists: not squeezed into the variant without a setup.
        let new_kind = json!({"app_id": "HUBSPOT", "setup": {"type": "NEW"}});
        assert_eq!(rank(&new_kind, SETUPS), [] as [usize; 0]);
        assert_eq!(rank(&json!({"app_id": "HUBSPOT"}), SETUPS), [1, 0]);
        let api_key = json!({"app_id": "HUBSPOT", "setup": {"type": "API_KEY"}});
        assert_eq!(rank(&api_key, SETUPS), [0, 1]);
    }

    #[test]
    fn without_tags_fewest_unknown_keys_then_fewest_keys() {
        assert_eq!(rank(&json!({"id": "a"}), PROFILES), [3, 2, 0, 1]);
        assert_eq!(
            rank(&json!({"id": "a", "sink": {}}), PROFILES),
            [0, 1, 3, 2]
        );
        // Absent and null tags are no evidence.
        assert_eq!(rank(&json!({"type": null}), PROFILES), [0, 1, 3, 2]);
        // Not an object: declaration order.
        assert_eq!(rank(&json!([1]), PROFILES), [0, 1, 2, 3]);
    }
}
