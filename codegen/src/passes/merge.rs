//! The `inline-plain-schemas` and `merge-identical-schemas` passes: one type per shape.
//!
//! Auth0's document names many schemas that are a bare string, boolean, free-form map or array
//! of strings (`ConnectionClientIdOIDC`, `AppMetadata`, `ConnectionScopeArray`), and names the
//! same object shape many times (`Client`, `GetClientResponseContent`,
//! `CreateClientResponseContent`, ...). Every name becomes a Rust type with its own derives and
//! conversions, which the compiler pays for once per name.
//!
//! - `inline-plain-schemas` writes a plain schema into each place that refers to it, so a
//!   member is a `String`, `bool`, `Vec<String>` or `serde_json::Map` rather than a newtype.
//!   References that are themselves a union's branch keep the name (the branch's name is the
//!   variant's).
//! - `merge-identical-schemas` merges component schemas that are the same once titles,
//!   descriptions and examples are ignored, repeating until no two are the same (merging
//!   `A`/`B` can make their users the same). Only schemas used the same way merge (answers with
//!   answers, request bodies with request bodies), so a type's members keep their meaning
//!   (`Nullable` on the way out, tolerant on the way in), and a union's branches keep their
//!   names (a branch's name is its variant's). The surviving name is the first of: a
//!   name that does not end in `RequestContent`/`ResponseContent` (the resource's own name,
//!   `Client`), the shortest, the first alphabetically. The merged names are recorded in the
//!   document's `x-auth0-merged` map (old name -> survivor), from which codegen emits type
//!   aliases, so every name of the document still names its type.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::schema_usage;
use super::tagged::{TAGGED_UNIONS, tagged_unions};

/// The document key that maps each merged schema name to the name that survives.
pub const MERGED: &str = "x-auth0-merged";

const SCHEMA_REF: &str = "#/components/schemas/";

/// Keys that do not change what a schema accepts.
const PROSE: &[&str] = &["title", "description", "example", "examples"];

fn schemas(doc: &Value) -> Option<&Map<String, Value>> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
}

/// Keys that give a schema parts of its own, beside its type.
const NAMED_PARTS: &[&str] = &["properties", "not", "enum", "$ref", "discriminator"];

/// Keys that combine other schemas.
const UNIONS: &[&str] = &["allOf", "anyOf", "oneOf"];

/// A schema with no named parts: a primitive, an array or map of plain schemas, any value.
fn is_plain(s: &Value) -> bool {
    let Some(m) = s.as_object() else {
        return false;
    };
    if NAMED_PARTS.iter().chain(UNIONS).any(|k| m.contains_key(*k)) {
        return false;
    }
    match m.get("type").and_then(Value::as_str) {
        Some("string" | "number" | "integer" | "boolean") => true,
        Some("array") => m.get("items").is_none_or(is_plain),
        Some("object") | None => match m.get("additionalProperties") {
            None | Some(Value::Bool(true)) => true,
            Some(Value::Object(a)) if a.is_empty() => true,
            Some(a) => is_plain(a),
        },
        Some(_) => false,
    }
}

/// The plain schema `v` stands for: itself if plain, the schema it refers to if that is plain.
fn plain_body(v: &Value, plain: &BTreeMap<String, Value>) -> Option<Value> {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => plain.get(r.strip_prefix(SCHEMA_REF)?).cloned(),
        None => is_plain(v).then(|| v.clone()),
    }
}

/// The one branch of a wrapper such as `allOf: [{$ref: X}, {}]` (empty branches ignored), when
/// the wrapper has no other part.
fn single_branch(m: &Map<String, Value>) -> Option<(&'static str, &Value)> {
    if NAMED_PARTS.iter().any(|k| m.contains_key(*k)) || m.contains_key("items") {
        return None;
    }
    let mut found = None;
    for &key in UNIONS {
        if let Some(branches) = m.get(key).and_then(Value::as_array) {
            let mut real = branches
                .iter()
                .filter(|b| b.as_object().is_none_or(|o| !o.is_empty()));
            match (found, real.next(), real.next()) {
                (None, Some(b), None) => found = Some((key, b)),
                _ => return None,
            }
        }
    }
    found
}

