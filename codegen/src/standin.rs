//! The stand-in tenant's generated part: a table of every Management API operation (method,
//! path, name, kind, scopes, success status, request and answer schemas, paging) and the
//! schemas they reach in a compact JSON form, which `auth0-standin` serves generically.
//!
//! Data, not code per operation: `routes.rs` is one static array and `schemas.json` is read
//! once per process by the stand-in, so the crate compiles in the same time whatever the
//! document holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value, json};

use crate::generate::pretty;
use crate::ops::{Operation, operations, path_params};

/// The stand-in's operation table, relative to the workspace root.
pub const ROUTES: &str = "auth0-standin/src/generated/routes.rs";
/// The schemas the table names, relative to the workspace root.
pub const SCHEMAS: &str = "auth0-standin/src/generated/schemas.json";

/// Schema keywords the stand-in reads (validation of request bodies, answers' shapes and
/// defaults); the rest is left out.
const KEPT: &[&str] = &[
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "const",
    "oneOf",
    "anyOf",
    "allOf",
    "default",
    "minItems",
];

/// What an operation does to the tenant's state, read from its method, its path and the
/// paths around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `POST` on a collection whose items have a path of their own.
    Create,
    /// `GET` on a collection or a sub-collection.
    List,
    /// `GET` on an item of a collection.
    Get,
    /// `PATCH` on an item.
    Update,
    /// `PUT` on an item.
    Replace,
    /// `DELETE` on an item.
    Delete,
    /// `GET` on a path of its own with one object (settings).
    SingletonGet,
    /// `PATCH` on a singleton: the body's members merged in.
    SingletonUpdate,
    /// `PUT` on a singleton: the body replaces it.
    SingletonReplace,
    /// `DELETE` on a singleton: back to its defaults.
    SingletonDelete,
    /// `POST` of a list of ids (or objects) to a relation (a user's roles).
    RelationAdd,
    /// `DELETE` of a list of ids (or objects) from a relation, or of all of it.
    RelationRemove,
    /// `PUT` of a whole list (a user's authentication methods).
    RelationReplace,
    /// Anything else: a job, a ticket, a rotation, a test.
    Action,
}

