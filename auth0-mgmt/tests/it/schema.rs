//! The JSON Schema of the generated types (the `schemars` feature, on for these tests).

use auth0_mgmt::types;
use serde_json::Value;

/// The schema of `T` as JSON, after checking that every `$ref` in it names one of its `$defs`.
fn schema<T: schemars::JsonSchema>() -> Value {
    let root = schemars::schema_for!(T).to_value();
    let mut refs = Vec::new();
    collect_refs(&root, &mut refs);
    for r in refs {
        let name = r
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("a reference outside the document: {r}"));
        assert!(root["$defs"].get(name).is_some(), "dangling reference {r}");
    }
    root
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// A subschema with its `$ref` followed into the root's `$defs`.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &root["$defs"][r.trim_start_matches("#/$defs/")],
        None => schema,
    }
}

/// A member's schema without the `null` alternative an optional member adds, its `$ref`
/// followed.
fn non_null<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some([a, b]) = schema["anyOf"].as_array().map(Vec::as_slice) {
        match (a["type"] == "null", b["type"] == "null") {
            (true, false) => return resolve(root, b),
            (false, true) => return resolve(root, a),
            _ => {}
        }
    }
    resolve(root, schema)
}

fn allows_null(schema: &Value) -> bool {
    let typed = |s: &Value| match &s["type"] {
        Value::String(t) => t == "null",
        Value::Array(ts) => ts.iter().any(|t| t == "null"),
        _ => false,
    };
    typed(schema)
        || ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema[k].as_array())
            .any(|alts| alts.iter().any(typed))
}

fn required(schema: &Value) -> Vec<&str> {
    schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn an_answer_type_lists_its_members_and_takes_unlisted_ones() {
    let root = schema::<types::GetUserResponseContent>();
    assert_eq!(root["type"], "object");
    for member in ["user_id", "email", "app_metadata", "identities"] {
        assert!(
            root["properties"].get(member).is_some(),
            "no {member}: {root:#}"
        );
    }
    // `extra` is flattened: no member of that name, and unlisted members are allowed.
    assert!(root["properties"].get("extra").is_none());
    assert_ne!(root["additionalProperties"], Value::Bool(false));
    assert!(required(&root).is_empty(), "{:?}", required(&root));
    let identities = &root["properties"]["identities"];
    assert!(
        identities["type"] == "array" || identities["type"][0] == "array",
        "{identities:#}"
    );
}

#[test]
fn nullable_members_are_optional_and_take_null() {
    let root = schema::<types::CreateClientRequestContent>();
    assert_eq!(required(&root), ["name"]);
    let addons = &root["properties"]["addons"];
    assert!(allows_null(addons), "addons: {addons:#}");
    let name = &root["properties"]["name"];
    assert!(!allows_null(name), "name: {name:#}");
    assert_eq!(name["type"], "string");
}

#[test]
fn open_enums_list_the_documented_values_and_take_others() {
    let root = schema::<types::CreateClientRequestContent>();
    let app_type = &root["properties"]["app_type"];
    assert!(allows_null(app_type), "{app_type:#}");
    let open = non_null(&root, app_type);
    let [documented, other] = open["anyOf"].as_array().unwrap().as_slice() else {
        panic!("{open:#}");
    };
    let values: Vec<&str> = documented["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for value in ["native", "spa", "regular_web", "non_interactive"] {
        assert!(values.contains(&value), "{values:?}");
    }
    assert_eq!(*other, serde_json::json!({"type": "string"}));
}

#[test]
fn connection_options_offer_every_strategy_shape() {
    let root = schema::<types::CreateConnectionRequestContent>();
    let options = &root["properties"]["options"];
    let union = non_null(&root, options);
    let shapes: Vec<&str> = union["anyOf"]
        .as_array()
        .unwrap_or_else(|| panic!("{union:#}"))
        .iter()
        .filter_map(|alt| alt["$ref"].as_str())
        .collect();
    for strategy in [
        "ConnectionOptionsAd",
        "ConnectionOptionsOkta",
        "ConnectionOptionsSaml",
    ] {
        assert!(
            shapes.iter().any(|s| s.ends_with(strategy)),
            "no {strategy} among {shapes:?}"
        );
    }
    let okta = &root["$defs"]["ConnectionOptionsOkta"];
    assert_eq!(okta["type"], "object", "{okta:#}");
}

#[test]
fn a_map_of_unlisted_members_gives_their_schema_and_newtypes_their_inner_one() {
    let root = schema::<types::ConnectionSigningKeySaml>();
    assert_eq!(root["additionalProperties"]["type"], "string", "{root:#}");
    assert!(allows_null(&root["properties"]["cert"]));
    let tag = schema::<types::AculHeadTagContent>();
    assert_eq!(tag["type"], "string", "{tag:#}");
}
