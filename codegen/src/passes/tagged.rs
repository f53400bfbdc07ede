//! The `sibling-tagged-unions` pass: members whose shape a sibling member decides.
//!
//! Auth0's document describes connections per strategy in schema families it never uses
//! (`CreateConnectionRequestContentOkta`: `strategy: const "okta"`, `options: $ref
//! ConnectionOptionsOkta`, one per strategy), while the operations take and answer a generic
//! connection whose `options` is one database-like shape (requests) or a free-form map
//! (answers). This pass finds every such family (a tag member with a fixed value beside a
//! member that refers to a schema, in two or more schemas with different values), makes a union
//! component of the referred schemas (`ConnectionOptionsByStrategy`), and gives it to the same
//! member of every used schema that has the tag member too, or whose own family it is
//! (`UpdateConnectionRequestContent` for `UpdateConnectionRequestContentOkta`). The facts go to
//! the document's `x-auth0-tagged-unions` list, from which codegen makes those parents choose
//! the union's variant by the tag's value.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value, json};

/// The document key that lists the tagged unions for codegen.
pub const TAGGED_UNIONS: &str = "x-auth0-tagged-unions";

/// A fixed value of a schema member: `const`, or a one-value `enum`.
fn fixed_value(s: &Value) -> Option<String> {
    if let Some(v) = s.get("const").and_then(Value::as_str) {
        return Some(v.to_string());
    }
    match s.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
        Some([Value::String(v)]) => Some(v.clone()),
        _ => None,
    }
}

fn ref_name(s: &Value) -> Option<&str> {
    s.get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// The object parts of a schema: its `allOf` members, or itself.
fn parts(s: &Value) -> Vec<&Map<String, Value>> {
    match s.get("allOf").and_then(Value::as_array) {
        Some(all) => all.iter().filter_map(Value::as_object).collect(),
        None => s.as_object().into_iter().collect(),
    }
}

fn properties(p: &Map<String, Value>) -> Option<&Map<String, Value>> {
    p.get("properties").and_then(Value::as_object)
}

#[derive(Default)]
struct Family {
    /// Referred schema -> tag values.
    variants: BTreeMap<String, BTreeSet<String>>,
    /// Schemas of the family (tagged or not), with the schema their member refers to.
    members: BTreeMap<String, String>,
}

/// The longest run of characters every name starts with.
fn shared_start(names: impl Iterator<Item = String>) -> String {
    names
        .reduce(|p, n| {
            p.chars()
                .zip(n.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        })
        .unwrap_or_default()
}

fn common_prefix<'a>(names: impl Iterator<Item = &'a String>) -> String {
    // End the prefix at a word boundary (`ConnectionOptions`, not `ConnectionOptionsA`).
    let mut p = shared_start(names.cloned());
    while p.chars().last().is_some_and(|c| c.is_ascii_uppercase()) {
        p.pop();
    }
    p
}

fn resolve<'a>(s: &'a Value, schemas: &'a Map<String, Value>) -> &'a Value {
    let mut s = s;
    for _ in 0..8 {
        match ref_name(s).and_then(|r| schemas.get(r)) {
            Some(next) => s = next,
            None => break,
        }
    }
    s
}

fn is_scalar_or_array(s: &Value, schemas: &Map<String, Value>) -> bool {
    matches!(
        resolve(s, schemas).get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean" | "array")
    )
}

/// The one schema `s` is an alias of: `allOf` of one reference plus parts that add nothing.
fn alias_of(s: &Value) -> Option<String> {
    let all = s.get("allOf")?.as_array()?;
    if s.get("properties")
        .is_some_and(|p| p.as_object().is_some_and(|p| !p.is_empty()))
    {
        return None;
    }
    let mut refs = all.iter().filter_map(ref_name);
    let only = refs.next()?.to_string();
    let adds_nothing = |p: &Value| {
        ref_name(p).is_some()
            || p.as_object().is_some_and(|o| {
                o.iter().all(|(k, v)| match k.as_str() {
                    "type" | "description" | "additionalProperties" => true,
                    "properties" => v.as_object().is_some_and(Map::is_empty),
                    _ => false,
                })
            })
    };
    (refs.next().is_none() && all.iter().all(adds_nothing)).then_some(only)
}

fn is_free_form(s: &Value, schemas: &Map<String, Value>) -> bool {
    let s = resolve(s, schemas);
    s.get("type").and_then(Value::as_str) == Some("object")
        && s.get("properties").is_none()
        && s.get("oneOf").is_none()
        && s.get("anyOf").is_none()
}

/// The schemas a union member's `oneOf`/`anyOf` branches refer to.
fn branches<'a>(s: &'a Value, schemas: &'a Map<String, Value>) -> Vec<&'a str> {
    let s = resolve(s, schemas);
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| s.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(ref_name)
        .collect()
}

fn common_suffix<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let reversed: String = shared_start(names.map(|n| n.chars().rev().collect()))
        .chars()
        .rev()
        .collect();
    // Start at a word (`ProviderConfiguration`, not `roviderConfiguration`).
    let start = reversed
        .find(|c: char| c.is_ascii_uppercase())
        .unwrap_or(reversed.len());
    reversed[start..].to_string()
}