impl Kind {
    fn ident(self) -> proc_macro2::Ident {
        quote::format_ident!("{}", format!("{self:?}"))
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Route {
    /// The operation.
    pub op: Operation,
    /// Its kind.
    pub kind: Kind,
    /// The document's first success status.
    pub status: u16,
    /// The request body's schema name in `schemas.json`.
    pub body: Option<String>,
    /// The success answer's schema name in `schemas.json`.
    pub answer: Option<String>,
    /// The member a paged answer, or a relation's body, holds the items under.
    pub items: Option<String>,
    /// The member that holds an item's id.
    pub id_member: Option<String>,
    /// `page`/`per_page` paging.
    pub offset: bool,
    /// `from`/`take` checkpoint paging.
    pub checkpoint: bool,
}

/// The generated files: `routes.rs` and `schemas.json`.
pub fn render(doc: &Value) -> Result<BTreeMap<PathBuf, String>> {
    let ops = operations(doc);
    let mut schemas = Schemas::new(doc);
    let routes = routes(doc, &ops, &mut schemas);
    let mut scopes = BTreeSet::new();
    for r in &routes {
        scopes.extend(r.op.scopes.iter().cloned());
    }
    let rows = routes.iter().map(row);
    let scopes = scopes.iter();
    let tokens: TokenStream = quote! {
        //! Every Management API operation the stand-in answers, from the document.
        #![allow(clippy::all)]
        use crate::engine::{Kind::*, Route};

        /// Every operation, sorted by group and name.
        pub(crate) static ROUTES: &[Route] = &[#(#rows),*];

        /// Every scope an operation accepts: what the Management API's tokens may carry.
        pub(crate) const SCOPES: &[&str] = &[#(#scopes),*];

        /// The schemas the routes name (JSON: name to a compact JSON Schema).
        pub(crate) static SCHEMAS: &str = include_str!("schemas.json");
    };
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from(ROUTES), pretty(tokens)?);
    let mut text = serde_json::to_string(&Value::Object(schemas.done.into_iter().collect()))?;
    text.push('\n');
    files.insert(PathBuf::from(SCHEMAS), text);
    Ok(files)
}

fn opt(v: &Option<String>) -> TokenStream {
    match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn row(r: &Route) -> TokenStream {
    let Route {
        op,
        kind,
        status,
        offset,
        checkpoint,
        ..
    } = r;
    let method = op.method.to_uppercase();
    let path = &op.path;
    let group = op.group.join(".");
    let name = &op.name;
    let id = &op.id;
    let kind = kind.ident();
    let scopes = op.scopes.iter();
    let body = opt(&r.body);
    let answer = opt(&r.answer);
    let items = opt(&r.items);
    let id_member = opt(&r.id_member);
    quote! {
        Route {
            id: #id, method: #method, path: #path, group: #group, name: #name, kind: #kind,
            scopes: &[#(#scopes),*], status: #status, body: #body, answer: #answer,
            items: #items, id_member: #id_member, offset: #offset, checkpoint: #checkpoint,
        }
    }
}

/// The operations as routes of the stand-in.
pub fn routes(doc: &Value, ops: &[Operation], schemas: &mut Schemas) -> Vec<Route> {
    let by_path: BTreeMap<&str, BTreeSet<&str>> = ops.iter().fold(BTreeMap::new(), |mut m, op| {
        m.entry(op.path.as_str())
            .or_default()
            .insert(op.method.as_str());
        m
    });
    // Paths with an item below them that can be read, changed or deleted (`/users` has
    // `/users/{id}`).
    let has_items = |path: &str| {
        by_path.iter().any(|(p, methods)| {
            p.strip_prefix(path)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| rest.starts_with('{') && !rest.contains('/'))
                && methods.iter().any(|m| *m != "post")
        })
    };
    let mut out = Vec::new();
    for op in ops {
        let node = &doc["paths"][&op.path][&op.method];
        let params: BTreeSet<&str> = node["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let offset = params.contains("page") && params.contains("per_page");
        let checkpoint = params.contains("from") && params.contains("take");
        let (status, answer_schema) = success(node);
        let body_schema = node
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
            .and_then(|c| {
                c.get("application/json")
                    .or_else(|| c.get("application/x-www-form-urlencoded"))
            })
            .and_then(|c| c.get("schema"));
        let body = body_schema.map(|s| schemas.name(s, &format!("{}:body", op.id)));
        let answer = answer_schema.map(|s| schemas.name(s, &format!("{}:answer", op.id)));
        let segments: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
        let last = segments.last().copied().unwrap_or_default();
        let is_item = last.starts_with('{');
        let parent = op.path.rsplit_once('/').map(|(p, _)| p).unwrap_or_default();
        let parent_methods = by_path.get(parent);
        let in_collection = is_item
            && parent_methods.is_some_and(|m| m.contains("post") || m.contains("get"))
            && !parent.ends_with('}');
        let methods = &by_path[op.path.as_str()];
        let lists_here = methods.contains("get")
            && (has_items(&op.path) || {
                let get = &doc["paths"][&op.path]["get"];
                let (_, s) = success(get);
                s.is_some_and(|s| is_list(doc, s))
            });
        let kind = match op.method.as_str() {
            "get" if in_collection => Kind::Get,
            "get" if has_items(&op.path) => Kind::List,
            "get" if answer_schema.is_some_and(|s| is_list(doc, s)) => Kind::List,
            "get" => Kind::SingletonGet,
            "patch" if in_collection => Kind::Update,
            "put" if in_collection => Kind::Replace,
            "delete" if in_collection => Kind::Delete,
            "patch" => Kind::SingletonUpdate,
            "put" if lists_here => Kind::RelationReplace,
            "put" => Kind::SingletonReplace,
            "delete" if lists_here => Kind::RelationRemove,
            "delete" => Kind::SingletonDelete,
            "post" if has_items(&op.path) => Kind::Create,
            "post" if lists_here && answer_schema.is_none() => Kind::RelationAdd,
            "post" if lists_here => Kind::Create,
            _ => Kind::Action,
        };
        let items = match kind {
            Kind::List => answer_schema.and_then(|s| paged_member(doc, s)),
            Kind::RelationAdd | Kind::RelationRemove | Kind::RelationReplace => {
                body_schema.and_then(|s| array_member(doc, s))
            }
            _ => None,
        };
        let item_path = match kind {
            Kind::Get | Kind::Update | Kind::Replace | Kind::Delete => Some(op.path.clone()),
            _ => by_path
                .keys()
                .find(|p| {
                    p.strip_prefix(op.path.as_str())
                        .and_then(|rest| rest.strip_prefix('/'))
                        .is_some_and(|rest| rest.starts_with('{') && !rest.contains('/'))
                })
                .map(|p| p.to_string()),
        };
        let id_member = item_path.and_then(|p| id_member(doc, &p, &by_path));
        out.push(Route {
            op: op.clone(),
            kind,
            status,
            body,
            answer,
            items,
            id_member,
            offset,
            checkpoint,
        });
    }
    out
}

/// The first 2xx status and its JSON schema.
fn success(node: &Value) -> (u16, Option<&Value>) {
    let Some(responses) = node["responses"].as_object() else {
        return (200, None);
    };
    for (code, r) in responses {
        if let Ok(status) = code.parse::<u16>()
            && (200..300).contains(&status)
        {
            let schema = r.pointer("/content/application~1json/schema").or_else(|| {
                r["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .and_then(|c| c.get("schema"))
            });
            return (status, schema);
        }
    }
    (200, None)
}

/// A schema with `$ref`s followed.
fn resolve<'d>(doc: &'d Value, mut v: &'d Value) -> &'d Value {
    for _ in 0..16 {
        match v["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => v = &doc["components"]["schemas"][name],
            None => break,
        }
    }
    v
}

/// The variants of a schema (itself, or its `oneOf`/`anyOf` members), resolved.
fn variants<'d>(doc: &'d Value, v: &'d Value) -> Vec<&'d Value> {
    let v = resolve(doc, v);
    let mut out = Vec::new();
    for key in ["oneOf", "anyOf"] {
        for member in v[key].as_array().into_iter().flatten() {
            out.push(resolve(doc, member));
        }
    }
    if out.is_empty() {
        out.push(v);
    }
    out
}

fn is_array(v: &Value) -> bool {
    v["type"] == "array"
        || v["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("array")))
}

/// Whether an answer is a list: an array, or a page object holding one.
fn is_list(doc: &Value, s: &Value) -> bool {
    variants(doc, s).iter().any(|v| is_array(v)) || paged_member(doc, s).is_some()
}

/// The member of a page object that holds the items (`users` of `{start, limit, users}`).
fn paged_member(doc: &Value, s: &Value) -> Option<String> {
    for v in variants(doc, s) {
        let Some(props) = v["properties"].as_object() else {
            continue;
        };
        let paged = ["start", "limit", "total", "next", "length"]
            .iter()
            .any(|k| props.contains_key(*k));
        let arrays: Vec<&String> = props
            .iter()
            .filter(|(_, p)| is_array(resolve(doc, p)))
            .map(|(k, _)| k)
            .collect();
        if (paged || props.len() == 1)
            && let Some(name) = arrays.first()
        {
            return Some((*name).clone());
        }
    }
    None
}

/// The array member of a relation's body (`roles` of `{"roles": [...]}`).
fn array_member(doc: &Value, s: &Value) -> Option<String> {
    variants(doc, s).into_iter().find_map(|v| {
        v["properties"]
            .as_object()?
            .iter()
            .find(|(_, p)| is_array(resolve(doc, p)))
            .map(|(k, _)| k.clone())
    })
}

/// The member of an item that holds its id: the item path's last parameter when the item
/// has such a member (`id`, `client_id`, `kid`), else `<singular>_id` or `id`.
fn id_member(
    doc: &Value,
    item_path: &str,
    by_path: &BTreeMap<&str, BTreeSet<&str>>,
) -> Option<String> {
    let param = path_params(item_path).pop()?;
    let mut props = BTreeSet::new();
    for method in ["get", "patch", "put"] {
        if by_path.get(item_path).is_some_and(|m| m.contains(method)) {
            let (_, s) = success(&doc["paths"][item_path][method]);
            if let Some(s) = s {
                for v in variants(doc, s) {
                    props.extend(
                        v["properties"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(k, _)| k.clone()),
                    );
                }
            }
        }
    }
    let collection = item_path.rsplit_once('/').map(|(p, _)| p)?;
    if let Some(post) = doc["paths"][collection].get("post") {
        let (_, s) = success(post);
        if let Some(s) = s {
            for v in variants(doc, s) {
                props.extend(
                    v["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.clone()),
                );
            }
        }
    }
    let snake = heck::ToSnakeCase::to_snake_case(param.as_str());
    let last = collection.rsplit('/').next().unwrap_or_default();
    let singular = heck::ToSnakeCase::to_snake_case(last.trim_end_matches('s'));
    let stem = snake
        .strip_suffix("_name")
        .or_else(|| snake.strip_suffix("_id"))
        .unwrap_or(&snake)
        .to_string();
    let candidates = [
        param.clone(),
        snake.clone(),
        stem,
        format!("{singular}_id"),
        "id".to_string(),
    ];
    candidates
        .into_iter()
        .find(|c| props.contains(c))
        .or_else(|| props.is_empty().then_some(snake))
}

/// The schemas the routes name, in compact form, collected as they are named.
pub struct Schemas<'d> {
    doc: &'d Value,
    done: BTreeMap<String, Value>,
    pending: Vec<String>,
}

impl<'d> Schemas<'d> {
    fn new(doc: &'d Value) -> Self {
        Schemas {
            doc,
            done: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// The name of a schema node: a component's name, or `fallback` for an inline schema
    /// (kept under that name).
    fn name(&mut self, v: &Value, fallback: &str) -> String {
        let name = match v["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => {
                self.pending.push(name.to_string());
                name.to_string()
            }
            None => {
                let compact = self.compact(v);
                self.done.insert(fallback.to_string(), compact);
                fallback.to_string()
            }
        };
        self.drain();
        name
    }

    fn drain(&mut self) {
        while let Some(name) = self.pending.pop() {
            if self.done.contains_key(&name) {
                continue;
            }
            // A placeholder first: schemas refer to themselves.
            self.done.insert(name.clone(), Value::Null);
            let node = self.doc["components"]["schemas"][&name].clone();
            let compact = self.compact(&node);
            self.done.insert(name, compact);
        }
    }

    fn compact(&mut self, v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    self.pending.push(name.to_string());
                    return json!({ "$ref": name });
                }
                let mut out = Map::new();
                for (k, child) in map {
                    if !KEPT.contains(&k.as_str()) {
                        continue;
                    }
                    let child = match k.as_str() {
                        "properties" => Value::Object(
                            child
                                .as_object()
                                .into_iter()
                                .flatten()
                                .map(|(name, s)| (name.clone(), self.compact(s)))
                                .collect(),
                        ),
                        "items" | "additionalProperties" => self.compact(child),
                        "oneOf" | "anyOf" | "allOf" => Value::Array(
                            child
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|s| self.compact(s))
                                .collect(),
                        ),
                        _ => child.clone(),
                    };
                    out.insert(k.clone(), child);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        let ok = |s: &str| json!({"200": {"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}}}});
        json!({
            "paths": {
                "/users": {
                    "get": {"x-operation-group": "users", "x-operation-name": "list", "responses": ok("Users"),
                        "parameters": [{"in": "query", "name": "page"}, {"in": "query", "name": "per_page"}],
                        "security": [{"oAuth2ClientCredentials": ["read:users"]}]},
                    "post": {"x-operation-group": "users", "x-operation-name": "create", "responses": ok("User"),
                        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["email"], "description": "x"}}}}}
                },
                "/users/{id}": {
                    "get": {"x-operation-group": "users", "x-operation-name": "get", "responses": ok("User")},
                    "delete": {"x-operation-group": "users", "x-operation-name": "delete", "responses": {"204": {}}}
                },
                "/users/{id}/roles": {
                    "get": {"x-operation-group": ["users", "roles"], "x-operation-name": "list", "responses": ok("Roles")},
                    "post": {"x-operation-group": ["users", "roles"], "x-operation-name": "assign", "responses": {"204": {}},
                        "requestBody": {"content": {"application/json": {"schema": {"properties": {"roles": {"type": "array"}}}}}}}
                },
                "/tenants/settings": {
                    "get": {"x-operation-group": ["tenants", "settings"], "x-operation-name": "get", "responses": ok("Settings")},
                    "patch": {"x-operation-group": ["tenants", "settings"], "x-operation-name": "update", "responses": ok("Settings")}
                },
                "/tickets/password-change": {
                    "post": {"x-operation-group": "tickets", "x-operation-name": "changePassword", "responses": ok("Settings")}
                }
            },
            "components": {"schemas": {
                "User": {"type": "object", "properties": {"user_id": {"type": "string"}, "self": {"$ref": "#/components/schemas/User"}}},
                "Users": {"oneOf": [{"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                    {"type": "object", "properties": {"start": {"type": "number"}, "users": {"type": "array"}}}]},
                "Roles": {"type": "array"},
                "Settings": {"type": "object", "description": "prose"},
                "Unused": {"type": "string"}
            }}
        })
    }

    #[test]
    fn kinds_ids_paging_and_schemas() {
        let doc = doc();
        let ops = operations(&doc);
        let mut schemas = Schemas::new(&doc);
        let routes = routes(&doc, &ops, &mut schemas);
        let find = |m: &str, p: &str| {
            routes
                .iter()
                .find(|r| r.op.method == m && r.op.path == p)
                .unwrap()
        };
        assert_eq!(find("get", "/users").kind, Kind::List);
        assert_eq!(find("get", "/users").items.as_deref(), Some("users"));
        assert!(find("get", "/users").offset);
        assert_eq!(find("get", "/users").op.scopes, ["read:users"]);
        assert_eq!(find("post", "/users").kind, Kind::Create);
        assert_eq!(find("post", "/users").id_member.as_deref(), Some("user_id"));
        assert_eq!(
            find("post", "/users").body.as_deref(),
            Some("post_users:body")
        );
        assert_eq!(find("get", "/users/{id}").kind, Kind::Get);
        assert_eq!(find("delete", "/users/{id}").kind, Kind::Delete);
        assert_eq!(find("get", "/users/{id}/roles").kind, Kind::List);
        assert_eq!(find("post", "/users/{id}/roles").kind, Kind::RelationAdd);
        assert_eq!(
            find("post", "/users/{id}/roles").items.as_deref(),
            Some("roles")
        );
        assert_eq!(find("get", "/tenants/settings").kind, Kind::SingletonGet);
        assert_eq!(
            find("patch", "/tenants/settings").kind,
            Kind::SingletonUpdate
        );
        assert_eq!(find("post", "/tickets/password-change").kind, Kind::Action);
        assert!(schemas.done.contains_key("User"));
        assert!(!schemas.done.contains_key("Unused"));
        assert_eq!(schemas.done["Settings"], json!({"type": "object"}));
        assert_eq!(
            schemas.done["User"]["properties"]["self"],
            json!({"$ref": "User"})
        );
        assert_eq!(
            schemas.done["post_users:body"],
            json!({"type": "object", "required": ["email"]})
        );
    }
}