/// Replaces, everywhere below `v`, a reference to a schema in `plain` by a copy of it (the
/// referring object's own keys, such as `nullable`, kept), and a one-branch wrapper of a plain
/// schema by that schema. `in_union` marks branches of `oneOf`/`anyOf`/`allOf`, which keep
/// their reference.
fn inline_refs(v: &mut Value, plain: &BTreeMap<String, Value>, in_union: bool) -> usize {
    let mut n = 0;
    match v {
        Value::Object(m) => {
            let replacement = if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                (!in_union)
                    .then(|| plain.get(r.strip_prefix(SCHEMA_REF)?).cloned())
                    .flatten()
                    .map(|body| (body, "$ref"))
            } else {
                single_branch(m).and_then(|(key, b)| Some((plain_body(b, plain)?, key)))
            };
            if let Some((body, replaced)) = replacement {
                let mut copy = body.as_object().cloned().unwrap_or_default();
                for p in PROSE {
                    copy.remove(*p);
                }
                m.remove(replaced);
                for (k, x) in std::mem::take(m) {
                    copy.insert(k, x);
                }
                *m = copy;
                n += 1;
            }
            for (k, child) in m.iter_mut() {
                let union = UNIONS.contains(&k.as_str());
                match child {
                    Value::Array(items) if union => {
                        for i in items {
                            n += inline_refs(i, plain, true);
                        }
                    }
                    _ => n += inline_refs(child, plain, false),
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                n += inline_refs(i, plain, false);
            }
        }
        _ => {}
    }
    n
}

/// The `inline-plain-schemas` pass; returns the number of references written out in place.
pub fn inline_plain_schemas(doc: &mut Value) -> usize {
    let mut total = 0;
    // A plain array's items may refer to another plain schema: repeat until none is left.
    loop {
        let plain: BTreeMap<String, Value> = schemas(doc)
            .into_iter()
            .flatten()
            .filter(|(_, s)| is_plain(s))
            .map(|(k, s)| {
                let mut s = s.clone();
                if let Some(m) = s.as_object_mut() {
                    for p in PROSE {
                        m.remove(*p);
                    }
                }
                (k.clone(), s)
            })
            .collect();
        let n = inline_refs(doc, &plain, false);
        if n == 0 {
            return total;
        }
        total += n;
    }
}

/// The schema with prose left out and references renamed by `merged`: two schemas with the
/// same key accept the same JSON.
fn shape_key(s: &Value, merged: &BTreeMap<String, String>) -> Value {
    match s {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !PROSE.contains(&k.as_str()))
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "$ref" => match v.as_str().and_then(|r| r.strip_prefix(SCHEMA_REF)) {
                            Some(t) => {
                                Value::String(merged.get(t).map_or(t, String::as_str).into())
                            }
                            None => v.clone(),
                        },
                        "properties" => Value::Object(
                            v.as_object()
                                .into_iter()
                                .flatten()
                                .map(|(p, s)| (p.clone(), shape_key(s, merged)))
                                .collect(),
                        ),
                        "items" | "additionalProperties" | "not" | "allOf" | "oneOf" | "anyOf" => {
                            shape_key(v, merged)
                        }
                        _ => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| shape_key(i, merged)).collect()),
        other => other.clone(),
    }
}

/// Orders the candidates for a group's surviving name: best first.
fn survivor_rank(name: &str) -> (bool, usize, &str) {
    let generic = name.ends_with("RequestContent") || name.ends_with("ResponseContent");
    (generic, name.len(), name)
}

/// The schemas referred to as a branch of a `oneOf` or `anyOf` below `v`.
fn union_branches(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if matches!(k.as_str(), "oneOf" | "anyOf") {
                    for b in child.as_array().into_iter().flatten() {
                        if let Some(t) = b
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix(SCHEMA_REF))
                        {
                            out.insert(t.to_string());
                        }
                    }
                }
                union_branches(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| union_branches(i, out)),
        _ => {}
    }
}

/// Rewrites every schema reference below `v` through `merged`.
fn rename_refs(v: &mut Value, merged: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(t) = s.strip_prefix(SCHEMA_REF)
                && let Some(to) = merged.get(t)
            {
                *s = format!("{SCHEMA_REF}{to}");
            }
        }
        Value::Object(m) => m.values_mut().for_each(|c| rename_refs(c, merged)),
        Value::Array(items) => items.iter_mut().for_each(|c| rename_refs(c, merged)),
        _ => {}
    }
}

