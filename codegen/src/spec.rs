//! The project's own copy of the Management API document: import, split, load, overlay.
//!
//! `spec/management/` holds the upstream document's facts only (no descriptions, summaries or
//! code samples), split into one file per top-level resource so that an upgrade reads as a
//! per-resource diff:
//!
//! - `source.json`: where the facts came from (file name, sha256, counts);
//! - `document.json`: everything that is not a path or a schema (info, servers, security);
//! - `resources/<resource>.json`: that resource's paths and the schemas only it reaches;
//! - `schemas.json`: schemas reached by several resources, or by none;
//! - `overlay.json`: the project's hand-edited corrections (never written by import).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::ops::{METHODS, operations, schema_owners};

/// Keywords whose values are upstream prose, dropped on import wherever they appear as keywords.
const PROSE: &[&str] = &[
    "description",
    "summary",
    "x-codeSamples",
    "example",
    "examples",
    "externalDocs",
    "termsOfService",
    "contact",
];

/// Keywords whose value is a map from names (not keywords) to nodes.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "paths",
    "schemas",
    "responses",
    "content",
    "securitySchemes",
    "variables",
    "x-form-parameters",
    "$defs",
    "definitions",
    "headers",
    "requestBodies",
];

type JsonMap = Map<String, Value>;

fn is_prose(key: &str) -> bool {
    PROSE.contains(&key)
        || key
            .strip_prefix("x-description-")
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// Removes upstream prose from a node, keeping every fact. Returns how many values it dropped.
pub fn strip_prose(v: &mut Value) -> usize {
    let mut dropped = 0;
    match v {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|k, _| !is_prose(k));
            dropped += before - map.len();
            for (k, child) in map.iter_mut() {
                if k == "scopes" {
                    // Scope name -> prose; keep the names.
                    if let Value::Object(scopes) = child {
                        for text in scopes.values_mut() {
                            if !text.as_str().is_some_and(str::is_empty) {
                                *text = Value::String(String::new());
                                dropped += 1;
                            }
                        }
                    }
                } else if k == "mapping" || k == "enum" || k == "required" || k == "default" {
                    // Data, not schema nodes: leave as is.
                } else if NAME_MAPS.contains(&k.as_str()) {
                    if let Value::Object(named) = child {
                        for node in named.values_mut() {
                            dropped += strip_prose(node);
                        }
                    }
                } else {
                    dropped += strip_prose(child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                dropped += strip_prose(item);
            }
        }
        _ => {}
    }
    dropped
}

/// Rebuilds every map with its keys in sorted order (whatever serde_json's map type keeps).
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Pretty JSON with a trailing newline: the on-disk form of every spec file.
pub fn to_file_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&sorted(v.clone())).expect("JSON values serialize");
    s.push('\n');
    s
}

/// What an import found and wrote.
#[derive(Debug)]
pub struct ImportReport {
    /// sha256 of the source bytes.
    pub sha256: String,
    /// Operations in the document.
    pub operations: usize,
    /// Component schemas in the document.
    pub schemas: usize,
    /// Prose values dropped.
    pub prose_dropped: usize,
    /// Files written, relative to the spec folder, with their contents.
    pub files: BTreeMap<PathBuf, String>,
}

