//! Normalization passes: from Auth0's OpenAPI 3.1 document to something progenitor 0.15 and
//! typify generate from, and whose response types read what the real API sends.
//!
//! Each pass is a named function over the whole document that returns how many places it
//! touched; [`run_all`] runs them in order and reports the counts.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::ops::direct_refs;

pub mod merge;
pub mod tagged;

/// A named normalization pass.
pub struct Pass {
    /// Short, stable name (printed by `cargo xtask codegen`).
    pub name: &'static str,
    /// What it does and why, in one line.
    pub why: &'static str,
    /// The transformation; returns the number of places touched.
    pub run: fn(&mut Value) -> usize,
}

/// Every pass, in the order they run.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "openapi-3.0",
        why: "progenitor reads OpenAPI 3.0: declare 3.0.3, give responses the required description",
        run: openapi_30,
    },
    Pass {
        name: "json-request-bodies",
        why: "bodies offered as JSON and form data: progenitor takes one media type, keep JSON",
        run: json_request_bodies,
    },
    Pass {
        name: "raw-error-responses",
        why: "error responses declare no body; the runtime reads status, headers and raw body",
        run: raw_error_responses,
    },
    Pass {
        name: "stream-responses",
        why: "non-JSON success bodies (text/event-stream) are handed over as a byte stream",
        run: stream_responses,
    },
    Pass {
        name: "undeclared-bodies",
        why: "2xx answers documented without a body may carry one: read it as JSON, never drop it",
        run: undeclared_bodies,
    },
    Pass {
        name: "one-success-shape",
        why: "progenitor needs one success type: a bodiless 2xx next to a JSON one reads as null",
        run: one_success_shape,
    },
    Pass {
        name: "nullable-type-arrays",
        why: "3.1 `type: [T, \"null\"]` becomes 3.0 `type: T, nullable: true`",
        run: nullable_type_arrays,
    },
    Pass {
        name: "null-branches",
        why: "`{type: null}` branches of oneOf/anyOf become `nullable` on the parent",
        run: null_branches,
    },
    Pass {
        name: "const-to-enum",
        why: "openapiv3 drops 3.1 `const`: a one-value enum keeps the fact",
        run: const_to_enum,
    },
    Pass {
        name: "sibling-tagged-unions",
        why: "a member whose shape a sibling's fixed value decides (connection options by strategy): a union chosen by that sibling",
        run: tagged::sibling_tagged_unions,
    },
    Pass {
        name: "untyped-null-enums",
        why: "an enum listing null without a type makes typify emit a type twice",
        run: untyped_null_enums,
    },
    Pass {
        name: "hoist-nullable-oneof",
        why: "a nullable oneOf component makes typify emit a type twice: hoist the oneOf",
        run: hoist_nullable_oneof,
    },
    Pass {
        name: "drop-3.1-keywords",
        why: "`contains`, `contentMediaType`, ... mean nothing to 3.0 tools",
        run: drop_31_keywords,
    },
    Pass {
        name: "open-objects",
        why: "`additionalProperties: false` would reject fields Auth0 adds over time",
        run: open_objects,
    },
    Pass {
        name: "drop-sample-defaults",
        why: "`default` holds sample values, not defaults: never send or invent them",
        run: drop_sample_defaults,
    },
    Pass {
        name: "drop-validation",
        why: "length/pattern/range rules become validating types that reject real data",
        run: drop_validation,
    },
    Pass {
        name: "typeless-formats",
        why: "a branch stating only a string `format` (uuid, hostname) is a string",
        run: typeless_formats,
    },
    Pass {
        name: "plain-string-formats",
        why: "date-time/uuid/... formats would reject values Auth0 sends in other shapes: strings",
        run: plain_string_formats,
    },
    Pass {
        name: "primitive-unions",
        why: "anyOf/oneOf of primitive branches: one type, or an untagged choice typify can read",
        run: primitive_unions,
    },
    Pass {
        name: "inline-plain-schemas",
        why: "a named bare string, boolean, list or free-form map is written in place: a member is a String, not a newtype",
        run: merge::inline_plain_schemas,
    },
    Pass {
        name: "tolerant-responses",
        why: "fields the document calls required are not always sent: response fields are optional",
        run: tolerant_responses,
    },
    Pass {
        name: "optional-collections",
        why: "an optional array must distinguish unset from empty (`[]` clears) and read null",
        run: optional_collections,
    },
    Pass {
        name: "merge-identical-schemas",
        why: "schemas of the same shape and use are one type (Client for GetClientResponseContent); old names stay aliases",
        run: merge::merge_identical_schemas,
    },
    Pass {
        name: "handwritten-operations",
        why: "multipart bodies are not generated; those operations are written by hand",
        run: handwritten_operations,
    },
];