/// The `merge-identical-schemas` pass; returns the number of schemas merged into another.
pub fn merge_identical_schemas(doc: &mut Value) -> usize {
    let (answers, requests) = schema_usage(doc);
    let unions = tagged_unions(doc);
    // A tagged union and its variants are chosen by name; they keep theirs.
    let fixed: BTreeSet<&str> = unions
        .iter()
        .flat_map(|u| {
            std::iter::once(u.union.as_str()).chain(u.variants.keys().map(String::as_str))
        })
        .collect();
    // A union's branch names its variant (`AculClientFilter::Id`): branches keep their names.
    let mut branches = BTreeSet::new();
    union_branches(doc, &mut branches);
    let fixed: BTreeSet<&str> = fixed
        .into_iter()
        .chain(branches.iter().map(String::as_str))
        .collect();
    let Some(all) = schemas(doc) else {
        return 0;
    };
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut groups: BTreeMap<(bool, bool, String), Vec<&str>> = BTreeMap::new();
        for (name, s) in all {
            let (answer, request) = (answers.contains(name), requests.contains(name));
            if merged.contains_key(name) || fixed.contains(name.as_str()) || !(answer || request) {
                continue;
            }
            let key = shape_key(s, &merged).to_string();
            groups.entry((answer, request, key)).or_default().push(name);
        }
        let before = merged.len();
        for mut group in groups.into_values().filter(|g| g.len() > 1) {
            group.sort_by_key(|n| survivor_rank(n));
            for gone in &group[1..] {
                merged.insert(gone.to_string(), group[0].to_string());
            }
        }
        if merged.len() == before {
            break;
        }
    }
    if merged.is_empty() {
        return 0;
    }
    // A survivor merged again later: point every old name at the final one.
    let finals: BTreeMap<String, String> = merged
        .keys()
        .map(|k| {
            let mut to = &merged[k];
            while let Some(next) = merged.get(to) {
                to = next;
            }
            (k.clone(), to.clone())
        })
        .collect();
    if let Some(s) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        s.retain(|k, _| !finals.contains_key(k));
    }
    rename_refs(doc, &finals);
    if let Some(records) = doc.get_mut(TAGGED_UNIONS).and_then(Value::as_array_mut) {
        for r in records {
            for list in ["parents", "untagged_parents"] {
                if let Some(names) = r.get_mut(list).and_then(Value::as_array_mut) {
                    let mut seen = BTreeSet::new();
                    names.retain_mut(|n| {
                        if let Some(to) = n.as_str().and_then(|s| finals.get(s)) {
                            *n = Value::String(to.clone());
                        }
                        seen.insert(n.to_string())
                    });
                }
            }
        }
    }
    let n = finals.len();
    doc[MERGED] = Value::Object(
        finals
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    );
    n
}