/// Runs the pass; returns how many members now refer to a tagged union.
pub fn sibling_tagged_unions(doc: &mut Value) -> usize {
    let (responses, requests) = super::schema_usage(doc);
    let used: BTreeSet<String> = responses.union(&requests).cloned().collect();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return 0;
    };
    // (tag, member) -> family.
    let mut families: BTreeMap<(String, String), Family> = BTreeMap::new();
    for (name, s) in schemas {
        for part in parts(s) {
            let Some(props) = properties(part) else {
                continue;
            };
            let tags: Vec<(&String, String)> = props
                .iter()
                .filter_map(|(k, v)| Some((k, fixed_value(v)?)))
                .collect();
            for (member, v) in props {
                let Some(target) = ref_name(v) else { continue };
                for (tag, value) in &tags {
                    let f = families
                        .entry(((*tag).clone(), member.clone()))
                        .or_default();
                    f.variants
                        .entry(target.to_string())
                        .or_default()
                        .insert(value.clone());
                    f.members.insert(name.clone(), target.to_string());
                }
            }
        }
    }
    // A variant schema that is only another schema (`allOf` of one reference and nothing
    // else: twenty social strategies' options are `ConnectionOptionsOAuth2Common`) is that
    // schema: one variant for all their tags.
    for f in families.values_mut() {
        let mut merged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (target, tags) in std::mem::take(&mut f.variants) {
            let target = schemas.get(&target).and_then(alias_of).unwrap_or(target);
            merged.entry(target).or_default().extend(tags);
        }
        f.variants = merged;
    }
    families.retain(|_, f| f.variants.len() >= 2);
    // Untagged members of a family (`UpdateConnectionRequestContentOkta`): same member, a
    // schema the family refers to.
    for (name, s) in schemas {
        for part in parts(s) {
            let Some(props) = properties(part) else {
                continue;
            };
            for ((_, member), f) in families.iter_mut() {
                if let Some(target) = props.get(member).and_then(ref_name)
                    && f.variants.contains_key(target)
                {
                    f.members.insert(name.clone(), target.to_string());
                }
            }
        }
    }
    let mut records = Vec::new();
    let mut new_components = Vec::new();
    let mut rewrites: Vec<(String, String, String)> = Vec::new();
    for ((tag, member), f) in &families {
        let tag_values: BTreeSet<&String> = f.variants.values().flatten().collect();
        let mut tagged_parents = Vec::new();
        let mut other_parents = Vec::new();
        // What the parents' member referred to before (`PhoneProviderConfiguration`).
        let mut before: BTreeMap<String, usize> = BTreeMap::new();
        for (name, s) in schemas {
            if !used.contains(name) || f.members.contains_key(name) {
                continue;
            }
            let props: Vec<&Map<String, Value>> =
                parts(s).into_iter().filter_map(properties).collect();
            let get = |m: &str| props.iter().find_map(|p| p.get(m));
            let Some(current) = get(member) else { continue };
            if is_scalar_or_array(current, schemas) {
                continue;
            }
            // A tag of listed values must list only the family's; a plain string tag counts
            // when the member is free-form or already a union of some of the variants.
            let tag_fits = get(tag).is_some_and(|t| {
                let t = resolve(t, schemas);
                match t.get("enum").and_then(Value::as_array) {
                    Some(values) => values.iter().all(|v| {
                        v.as_str()
                            .is_some_and(|v| tag_values.contains(&v.to_string()))
                    }),
                    None => {
                        t.get("type").and_then(Value::as_str) == Some("string")
                            && (is_free_form(current, schemas)
                                || branches(current, schemas)
                                    .iter()
                                    .any(|b| f.variants.contains_key(*b)))
                    }
                }
            });
            if tag_fits {
                tagged_parents.push(name.clone());
            } else if f
                .members
                .keys()
                .any(|m| m.len() > name.len() && m.starts_with(name.as_str()))
            {
                other_parents.push(name.clone());
            } else {
                continue;
            }
            if let Some(r) = ref_name(current) {
                *before.entry(r.to_string()).or_default() += 1;
            }
            rewrites.push((name.clone(), member.clone(), String::new()));
        }
        if tagged_parents.is_empty() && other_parents.is_empty() {
            rewrites.retain(|(_, m, u)| !(m == member && u.is_empty()));
            continue;
        }
        let prefix = common_prefix(f.variants.keys());
        let base = if !prefix.is_empty() {
            prefix
        } else if let Some((most, _)) = before.iter().max_by_key(|(_, n)| **n) {
            most.clone()
        } else {
            common_suffix(f.variants.keys())
        };
        let union = format!("{base}By{}", tag.to_upper_camel_case());
        for r in rewrites
            .iter_mut()
            .filter(|(_, m, u)| m == member && u.is_empty())
        {
            r.2 = union.clone();
        }
        let one_of: Vec<Value> = f
            .variants
            .keys()
            .map(|r| json!({"$ref": format!("#/components/schemas/{r}")}))
            .collect();
        new_components.push((union.clone(), json!({"oneOf": one_of})));
        records.push(json!({
            "union": union,
            "tag": tag,
            "member": member,
            "variants": f.variants,
            "parents": tagged_parents,
            "untagged_parents": other_parents,
        }));
    }
    let n = rewrites.len();
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("checked above");
    for (name, schema) in new_components {
        schemas.insert(name, schema);
    }
    for (name, member, union) in rewrites {
        let Some(s) = schemas.get_mut(&name) else {
            continue;
        };
        let target = json!({"$ref": format!("#/components/schemas/{union}")});
        let mut put = |p: &mut Value| {
            if let Some(props) = p.get_mut("properties").and_then(Value::as_object_mut)
                && let Some(m) = props.get_mut(&member)
            {
                *m = target.clone();
            }
        };
        match s.get_mut("allOf").and_then(Value::as_array_mut) {
            Some(all) => all.iter_mut().for_each(&mut put),
            None => put(s),
        }
    }
    if !records.is_empty() {
        doc[TAGGED_UNIONS] = Value::Array(records);
    }
    n
}