/// Turns an upstream document (its bytes) into the spec folder's files.
pub fn import_bytes(source_name: &str, bytes: &[u8]) -> Result<ImportReport> {
    let mut doc: Value =
        serde_json::from_slice(bytes).with_context(|| format!("{source_name} is not JSON"))?;
    if !doc.get("paths").is_some_and(Value::is_object) {
        bail!("{source_name} has no `paths`: not an OpenAPI document");
    }
    let sha256 = hex(&Sha256::digest(bytes));
    let prose_dropped = strip_prose(&mut doc);
    let ops = operations(&doc);
    let owners = schema_owners(&doc);

    let Value::Object(mut root) = doc else {
        bail!("{source_name}: the document is not a JSON object")
    };
    let paths = root
        .remove("paths")
        .and_then(|p| p.as_object().cloned())
        .unwrap_or_default();
    let mut schemas = root
        .get_mut("components")
        .and_then(|c| c.as_object_mut())
        .and_then(|c| c.remove("schemas"))
        .and_then(|s| s.as_object().cloned())
        .unwrap_or_default();

    // resource -> (paths, schemas only it reaches)
    let mut resources: BTreeMap<String, (JsonMap, JsonMap)> = BTreeMap::new();
    for op in &ops {
        let (res_paths, _) = resources.entry(op.resource()).or_default();
        let item = res_paths
            .entry(op.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let upstream = &paths[&op.path];
        item[&op.method] = upstream[&op.method].clone();
        // Path-level keys (shared parameters) travel with every resource using the path.
        if let Some(obj) = upstream.as_object() {
            for (k, v) in obj {
                if !METHODS.contains(&k.as_str()) {
                    item[k] = v.clone();
                }
            }
        }
    }
    let mut shared = Map::new();
    for (name, owners) in &owners {
        let Some(schema) = schemas.remove(name) else {
            continue;
        };
        if owners.len() == 1 {
            let owner = owners.iter().next().expect("one owner");
            resources
                .entry(owner.clone())
                .or_default()
                .1
                .insert(name.clone(), schema);
        } else {
            shared.insert(name.clone(), schema);
        }
    }

    let mut files = BTreeMap::new();
    let source = json!({
        "source": source_name,
        "sha256": sha256,
        "openapi": root.get("openapi").cloned().unwrap_or(Value::Null),
        "api_version": root.get("info").and_then(|i| i.get("version")).cloned().unwrap_or(Value::Null),
        "operations": ops.len(),
        "schemas": owners.len(),
        "resources": resources.len(),
    });
    files.insert(PathBuf::from("source.json"), to_file_text(&source));
    files.insert(
        PathBuf::from("document.json"),
        to_file_text(&Value::Object(root)),
    );
    files.insert(
        PathBuf::from("schemas.json"),
        to_file_text(&json!({ "schemas": shared })),
    );
    for (name, (res_paths, res_schemas)) in resources {
        files.insert(
            PathBuf::from(format!("resources/{name}.json")),
            to_file_text(&json!({ "paths": res_paths, "schemas": res_schemas })),
        );
    }
    Ok(ImportReport {
        sha256,
        operations: ops.len(),
        schemas: owners.len(),
        prose_dropped,
        files,
    })
}

/// Imports `source` into `spec_dir`, replacing the previous import (the overlay is kept).
pub fn import(source: &Path, spec_dir: &Path) -> Result<ImportReport> {
    let bytes = std::fs::read(source).with_context(|| format!("reading {}", source.display()))?;
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.display().to_string());
    let report = import_bytes(&name, &bytes)?;
    let resources = spec_dir.join("resources");
    if resources.exists() {
        std::fs::remove_dir_all(&resources)
            .with_context(|| format!("clearing {}", resources.display()))?;
    }
    std::fs::create_dir_all(&resources)?;
    for (rel, text) in &report.files {
        let path = spec_dir.join(rel);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(report)
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Reassembles the document from the spec folder's files (without the overlay).
pub fn load_facts(spec_dir: &Path) -> Result<Value> {
    let mut doc = read_json(&spec_dir.join("document.json"))?;
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut merge = |file: Value, what: &str| -> Result<()> {
        for (k, v) in file
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let item = paths.entry(k.clone()).or_insert_with(|| json!({}));
            for (m, op) in v.as_object().into_iter().flatten() {
                item[m] = op.clone();
            }
        }
        for (k, v) in file
            .get("schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if schemas.insert(k.clone(), v.clone()).is_some() {
                bail!("schema {k} is defined twice ({what})");
            }
        }
        Ok(())
    };
    merge(read_json(&spec_dir.join("schemas.json"))?, "schemas.json")?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(spec_dir.join("resources"))
        .with_context(|| format!("listing {}/resources", spec_dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.display().to_string();
            merge(read_json(&path)?, &name)?;
        }
    }
    doc["paths"] = Value::Object(paths);
    if !doc.get("components").is_some_and(Value::is_object) {
        doc["components"] = json!({});
    }
    doc["components"]["schemas"] = Value::Object(schemas);
    Ok(doc)
}

/// Loads the spec folder and applies `overlay.json` (when present).
pub fn load(spec_dir: &Path) -> Result<Value> {
    let mut doc = load_facts(spec_dir)?;
    let overlay = spec_dir.join("overlay.json");
    if overlay.exists() {
        apply_overlay(&mut doc, &read_json(&overlay)?)
            .with_context(|| format!("applying {}", overlay.display()))?;
    }
    Ok(doc)
}

/// Applies the project's corrections.
///
/// The overlay is `{"corrections": [{"reason": "...", "at": "/json/pointer", OP}]}` where `OP`
/// is one of `"set": value` (the parent must exist), `"merge": {..}` (the target must be an
/// object) or `"remove": true` (the target must exist). A correction whose target is gone is an
/// error, so a stale overlay is noticed at the next upgrade.
pub fn apply_overlay(doc: &mut Value, overlay: &Value) -> Result<usize> {
    let corrections = overlay
        .get("corrections")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("the overlay has no `corrections` list"))?;
    for (i, c) in corrections.iter().enumerate() {
        let at = c
            .get("at")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("correction {i} has no `at` pointer"))?;
        let reason = c.get("reason").and_then(Value::as_str).unwrap_or("");
        if reason.trim().is_empty() || reason.contains('\n') {
            bail!("correction {i} ({at}) needs a one-line `reason`");
        }
        let (parent_ptr, key) = split_pointer(at)?;
        if let Some(value) = c.get("set") {
            let parent = doc
                .pointer_mut(&parent_ptr)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| anyhow!("correction {i}: {parent_ptr} does not exist"))?;
            parent.insert(key, value.clone());
        } else if let Some(Value::Object(fields)) = c.get("merge") {
            let target = doc
                .pointer_mut(at)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| anyhow!("correction {i}: {at} is not an object"))?;
            for (k, v) in fields {
                target.insert(k.clone(), v.clone());
            }
        } else if c.get("remove") == Some(&Value::Bool(true)) {
            let parent = doc
                .pointer_mut(&parent_ptr)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| anyhow!("correction {i}: {parent_ptr} does not exist"))?;
            if parent.remove(&key).is_none() {
                bail!("correction {i}: {at} does not exist");
            }
        } else {
            bail!("correction {i} ({at}) has none of `set`, `merge`, `remove: true`");
        }
    }
    Ok(corrections.len())
}