/// The merged names recorded by the pass: old name -> surviving name.
pub fn merged_names(doc: &Value) -> BTreeMap<String, String> {
    doc.get(MERGED)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// The name a schema of the document has after the passes (itself unless merged).
pub fn current_name(doc: &Value, name: &str) -> String {
    doc.get(MERGED)
        .and_then(|m| m.get(name))
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn plain_schemas_are_primitives_lists_and_maps_without_names() {
        assert!(is_plain(&json!({"type": "string", "nullable": true})));
        assert!(is_plain(
            &json!({"type": "array", "items": {"type": "string"}})
        ));
        assert!(is_plain(
            &json!({"type": "object", "additionalProperties": true})
        ));
        assert!(is_plain(
            &json!({"type": "object", "additionalProperties": {"type": "integer"}})
        ));
        assert!(!is_plain(&json!({"type": "string", "enum": ["a"]})));
        assert!(!is_plain(
            &json!({"type": "array", "items": {"$ref": "#/components/schemas/X"}})
        ));
        assert!(!is_plain(
            &json!({"type": "object", "properties": {"a": {}}})
        ));
    }

    #[test]
    fn the_survivor_is_the_resource_name_then_the_shortest_then_the_first() {
        let mut names = [
            "GetClientResponseContent",
            "UpdateClientResponseContent",
            "Client",
        ];
        names.sort_by_key(|n| survivor_rank(n));
        assert_eq!(names[0], "Client");
        let mut names = ["UpdateRoleRequestContent", "CreateRoleRequestContent"];
        names.sort_by_key(|n| survivor_rank(n));
        assert_eq!(names[0], "CreateRoleRequestContent");
    }

    fn doc(schemas: Value, answers: &[&str], requests: &[&str]) -> Value {
        let mut paths = Map::new();
        for (i, name) in answers.iter().enumerate() {
            paths.insert(
                format!("/a{i}"),
                json!({"get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": format!("#/components/schemas/{name}")}}}}}}}),
            );
        }
        for (i, name) in requests.iter().enumerate() {
            paths.insert(
                format!("/r{i}"),
                json!({"post": {"requestBody": {"content": {"application/json": {
                    "schema": {"$ref": format!("#/components/schemas/{name}")}}}}}}),
            );
        }
        json!({"paths": paths, "components": {"schemas": schemas}})
    }

    #[test]
    fn merging_repeats_until_users_of_merged_schemas_are_merged_too() {
        let mut d = doc(
            json!({
                "A": {"type": "object", "properties": {"id": {"type": "string", "description": "x"}}},
                "B": {"type": "object", "properties": {"id": {"type": "string"}}},
                "ListA": {"type": "object", "properties": {"items": {"$ref": "#/components/schemas/A"}}},
                "ListB": {"type": "object", "properties": {"items": {"$ref": "#/components/schemas/B"}}},
                "C": {"type": "object", "properties": {"id": {"type": "string"}}}
            }),
            &["ListA", "ListB"],
            &["C"],
        );
        assert_eq!(merge_identical_schemas(&mut d), 2);
        let merged = merged_names(&d);
        assert_eq!(merged["B"], "A");
        assert_eq!(merged["ListB"], "ListA");
        assert!(
            !merged.contains_key("C"),
            "a request body does not merge with an answer"
        );
        assert_eq!(
            d["paths"]["/a1"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ListA"
        );
        assert!(d.pointer("/components/schemas/B").is_none());
        assert_eq!(current_name(&d, "ListB"), "ListA");
        assert_eq!(current_name(&d, "C"), "C");
    }

    #[test]
    fn union_branches_keep_the_names_their_variants_are_called_by() {
        let mut d = doc(
            json!({
                "FilterById": {"type": "object", "properties": {"id": {"type": "string"}}},
                "CredentialId": {"type": "object", "properties": {"id": {"type": "string"}}},
                "PlainCredentialId": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Filter": {"oneOf": [{"$ref": "#/components/schemas/FilterById"}, {"type": "string"}]}
            }),
            &["Filter", "CredentialId", "PlainCredentialId"],
            &[],
        );
        assert_eq!(merge_identical_schemas(&mut d), 1);
        assert_eq!(merged_names(&d)["PlainCredentialId"], "CredentialId");
        assert!(!merged_names(&d).contains_key("FilterById"));
    }

    #[test]
    fn a_property_named_like_prose_is_still_a_property() {
        let mut d = doc(
            json!({
                "A": {"type": "object", "properties": {"description": {"type": "string"}}},
                "B": {"type": "object", "properties": {"title": {"type": "string"}}}
            }),
            &["A", "B"],
            &[],
        );
        assert_eq!(merge_identical_schemas(&mut d), 0);
    }

    #[test]
    fn plain_references_are_written_in_place_but_union_branches_keep_their_names() {
        let mut d = doc(
            json!({
                "Id": {"type": "string", "description": "an id"},
                "Wrapped": {"allOf": [{"$ref": "#/components/schemas/Id"}, {}]},
                "Owner": {"type": "object", "properties": {"id": {"type": "string"}}},
                "T": {"type": "object", "properties": {
                    "id": {"$ref": "#/components/schemas/Wrapped", "nullable": true},
                    "who": {"oneOf": [{"$ref": "#/components/schemas/Id"}, {"$ref": "#/components/schemas/Owner"}]}
                }}
            }),
            &["T"],
            &[],
        );
        assert!(inline_plain_schemas(&mut d) >= 2);
        let t = &d["components"]["schemas"]["T"]["properties"];
        assert_eq!(t["id"], json!({"type": "string", "nullable": true}));
        assert_eq!(t["who"]["oneOf"][0]["$ref"], "#/components/schemas/Id");
    }
}
