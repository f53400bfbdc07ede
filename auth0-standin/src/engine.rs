//! The generic Management API: every operation of the generated table
//! ([`crate::generated::routes`]) served from an in-memory store by its kind: collections
//! (create, list, get, update, replace, delete), singletons (settings: stored or the
//! document's defaults), relations (lists of ids or objects under an item, read from both
//! ends) and actions (jobs, tickets, rotations). Handwritten behaviour (`management.rs`) comes
//! first where Auth0's meaning needs it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::generated::routes::{ROUTES, SCHEMAS};

/// What an operation does, as codegen read it from the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Create,
    List,
    Get,
    Update,
    Replace,
    Delete,
    SingletonGet,
    SingletonUpdate,
    SingletonReplace,
    SingletonDelete,
    RelationAdd,
    RelationRemove,
    RelationReplace,
    Action,
}

/// One operation of the table.
#[derive(Debug)]
pub(crate) struct Route {
    /// The document's `operationId`.
    pub(crate) id: &'static str,
    pub(crate) method: &'static str,
    /// The path template under `/api/v2`.
    pub(crate) path: &'static str,
    /// `x-operation-group`, dotted (`users.roles`).
    pub(crate) group: &'static str,
    /// `x-operation-name`.
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// The scopes of which a token needs one (none: any valid token).
    pub(crate) scopes: &'static [&'static str],
    /// The document's success status.
    pub(crate) status: u16,
    /// The request body's schema.
    pub(crate) body: Option<&'static str>,
    /// The success answer's schema.
    pub(crate) answer: Option<&'static str>,
    /// The member of a page object (or a relation's body) holding the items.
    pub(crate) items: Option<&'static str>,
    /// The member holding an item's id.
    pub(crate) id_member: Option<&'static str>,
    /// `page`/`per_page` paging.
    pub(crate) offset: bool,
    /// `from`/`take` paging.
    pub(crate) checkpoint: bool,
}

impl Route {
    /// `users.roles.assign`: how errors and fault rules name an operation.
    pub(crate) fn operation(&self) -> String {
        format!("{}.{}", self.group, self.name)
    }
}

/// The table, with its path templates split and the schemas parsed: built once per process,
/// at the first Management request.
pub(crate) struct Table {
    templates: Vec<Vec<Segment>>,
    schemas: Map<String, Value>,
}

enum Segment {
    Literal(&'static str),
    Param,
}

pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table {
        templates: ROUTES
            .iter()
            .map(|r| {
                r.path
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            Segment::Param
                        } else {
                            Segment::Literal(s)
                        }
                    })
                    .collect()
            })
            .collect(),
        schemas: serde_json::from_str(SCHEMAS).unwrap_or_default(),
    })
}

/// Why a path found no operation.
pub(crate) enum NoRoute {
    NotFound,
    MethodNotAllowed,
}