/// Runs every pass in order; returns `(name, places touched)` per pass.
pub fn run_all(doc: &mut Value) -> Vec<(&'static str, usize)> {
    PASSES.iter().map(|p| (p.name, (p.run)(doc))).collect()
}

// ---------------------------------------------------------------------------------------------
// Walking the document

/// Every operation object, with its path and method.
fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Map<String, Value>)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if crate::ops::METHODS.contains(&method.as_str())
                && let Some(op) = op.as_object_mut()
            {
                f(path, method, op);
            }
        }
    }
}

/// Calls `f` on every schema node of the document, parents before children.
fn visit_schemas(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>) -> usize) -> usize {
    let mut n = 0;
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for s in schemas.values_mut() {
            n += visit_schema(s, f);
        }
    }
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for r in responses.values_mut() {
            n += visit_content(r, f);
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, node) in item.iter_mut() {
                if key == "parameters" {
                    n += visit_parameters(node, f);
                    continue;
                }
                let Some(op) = node.as_object_mut() else {
                    continue;
                };
                if let Some(params) = op.get_mut("parameters") {
                    n += visit_parameters(params, f);
                }
                if let Some(body) = op.get_mut("requestBody") {
                    n += visit_content(body, f);
                }
                for r in op
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                    .into_iter()
                    .flat_map(|r| r.values_mut())
                {
                    n += visit_content(r, f);
                }
            }
        }
    }
    n
}

fn visit_parameters(
    params: &mut Value,
    f: &mut dyn FnMut(&mut Map<String, Value>) -> usize,
) -> usize {
    let mut n = 0;
    for p in params.as_array_mut().into_iter().flatten() {
        if let Some(s) = p.get_mut("schema") {
            n += visit_schema(s, f);
        }
    }
    n
}

fn visit_content(node: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>) -> usize) -> usize {
    let mut n = 0;
    for media in node
        .get_mut("content")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|c| c.values_mut())
    {
        if let Some(s) = media.get_mut("schema") {
            n += visit_schema(s, f);
        }
    }
    n
}

/// Visits one schema and every schema below it.
fn visit_schema(node: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>) -> usize) -> usize {
    let Some(map) = node.as_object_mut() else {
        return 0;
    };
    let mut n = f(map);
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                for s in child
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    n += visit_schema(s, f);
                }
            }
            "allOf" | "oneOf" | "anyOf" | "prefixItems" => {
                for s in child.as_array_mut().into_iter().flatten() {
                    n += visit_schema(s, f);
                }
            }
            "items" | "additionalProperties" | "not" | "contains" => match child {
                Value::Array(items) => {
                    for s in items {
                        n += visit_schema(s, f);
                    }
                }
                other => n += visit_schema(other, f),
            },
            _ => {}
        }
    }
    n
}

// ---------------------------------------------------------------------------------------------
// Passes

