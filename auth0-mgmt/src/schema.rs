//! What the generated `schemars::JsonSchema` impls call (feature `schemars`): each type is one
//! [`json_schema!`] line with a table of its members, and these few functions build the
//! schemas.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

/// A function giving the (sub)schema of one type.
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The subschema of `T`: a reference to its definition, or the schema itself where schemars
/// inlines it (strings, numbers, `Option`, ...).
pub(crate) fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// An object with these members (`(wire name, required, schema)`), members of `additional`'s
/// schema besides them (other members are allowed either way), and the members of the
/// `flattened` types.
pub(crate) fn object(
    generator: &mut SchemaGenerator,
    members: &[(&str, bool, SchemaFn)],
    additional: Option<SchemaFn>,
    flattened: &[SchemaFn],
) -> Schema {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for &(name, is_required, schema) in members {
        properties.insert(name.to_owned(), schema(generator).to_value());
        if is_required {
            required.push(Value::from(name));
        }
    }
    let mut object = Map::new();
    object.insert("type".into(), "object".into());
    if !properties.is_empty() {
        object.insert("properties".into(), properties.into());
    }
    if !required.is_empty() {
        object.insert("required".into(), required.into());
    }
    if let Some(schema) = additional {
        object.insert("additionalProperties".into(), schema(generator).to_value());
    }
    if flattened.is_empty() {
        return Schema::from(object);
    }
    let mut all = vec![Value::from(object)];
    all.extend(flattened.iter().map(|schema| schema(generator).to_value()));
    schemars::json_schema!({"allOf": all})
}

/// Any of these shapes: a union.
pub(crate) fn any_of(generator: &mut SchemaGenerator, variants: &[SchemaFn]) -> Schema {
    let variants: Vec<Value> = variants
        .iter()
        .map(|schema| schema(generator).to_value())
        .collect();
    schemars::json_schema!({"anyOf": variants})
}

/// The `JsonSchema` impl of a generated type: an object (members, the schema of members
/// besides them, flattened types), a union (`anyOf` its variants) or a newtype (its inner
/// type). Names in the tables are serde's wire names; `of` is [`of`].
macro_rules! json_schema {
    (object $name:ident, [$($member:expr),* $(,)?], $additional:expr, [$($flat:expr),* $(,)?]) => {
        $crate::schema::json_schema!(@impl $name, generator => {
            $crate::schema::object(generator, &[$($member),*], $additional, &[$($flat),*])
        });
    };
    (any_of $name:ident, [$($variant:expr),* $(,)?]) => {
        $crate::schema::json_schema!(@impl $name, generator => {
            $crate::schema::any_of(generator, &[$($variant),*])
        });
    };
    (newtype $name:ident, $inner:ty) => {
        $crate::schema::json_schema!(@impl $name, generator => {
            <$inner as ::schemars::JsonSchema>::json_schema(generator)
        } inline <$inner as ::schemars::JsonSchema>::inline_schema());
    };
    // The impl every arm writes: the type's name and id, its schema, whether it is inlined.
    (@impl $name:ident, $generator:ident => $schema:block $(inline $inline:expr)?) => {
        impl ::schemars::JsonSchema for $name {
            $(fn inline_schema() -> bool {
                $inline
            })?
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }
            fn schema_id() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(concat!(module_path!(), "::", stringify!($name)))
            }
            fn json_schema($generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                $schema
            }
        }
    };
}
pub(crate) use json_schema;