fn split_pointer(at: &str) -> Result<(String, String)> {
    let idx = at
        .rfind('/')
        .ok_or_else(|| anyhow!("`{at}` is not a JSON pointer"))?;
    let key = at[idx + 1..].replace("~1", "/").replace("~0", "~");
    Ok((at[..idx].to_string(), key))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Operation keys (`METHOD path`) of a document.
pub fn operation_keys(doc: &Value) -> BTreeSet<String> {
    operations(doc)
        .into_iter()
        .map(|o| format!("{} {}", o.method.to_uppercase(), o.path))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "T", "version": "2.0", "description": "prose", "contact": {"name": "x"}},
            "paths": {
                "/users/{id}": {"get": {
                    "summary": "prose", "description": "prose", "operationId": "get_user",
                    "x-operation-group": "users", "x-operation-name": "get",
                    "x-codeSamples": [{"lang": "go", "source": "code"}],
                    "parameters": [{"name": "id", "in": "path", "required": true, "description": "prose",
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "prose", "x-description-1": "prose",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}
                }},
                "/roles": {"get": {"operationId": "get_roles", "x-operation-group": "roles",
                    "x-operation-name": "list",
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Meta"}}}}}}}
            },
            "components": {
                "schemas": {
                    "User": {"type": "object", "description": "prose",
                             "properties": {"description": {"type": "string", "description": "prose"},
                                            "meta": {"$ref": "#/components/schemas/Meta"}}},
                    "Meta": {"type": "string", "enum": ["description"], "default": "description"}
                },
                "securitySchemes": {"o": {"flows": {"clientCredentials": {"scopes": {"read:users": "prose"}}}}}
            }
        })
    }

    #[test]
    fn import_keeps_facts_and_drops_prose() {
        let bytes = serde_json::to_vec(&upstream()).unwrap();
        let report = import_bytes("doc.json", &bytes).unwrap();
        let all: String = report.files.values().cloned().collect();
        assert!(!all.contains("prose"), "{all}");
        assert!(!all.contains("code"));
        // A property called `description` is a fact, as are enum values and defaults.
        let users: Value =
            serde_json::from_str(&report.files[Path::new("resources/users.json")]).unwrap();
        assert_eq!(
            users["schemas"]["User"]["properties"]["description"],
            json!({"type": "string"})
        );
        let shared: Value = serde_json::from_str(&report.files[Path::new("schemas.json")]).unwrap();
        assert_eq!(shared["schemas"]["Meta"]["enum"], json!(["description"]));
        assert_eq!(report.operations, 2);
        let doc: Value = serde_json::from_str(&report.files[Path::new("document.json")]).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"]["o"]["flows"]["clientCredentials"]["scopes"],
            json!({"read:users": ""})
        );
    }

    #[test]
    fn import_is_deterministic_and_loads_back() {
        let bytes = serde_json::to_vec(&upstream()).unwrap();
        let a = import_bytes("doc.json", &bytes).unwrap();
        let b = import_bytes("doc.json", &bytes).unwrap();
        assert_eq!(a.files, b.files);
        assert_eq!(a.sha256.len(), 64);

        let dir = std::env::temp_dir().join(format!("spec-import-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("resources")).unwrap();
        for (rel, text) in &a.files {
            std::fs::write(dir.join(rel), text).unwrap();
        }
        let doc = load_facts(&dir).unwrap();
        assert_eq!(operation_keys(&doc).len(), 2);
        assert!(doc.pointer("/components/schemas/User").is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn overlay_sets_merges_removes_and_rejects_stale_targets() {
        let mut doc = json!({"a": {"b": {"c": 1}}});
        let overlay = json!({"corrections": [
            {"reason": "r1", "at": "/a/b/d", "set": 2},
            {"reason": "r2", "at": "/a/b", "merge": {"e": 3}},
            {"reason": "r3", "at": "/a/b/c", "remove": true}
        ]});
        assert_eq!(apply_overlay(&mut doc, &overlay).unwrap(), 3);
        assert_eq!(doc, json!({"a": {"b": {"d": 2, "e": 3}}}));

        let stale = json!({"corrections": [{"reason": "gone", "at": "/a/zz/y", "set": 1}]});
        assert!(apply_overlay(&mut doc, &stale).is_err());
        let no_reason = json!({"corrections": [{"at": "/a/b/d", "remove": true}]});
        assert!(apply_overlay(&mut doc, &no_reason).is_err());
    }
}