fn openapi_30(doc: &mut Value) -> usize {
    let mut n = 0;
    if doc.get("openapi").and_then(Value::as_str) != Some("3.0.3") {
        doc["openapi"] = json!("3.0.3");
        n += 1;
    }
    let mut add_description = |r: &mut Value| {
        if let Some(r) = r.as_object_mut()
            && !r.contains_key("$ref")
            && !r.contains_key("description")
        {
            r.insert("description".into(), json!(""));
            n += 1;
        }
    };
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        responses.values_mut().for_each(&mut add_description);
    }
    for_each_operation(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            responses.values_mut().for_each(&mut add_description);
        }
    });
    n
}

/// Operation ids whose request body is multipart; the facade calls handwritten code for them.
pub fn multipart_operations(doc: &Value) -> BTreeSet<String> {
    crate::ops::operations(doc)
        .into_iter()
        .filter(|op| {
            doc["paths"][&op.path][&op.method]
                .pointer("/requestBody/content/multipart~1form-data")
                .is_some()
        })
        .map(|op| op.id)
        .collect()
}

fn handwritten_operations(doc: &mut Value) -> usize {
    let ids = multipart_operations(doc);
    let mut n = 0;
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            item.retain(|_, op| {
                let keep = !op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .is_some_and(|id| ids.contains(id));
                n += usize::from(!keep);
                keep
            });
        }
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|i| i.keys().any(|k| crate::ops::METHODS.contains(&k.as_str())))
        });
    }
    n
}

fn json_request_bodies(doc: &mut Value) -> usize {
    let mut n = 0;
    for_each_operation(doc, |_, _, op| {
        if let Some(content) = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut)
            && content.len() > 1
            && content.contains_key("application/json")
        {
            content.retain(|k, _| k == "application/json");
            n += 1;
        }
    });
    n
}

fn is_success(code: &str) -> bool {
    code.starts_with('2')
}

fn raw_error_responses(doc: &mut Value) -> usize {
    let mut n = 0;
    for_each_operation(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            let before = responses.len();
            responses.retain(|code, _| is_success(code));
            n += before - responses.len();
        }
    });
    n
}

fn stream_responses(doc: &mut Value) -> usize {
    let mut n = 0;
    for_each_operation(doc, |_, _, op| {
        for r in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|r| r.values_mut())
        {
            if let Some(content) = r.get_mut("content").and_then(Value::as_object_mut)
                && !content.is_empty()
                && !content.keys().any(|k| k.starts_with("application/json"))
                && !content.contains_key("application/octet-stream")
            {
                *content = Map::from_iter([(
                    "application/octet-stream".to_string(),
                    json!({"schema": {"type": "string", "format": "binary"}}),
                )]);
                n += 1;
            }
        }
    });
    n
}

fn undeclared_bodies(doc: &mut Value) -> usize {
    let mut n = 0;
    for_each_operation(doc, |_, _, op| {
        for (code, r) in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            if code == "204" {
                // No Content: a declared body would be decoded from nothing.
                if let Some(r) = r.as_object_mut()
                    && r.remove("content").is_some()
                {
                    n += 1;
                }
                continue;
            }
            if is_success(code)
                && let Some(r) = r.as_object_mut()
                && !r.contains_key("$ref")
                && r.get("content")
                    .is_none_or(|c| c.as_object().is_none_or(Map::is_empty))
            {
                r.insert(
                    "content".into(),
                    json!({"application/json": {"schema": {}}}),
                );
                n += 1;
            }
        }
    });
    n
}

fn one_success_shape(doc: &mut Value) -> usize {
    let mut n = 0;
    for_each_operation(doc, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let json_schema = responses
            .values()
            .find_map(|r| r.pointer("/content/application~1json/schema").cloned());
        let Some(schema) = json_schema else { return };
        let bodiless = responses
            .values()
            .filter(|r| r.get("content").is_none())
            .count();
        if bodiless == 0 {
            return;
        }
        // Every success answer now reads as `Option<T>`: a bodiless one reads as null.
        let nullable = if schema.as_object().is_some_and(Map::is_empty) {
            schema
        } else {
            json!({"allOf": [schema], "nullable": true})
        };
        for r in responses.values_mut() {
            r["content"] = json!({"application/json": {"schema": nullable.clone()}});
        }
        n += 1;
    });
    n
}

