//! The query parameters of the generated operations, written as Auth0 reads them: a scalar
//! (string, number, boolean, enum value) as `name=value`, a list as the parameter repeated
//! (`fields=a&fields=b`), an absent optional value not at all.

use serde::Serialize;
use serde::ser::{self, Impossible};

/// One query parameter, serialized as the `(name, value)` pairs of its values (what
/// `reqwest::RequestBuilder::query` appends, form-encoded).
pub(crate) struct Param<'a, T: ?Sized> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a T,
}

impl<T: Serialize + ?Sized> Serialize for Param<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut values = Vec::new();
        self.value
            .serialize(Values(&mut values))
            .map_err(|e| <S::Error as ser::Error>::custom(format!("`{}`: {e}", self.name)))?;
        serializer.collect_seq(values.iter().map(|v| (self.name, v)))
    }
}

/// Why a value cannot be a query parameter (a map or an object).
#[derive(Debug)]
pub(crate) struct Unsupported(String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

fn unsupported<T>() -> Result<T, Unsupported> {
    Err(Unsupported(
        "a query value is a string, a number, a boolean or a list of them".to_owned(),
    ))
}

/// Collects the text of each value: one for a scalar, one per element for a list, none for
/// `None`.
struct Values<'a>(&'a mut Vec<String>);

impl Values<'_> {
    fn push(self, value: impl ToString) -> Result<(), Unsupported> {
        self.0.push(value.to_string());
        Ok(())
    }
}

impl<'a> ser::Serializer for Values<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Self;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = Impossible<(), Unsupported>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unsupported> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        // As JSON writes it (`1.0`, `0.5`); a number JSON cannot hold is refused.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.push(n),
            None => unsupported(),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.push(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.push(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unsupported> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        unsupported()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        unsupported()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        unsupported()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        unsupported()
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        unsupported()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        unsupported()
    }
}

impl ser::SerializeSeq for Values<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(Values(self.0))
    }

    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<T: Serialize + ?Sized>(name: &str, value: &T) -> Option<String> {
        let request = reqwest::Client::new()
            .get("http://127.0.0.1/x")
            .query(&Param { name, value })
            .build()
            .unwrap();
        request.url().query().map(str::to_owned)
    }

    #[derive(Serialize)]
    enum Kind {
        #[serde(rename = "user.created")]
        Created,
    }

    #[derive(Serialize)]
    #[serde(transparent)]
    struct Kinds(Vec<Kind>);

    #[test]
    fn scalars_lists_and_absent_values() {
        assert_eq!(query("q", "a b&c").as_deref(), Some("q=a+b%26c"));
        assert_eq!(
            query("include_totals", &true).as_deref(),
            Some("include_totals=true")
        );
        assert_eq!(query("page", &-2i64).as_deref(), Some("page=-2"));
        assert_eq!(query("ratio", &0.5f64).as_deref(), Some("ratio=0.5"));
        assert_eq!(
            query("type", &Kind::Created).as_deref(),
            Some("type=user.created")
        );
        assert_eq!(
            query("fields", &vec!["a", "b"]).as_deref(),
            Some("fields=a&fields=b")
        );
        assert_eq!(
            query("type", &Kinds(vec![Kind::Created, Kind::Created])).as_deref(),
            Some("type=user.created&type=user.created")
        );
        // Nothing to add: no query at all, not an empty one.
        assert_eq!(query("fields", &Vec::<String>::new()), None);
        assert_eq!(query("fields", &None::<String>), None);
    }

    #[test]
    fn an_object_is_an_error_not_a_panic() {
        let built = reqwest::Client::new()
            .get("http://127.0.0.1/x")
            .query(&Param {
                name: "m",
                value: &serde_json::json!({"a": 1}),
            })
            .build();
        let err = built.unwrap_err();
        assert!(err.is_builder(), "{err}");
        assert!(err.to_string().contains("builder"), "{err}");
    }
}