impl Table {
    /// The operation for a method and the decoded segments of a path under `/api/v2/`, with
    /// the values of its parameters; literal segments win over parameters.
    pub(crate) fn find(
        &self,
        method: &Method,
        segments: &[String],
    ) -> Result<(&'static Route, Vec<String>), NoRoute> {
        let mut best: Option<(usize, &'static Route)> = None;
        let mut path_found = false;
        for (route, template) in ROUTES.iter().zip(&self.templates) {
            if template.len() != segments.len() {
                continue;
            }
            let mut literals = 0;
            let fits = template.iter().zip(segments).all(|(t, s)| match t {
                Segment::Literal(l) => {
                    literals += 1;
                    l == s
                }
                Segment::Param => !s.is_empty(),
            });
            if !fits {
                continue;
            }
            path_found = true;
            if route.method != method.as_str() {
                continue;
            }
            if best.is_none_or(|(n, _)| literals > n) {
                best = Some((literals, route));
            }
        }
        match best {
            Some((_, route)) => {
                let template = &self.templates[index_of(route)];
                let params = template
                    .iter()
                    .zip(segments)
                    .filter(|(t, _)| matches!(t, Segment::Param))
                    .map(|(_, s)| s.clone())
                    .collect();
                Ok((route, params))
            }
            None if path_found => Err(NoRoute::MethodNotAllowed),
            None => Err(NoRoute::NotFound),
        }
    }

    /// A schema by name.
    pub(crate) fn schema(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(name) => match self.schemas.get(name) {
                    Some(s) => v = s,
                    None => return &Value::Null,
                },
                None => break,
            }
        }
        v
    }

    /// A value of the schema's shape: its `default`, else every member with its default, an
    /// empty list, `""`, `0`, `false`, or `null` where the schema allows it.
    pub(crate) fn defaults(&self, schema: &Value) -> Value {
        self.defaults_at(schema, 0)
    }

    fn defaults_at(&self, schema: &Value, depth: usize) -> Value {
        let s = self.resolve(schema);
        if let Some(d) = s.get("default") {
            return d.clone();
        }
        if let Some(c) = s.get("const") {
            return c.clone();
        }
        if depth > 6 {
            return Value::Null;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let mut out = Map::new();
            for part in all {
                if let Value::Object(m) = self.defaults_at(part, depth + 1) {
                    out.extend(m);
                }
            }
            return Value::Object(out);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|v| {
                // An object variant says the most.
                v.iter()
                    .find(|m| self.resolve(m).get("properties").is_some())
                    .or(v.first())
            }) {
                return self.defaults_at(first, depth + 1);
            }
        }
        let types = types_of(s);
        if types.contains(&"null") {
            return Value::Null;
        }
        if let Some(first) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        match types.first().copied() {
            Some("array") => json!([]),
            Some("string") => json!(""),
            Some("integer" | "number") => json!(0),
            Some("boolean") => json!(false),
            _ => {
                let mut out = Map::new();
                for (name, p) in s
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    out.insert(name.clone(), self.defaults_at(p, depth + 1));
                }
                Value::Object(out)
            }
        }
    }

    /// The names of a schema's members (of every variant).
    pub(crate) fn members(&self, schema: &Value) -> Vec<String> {
        let s = self.resolve(schema);
        let mut out: Vec<String> = s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect();
        for key in ["allOf", "oneOf", "anyOf"] {
            for part in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                for m in self.members(part) {
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    /// The schema of an array's items (the first array variant's).
    pub(crate) fn items<'a>(&'a self, schema: &'a Value) -> Option<&'a Value> {
        let s = self.resolve(schema);
        if let Some(items) = s.get("items") {
            return Some(self.resolve(items));
        }
        ["oneOf", "anyOf"]
            .iter()
            .find_map(|k| s.get(*k)?.as_array()?.iter().find_map(|v| self.items(v)))
    }

    /// The schema of a member of an object schema (of its variants).
    pub(crate) fn member_schema<'a>(&'a self, schema: &'a Value, name: &str) -> Option<&'a Value> {
        let s = self.resolve(schema);
        if let Some(p) = s.get("properties").and_then(|p| p.get(name)) {
            return Some(self.resolve(p));
        }
        ["allOf", "oneOf", "anyOf"].iter().find_map(|k| {
            s.get(*k)?
                .as_array()?
                .iter()
                .find_map(|v| self.member_schema(v, name))
        })
    }

    /// A schema's `enum` values.
    pub(crate) fn enum_values<'a>(&'a self, schema: &'a Value) -> Option<&'a Vec<Value>> {
        self.resolve(schema).get("enum").and_then(Value::as_array)
    }

    /// Whether a schema (or one of its variants) is an array.
    pub(crate) fn allows_array(&self, schema: &Value) -> bool {
        let s = self.resolve(schema);
        types_of(s).contains(&"array")
            || ["oneOf", "anyOf"].iter().any(|k| {
                s.get(*k)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|v| self.allows_array(v))
            })
    }

    /// Checks a request body against a schema as Auth0 does: the required members and the
    /// types; the message names the member. `typed`: false for form bodies, whose values are all strings.
    pub(crate) fn validate(
        &self,
        schema: &Value,
        value: &Value,
        typed: bool,
    ) -> Result<(), String> {
        self.check(schema, value, None, typed, 0)
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: Option<&str>,
        typed: bool,
        depth: usize,
    ) -> Result<(), String> {
        let s = self.resolve(schema);
        if depth > 8 {
            return Ok(());
        }
        let on = |m: String| match at {
            Some(p) => format!("'{m}' on property {p}."),
            None => format!("'{m}'."),
        };
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(part, value, at, typed, depth + 1)?;
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = s.get(key).and_then(Value::as_array) {
                let mut first = None;
                for v in variants {
                    match self.check(v, value, at, typed, depth + 1) {
                        Ok(()) => {
                            first = None;
                            break;
                        }
                        Err(e) => {
                            first.get_or_insert(e);
                        }
                    }
                }
                if let Some(e) = first {
                    return Err(e);
                }
            }
        }
        let types = types_of(s);
        // `null` clears a member: Auth0 takes it where the document says nothing of null.
        if value.is_null() {
            return Ok(());
        }
        if typed && !types.is_empty() {
            let kind = json_type(value);
            let fits = types.iter().any(|t| {
                *t == kind
                    || (*t == "number" && kind == "integer")
                    || (*t == "integer" && is_integral(value))
            });
            if !fits {
                return Err(on(format!(
                    "Expected type {} but found type {kind}",
                    types.join(",")
                )));
            }
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array)
            && !value.is_object()
            && !value.is_array()
            && !allowed.iter().any(|a| {
                a == value
                    || (!typed
                        && a.as_str().is_none()
                        && Some(a.to_string()) == value.as_str().map(str::to_string))
            })
        {
            return Err(on(format!("No enum match for: {value}")));
        }
        if let Value::Object(members) = value {
            for name in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !members.contains_key(name) {
                    return Err(on(format!("Missing required property: {name}")));
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            // Members the document does not list are let through: real clients send them
            // and Auth0 takes them (`additionalProperties: false` is not what it enforces).
            for (name, v) in members {
                if let Some(p) = props.and_then(|p| p.get(name)) {
                    let path = match at {
                        Some(a) => format!("{a}.{name}"),
                        None => name.clone(),
                    };
                    self.check(p, v, Some(&path), typed, depth + 1)?;
                }
            }
        }
        if let (Value::Array(items), Some(item)) = (value, s.get("items")) {
            for v in items {
                self.check(item, v, at, typed, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// The request bodies real traffic shows Auth0 taking with members the document does not
/// list (an API's `token_lifetime_for_web`, a form's `description`, a theme's `identifiers`).
const OPEN_BODIES: &[&str] = &[
    "CreateResourceServerRequestContent",
    "UpdateResourceServerRequestContent",
    "CreateFormRequestContent",
    "UpdateFormRequestContent",
    "CreateFlowRequestContent",
    "UpdateFlowRequestContent",
    "CreateBrandingThemeRequestContent",
    "UpdateBrandingThemeRequestContent",
];

impl Table {
    /// Auth0's refusal of a body's own members that its schema does not list where the schema
    /// says `additionalProperties: false` (`Additional properties not allowed: foo`), but for
    /// the bodies real traffic shows taking more ([`OPEN_BODIES`]). Nested objects are not
    /// held to it.
    pub(crate) fn unknown_members(&self, name: &str, value: &Value) -> Result<(), String> {
        if OPEN_BODIES.contains(&name) {
            return Ok(());
        }
        let (Some(schema), Value::Object(members)) = (self.schemas.get(name), value) else {
            return Ok(());
        };
        let s = self.resolve(schema);
        let closed = s.get("additionalProperties") == Some(&Value::Bool(false))
            && ["allOf", "oneOf", "anyOf"]
                .iter()
                .all(|k| s.get(*k).is_none());
        let Some(listed) = s
            .get("properties")
            .and_then(Value::as_object)
            .filter(|_| closed)
        else {
            return Ok(());
        };
        let unknown: Vec<&str> = members
            .keys()
            .filter(|k| !listed.contains_key(k.as_str()))
            .map(String::as_str)
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "'Additional properties not allowed: {}'.",
                unknown.join(",")
            ))
        }
    }
}

fn index_of(route: &'static Route) -> usize {
    ROUTES
        .iter()
        .position(|r| std::ptr::eq(r, route))
        .unwrap_or_default()
}

fn types_of(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_integral(v: &Value) -> bool {
    v.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// The in-memory Management state the generic engine keeps, by concrete path.
#[derive(Default)]
pub(crate) struct Store {
    /// Items of collections, by the collection's path (`/connections`,
    /// `/organizations/org_1/invitations`), in creation order.
    pub(crate) collections: BTreeMap<String, Vec<Value>>,
    /// Settings, by path.
    pub(crate) singletons: BTreeMap<String, Value>,
    /// Relations, by path (`/users/auth0|1/roles`): ids, or objects (permissions).
    pub(crate) relations: BTreeMap<String, Vec<Value>>,
}

impl Store {
    /// The item of a collection with this id.
    pub(crate) fn item(&self, collection: &str, id_member: &str, id: &str) -> Option<&Value> {
        self.collections
            .get(collection)?
            .iter()
            .find(|v| v.get(id_member).and_then(Value::as_str) == Some(id))
    }

    pub(crate) fn item_mut(
        &mut self,
        collection: &str,
        id_member: &str,
        id: &str,
    ) -> Option<&mut Value> {
        self.collections
            .get_mut(collection)?
            .iter_mut()
            .find(|v| v.get(id_member).and_then(Value::as_str) == Some(id))
    }

    /// Removes an item and everything under its path, and its id from every relation.
    pub(crate) fn remove_item(&mut self, collection: &str, id_member: &str, id: &str) -> bool {
        let Some(items) = self.collections.get_mut(collection) else {
            return false;
        };
        let before = items.len();
        items.retain(|v| v.get(id_member).and_then(Value::as_str) != Some(id));
        let removed = items.len() != before;
        if removed {
            self.forget(&format!("{collection}/{id}"), id);
        }
        removed
    }

    /// Drops what lives under `path` and the id from every relation.
    pub(crate) fn forget(&mut self, path: &str, id: &str) {
        let under = format!("{path}/");
        self.collections.retain(|k, _| !k.starts_with(&under));
        self.singletons
            .retain(|k, _| k != path && !k.starts_with(&under));
        self.relations.retain(|k, _| !k.starts_with(&under));
        for list in self.relations.values_mut() {
            list.retain(|v| v.as_str() != Some(id));
        }
    }
}

/// The prefix of the ids Auth0 gives a collection's items, by the collection's last segment.
pub(crate) fn id_prefix(collection: &str) -> &'static str {
    if collection.ends_with("/verification/templates") {
        return "vct_";
    }
    let last = collection.rsplit('/').next().unwrap_or_default();
    match last {
        "connections" => "con_",
        "roles" => "rol_",
        "organizations" => "org_",
        "client-grants" => "cgr_",
        "rules" => "rul_",
        "log-streams" => "lst_",
        "custom-domains" => "cd_",
        "invitations" => "uinv_",
        "forms" => "ap_",
        "flows" => "af_",
        "event-streams" => "est_",
        "token-exchange-profiles" => "tep_",
        "user-attribute-profiles" => "uap_",
        "self-service-profiles" => "ssp_",
        "discovery-domains" => "ord_",
        "network-acls" => "acl_",
        "credentials" => "cred_",
        "tokens" => "tok_",
        "providers" => "pro_",
        "templates" => "tem_",
        "connections-vault" | "vault" => "ac_",
        "jobs" => "job_",
        "hooks" => "",
        "themes" => "",
        "grants" => "cgr_",
        _ => "",
    }
}

/// A new id for an item of `collection`: Auth0's prefix and random letters and digits, or
/// the bare forms Auth0 uses for applications (32 characters), APIs (24 hex digits) and
/// actions (a UUID).
pub(crate) fn new_id(collection: &str) -> String {
    let mut bytes = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let alnum = |n: usize| -> String {
        let mut more = [0u8; 32];
        let _ = aws_lc_rs::rand::fill(&mut more);
        more.iter()
            .take(n)
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect()
    };
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let last = collection.rsplit('/').next().unwrap_or_default();
    match last {
        "clients" => alnum(32),
        "resource-servers" => hex[..24].to_string(),
        "actions" | "versions" | "encryption" | "network-acls-uuid" => format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ),
        "hooks" => alnum(26).to_uppercase(),
        _ => format!("{}{}", id_prefix(collection), alnum(16)),
    }
}

/// The singular of a collection's last segment, as Auth0's error codes name it
/// (`client-grants` → `client_grant`).
pub(crate) fn singular(collection: &str) -> String {
    let last = collection
        .rsplit('/')
        .find(|s| !s.starts_with('{') && !s.is_empty())
        .unwrap_or("resource");
    let snake = last.replace('-', "_");
    if let Some(stem) = snake.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = snake.strip_suffix('s') {
        stem.to_string()
    } else {
        snake
    }
}

/// The status Auth0 answers where it differs from the document's (creates of forms and
/// flows answer 200, updates 200, invitations 201, removing permissions 204, deleting a
/// connection 202; deleting a role answers the document's 200).
pub(crate) fn real_status(route: &Route) -> StatusCode {
    let status = match (route.method, route.kind, route.path) {
        ("POST", _, "/forms" | "/flows" | "/flows/vault/connections") => 200,
        ("POST", _, "/organizations/{id}/invitations") => 201,
        ("POST", _, "/actions/actions/{id}/deploy") => 200,
        ("PATCH", _, _) if route.status == 201 => 200,
        ("DELETE", _, "/connections/{id}" | "/users/{user_id}/refresh-tokens") => 202,
        ("DELETE", Kind::RelationRemove, _) if route.status == 200 && route.answer.is_none() => 204,
        _ => route.status,
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        path.trim_start_matches('/')
            .split('/')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn paths_find_their_operation_literals_first() {
        let t = table();
        let (route, params) = t
            .find(&Method::GET, &segments("/users/auth0|1/roles"))
            .ok()
            .unwrap();
        assert_eq!(route.operation(), "users.roles.list");
        assert_eq!(params, ["auth0|1"]);
        let (route, _) = t
            .find(&Method::GET, &segments("/custom-domains/default"))
            .ok()
            .unwrap();
        assert_eq!(route.path, "/custom-domains/default");
        assert!(matches!(
            t.find(&Method::PUT, &segments("/users")),
            Err(NoRoute::MethodNotAllowed)
        ));
        assert!(matches!(
            t.find(&Method::GET, &segments("/nothing-here")),
            Err(NoRoute::NotFound)
        ));
    }

    #[test]
    fn every_operation_is_in_the_table() {
        assert!(ROUTES.len() >= 450, "{}", ROUTES.len());
        let t = table();
        for r in ROUTES {
            for name in r.body.iter().chain(&r.answer) {
                assert!(t.schema(name).is_some(), "{} names {name}", r.id);
            }
        }
    }

    #[test]
    fn bodies_are_checked_and_defaults_made() {
        let t = table();
        let create_role = ROUTES.iter().find(|r| r.id == "post_roles").unwrap();
        let schema = t.schema(create_role.body.unwrap()).unwrap();
        assert!(t.validate(schema, &json!({"name": "x"}), true).is_ok());
        let err = t.validate(schema, &json!({}), true).unwrap_err();
        assert!(err.contains("Missing required property: name"), "{err}");
        let err = t.validate(schema, &json!({"name": 3}), true).unwrap_err();
        assert!(err.contains("on property name"), "{err}");
        let answer = t.schema(create_role.answer.unwrap()).unwrap();
        let d = t.defaults(answer);
        assert!(d.get("id").is_some() && d.get("name").is_some(), "{d}");
    }

    #[test]
    fn unknown_members_and_values_outside_an_enum_are_refused() {
        let t = table();
        let err = t
            .unknown_members("CreateRoleRequestContent", &json!({"name": "x", "foo": 1}))
            .unwrap_err();
        assert_eq!(err, "'Additional properties not allowed: foo'.");
        assert!(
            t.unknown_members("CreateRoleRequestContent", &json!({"name": "x"}))
                .is_ok()
        );
        // Real traffic shows an API's body taking an undocumented member.
        assert!(
            t.unknown_members(
                "CreateResourceServerRequestContent",
                &json!({"identifier": "https://a/", "token_lifetime_for_web": 7200})
            )
            .is_ok()
        );
        let schema = t
            .schema("UpdateBotDetectionSettingsRequestContent")
            .unwrap();
        let err = t
            .validate(schema, &json!({"bot_detection_level": "extreme"}), true)
            .unwrap_err();
        assert_eq!(
            err,
            "'No enum match for: \"extreme\"' on property bot_detection_level."
        );
        assert!(
            t.validate(schema, &json!({"bot_detection_level": "high"}), true)
                .is_ok()
        );
    }

    #[test]
    fn ids_and_names() {
        assert!(new_id("/connections").starts_with("con_"));
        assert_eq!(new_id("/clients").len(), 32);
        assert_eq!(new_id("/resource-servers").len(), 24);
        assert_eq!(singular("/client-grants"), "client_grant");
        assert_eq!(singular("/users"), "user");
        assert_eq!(singular("/guardian/policies"), "policy");
    }
}