fn nullable_type_arrays(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let Some(Value::Array(types)) = s.get("type") else {
            return 0;
        };
        let non_null: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let had_null = non_null.len() != types.len();
        match non_null.len() {
            0 => {
                s.remove("type");
            }
            1 => {
                s.insert("type".into(), non_null[0].clone());
            }
            _ => {
                // Several real types: an untagged choice between them.
                s.remove("type");
                let branches: Vec<Value> =
                    non_null.into_iter().map(|t| json!({"type": t})).collect();
                s.insert("oneOf".into(), Value::Array(branches));
            }
        }
        if had_null {
            s.insert("nullable".into(), json!(true));
        }
        1
    })
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
        || v.get("enum").is_some_and(|e| e == &json!([null]))
}

fn null_branches(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let mut n = 0;
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(branches)) = s.get_mut(key) else {
                continue;
            };
            let before = branches.len();
            branches.retain(|b| !is_null_schema(b));
            if branches.len() == before {
                continue;
            }
            n += 1;
            if branches.len() == 1 {
                let only = branches.remove(0);
                s.remove(key);
                s.insert("allOf".into(), json!([only]));
            }
            s.insert("nullable".into(), json!(true));
        }
        n
    })
}

fn json_type_of(v: &Value) -> Option<&'static str> {
    match v {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        _ => None,
    }
}

fn const_to_enum(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let Some(value) = s.remove("const") else {
            return 0;
        };
        if !s.contains_key("type")
            && let Some(t) = json_type_of(&value)
        {
            s.insert("type".into(), json!(t));
        }
        s.insert("enum".into(), json!([value]));
        1
    })
}

fn untyped_null_enums(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let Some(Value::Array(values)) = s.get_mut("enum") else {
            return 0;
        };
        if !values.contains(&Value::Null) {
            return 0;
        }
        values.retain(|v| !v.is_null());
        let inferred = values.first().and_then(json_type_of).unwrap_or("string");
        if !s.contains_key("type") {
            s.insert("type".into(), json!(inferred));
        }
        s.insert("nullable".into(), json!(true));
        1
    })
}

fn hoist_nullable_oneof(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let mut hoisted = Vec::new();
    for (name, s) in schemas.iter_mut() {
        let Some(map) = s.as_object_mut() else {
            continue;
        };
        let nullable = map.get("nullable") == Some(&Value::Bool(true));
        let branches = map
            .get("oneOf")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if nullable && branches >= 2 {
            let one_of = map.remove("oneOf").expect("checked above");
            let inner_name = format!("{name}Value");
            let mut inner = Map::new();
            inner.insert("oneOf".into(), one_of);
            if let Some(d) = map.remove("discriminator") {
                inner.insert("discriminator".into(), d);
            }
            map.insert(
                "allOf".into(),
                json!([{"$ref": format!("#/components/schemas/{inner_name}")}]),
            );
            hoisted.push((inner_name, Value::Object(inner)));
        }
    }
    let n = hoisted.len();
    schemas.extend(hoisted);
    n
}

fn plain_string_formats(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let string = s.get("type").and_then(Value::as_str) == Some("string");
        let binary = s.get("format").and_then(Value::as_str) == Some("binary");
        if string && !binary && s.remove("format").is_some() {
            1
        } else {
            0
        }
    })
}

fn typeless_formats(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let only_format = s.contains_key("format")
            && s.keys()
                .all(|k| matches!(k.as_str(), "format" | "nullable" | "readOnly" | "writeOnly"));
        if only_format {
            s.insert("type".into(), json!("string"));
            1
        } else {
            0
        }
    })
}

fn primitive_type(v: &Value) -> Option<&str> {
    let map = v.as_object()?;
    if map.contains_key("$ref") || map.contains_key("properties") {
        return None;
    }
    match map.get("type")?.as_str()? {
        t @ ("string" | "integer" | "number" | "boolean") => Some(t),
        _ => None,
    }
}

