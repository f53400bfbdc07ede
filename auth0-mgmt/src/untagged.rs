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
//! - an array or object with several variants of its kind is buffered and tried in order, then
//!   kept in the catch-all variant;
//! - a kind no variant documents is kept in the catch-all variant.
//!
//! A variant that takes any kind (a nested union) is a candidate for every kind.

use std::marker::PhantomData;

use serde::de::{self, Deserialize, MapAccess, SeqAccess};
use serde_json::Value;

/// The per-kind decoding of one union; implemented by [`untagged!`](crate::untagged!).
/// A `None` means no variant of that kind took the value.
#[doc(hidden)]
pub trait Shapes: Sized {
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
pub fn deserialize<'de, T: Shapes, D: de::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ByKind(PhantomData))
}

/// Decodes an array or object into one variant's type without buffering.
#[doc(hidden)]
pub fn direct<'de, T: Deserialize<'de>, D: de::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(Present(d))
}

/// Tries one variant's type on a string, number or boolean; `None` if it does not fit.
#[doc(hidden)]
pub fn attempt<'de, T: Deserialize<'de>, D: de::Deserializer<'de, Error = de::value::Error>>(
    d: D,
) -> Option<T> {
    T::deserialize(Present(d)).ok()
}

/// Tries one variant's type on `null`; `None` if it does not fit.
#[doc(hidden)]
pub fn attempt_null<T: de::DeserializeOwned>() -> Option<T> {
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
pub fn attempt_value<T: de::DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// Buffers an array.
#[doc(hidden)]
pub fn buffer_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Value, A::Error> {
    Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
}

/// Buffers an object.
#[doc(hidden)]
pub fn buffer_map<'de, A: MapAccess<'de>>(map: A) -> Result<Value, A::Error> {
    Value::deserialize(de::value::MapAccessDeserializer::new(map))
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
/// `untagged!(Name, Other, { string => [A, B], number => [C], seq => [D], map => [E, F] })`.
/// Kinds: `string`, `number`, `boolean`, `null`, `seq`, `map`; variants in declaration order.
#[doc(hidden)]
#[macro_export]
macro_rules! untagged {
    ($name:ident, $other:ident, { $($kind:ident => [$($variant:ident),+]),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                $crate::untagged::deserialize(d)
            }
        }

        impl $crate::untagged::Shapes for $name {
            fn other(value: ::serde_json::Value) -> Self {
                Self::$other(value)
            }
            $($crate::untagged!(@kind $kind [$($variant),+]);)*
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
    (@kind map $variants:tt) => {
        $crate::untagged!(@nested map, MapAccess, MapAccessDeserializer, buffer_map, $variants);
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