/// One tagged union, as recorded in the document for codegen.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TaggedUnion {
    /// The union component.
    pub union: String,
    /// The member whose fixed value decides the variant (`strategy`).
    pub tag: String,
    /// The member that holds the union (`options`).
    pub member: String,
    /// Variant schema -> the tag values that choose it.
    pub variants: BTreeMap<String, BTreeSet<String>>,
    /// Used schemas that hold both members: their union is chosen by the tag.
    pub parents: Vec<String>,
    /// Used schemas that hold the union without the tag (the caller chooses).
    pub untagged_parents: Vec<String>,
}

/// The tagged unions recorded by the pass.
pub fn tagged_unions(doc: &Value) -> Vec<TaggedUnion> {
    doc.get(TAGGED_UNIONS)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_names_come_from_what_the_variants_share_at_word_boundaries() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = names(&[
            "ConnectionOptionsAD",
            "ConnectionOptionsADFS",
            "ConnectionOptionsApple",
        ]);
        assert_eq!(common_prefix(a.iter()), "ConnectionOptions");
        let b = names(&["TwilioProviderConfiguration", "CustomProviderConfiguration"]);
        assert_eq!(common_prefix(b.iter()), "");
        assert_eq!(common_suffix(b.iter()), "ProviderConfiguration");
        assert_eq!(common_suffix(names(&["Ab", "Cd"]).iter()), "");
    }
}