fn primitive_unions(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let mut n = 0;
        for key in ["anyOf", "oneOf"] {
            let Some(Value::Array(branches)) = s.get(key) else {
                continue;
            };
            let types: Option<BTreeSet<&str>> = branches.iter().map(primitive_type).collect();
            let Some(types) = types else { continue };
            if types.len() == 1 {
                let t = types.into_iter().next().expect("one type").to_string();
                s.remove(key);
                s.insert("type".into(), json!(t));
                n += 1;
            } else if key == "anyOf" {
                let branches: Vec<Value> = types.into_iter().map(|t| json!({"type": t})).collect();
                s.remove(key);
                s.insert("oneOf".into(), Value::Array(branches));
                n += 1;
            }
        }
        n
    })
}

fn drop_keys(s: &mut Map<String, Value>, keys: &[&str]) -> usize {
    keys.iter().filter(|k| s.remove(**k).is_some()).count()
}

fn drop_31_keywords(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        drop_keys(
            s,
            &[
                "contains",
                "contentMediaType",
                "contentEncoding",
                "prefixItems",
                "$defs",
                "examples",
            ],
        )
    })
}

fn open_objects(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        if s.get("additionalProperties") == Some(&Value::Bool(false)) {
            s.remove("additionalProperties");
            1
        } else {
            0
        }
    })
}

fn drop_sample_defaults(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| drop_keys(s, &["default"]))
}

fn drop_validation(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        drop_keys(
            s,
            &[
                "minLength",
                "maxLength",
                "pattern",
                "minItems",
                "maxItems",
                "uniqueItems",
                "minProperties",
                "maxProperties",
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
            ],
        )
    })
}

/// Component schemas reachable from success responses, and those reachable from requests.
fn schema_usage(doc: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let empty = Map::new();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let closure = |roots: BTreeSet<String>| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.into_iter().collect();
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone())
                && let Some(s) = schemas.get(&name)
            {
                let mut next = BTreeSet::new();
                direct_refs(s, &mut next);
                stack.extend(next);
            }
        }
        seen
    };
    let mut response_roots = BTreeSet::new();
    let mut request_roots = BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !crate::ops::METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(r) = op.get("responses") {
                direct_refs(r, &mut response_roots);
            }
            if let Some(b) = op.get("requestBody") {
                direct_refs(b, &mut request_roots);
            }
            if let Some(p) = op.get("parameters") {
                direct_refs(p, &mut request_roots);
            }
        }
    }
    (closure(response_roots), closure(request_roots))
}

fn tolerant_responses(doc: &mut Value) -> usize {
    let (responses, _) = schema_usage(doc);
    // Inline response schemas (not components) are relaxed in place too.
    let mut n = 0;
    for_each_operation(doc, |_, _, op| {
        for r in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|r| r.values_mut())
        {
            n += visit_content(r, &mut |s| usize::from(s.remove("required").is_some()));
        }
    });
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return n;
    };
    for (name, s) in schemas.iter_mut() {
        if responses.contains(name) {
            n += visit_schema(s, &mut |s| usize::from(s.remove("required").is_some()));
        }
    }
    n
}

fn is_collection(s: &Value) -> bool {
    match s.get("type").and_then(Value::as_str) {
        Some("array") => true,
        Some("object") => s.get("properties").is_none() && s.get("additionalProperties").is_some(),
        _ => false,
    }
}

fn optional_collections(doc: &mut Value) -> usize {
    visit_schemas(doc, &mut |s| {
        let required: BTreeSet<String> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) else {
            return 0;
        };
        let mut n = 0;
        for (name, prop) in props.iter_mut() {
            if !required.contains(name)
                && is_collection(prop)
                && let Some(p) = prop.as_object_mut()
                && p.insert("nullable".into(), json!(true)).is_none()
            {
                n += 1;
            }
        }
        n
    })
}

#[cfg(test)]
mod tests;
