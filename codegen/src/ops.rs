//! The operations of a Management API document, as the facade names them.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use serde_json::Value;

/// HTTP methods an OpenAPI path item may hold, in the order documents list them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document, with the facts the generated code and docs state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`, as upstream spells it.
    pub id: String,
    /// Lower-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/users/{id}/roles`.
    pub path: String,
    /// `x-operation-group` segments, camelCase as upstream (`["users", "roles"]`).
    pub group: Vec<String>,
    /// `x-operation-name`, camelCase as upstream (`list`, `getSelectedProvider`).
    pub name: String,
    /// `x-release-lifecycle` (`GA`, `EA`, `beta`), if stated.
    pub lifecycle: Option<String>,
    /// Management API scopes the operation accepts.
    pub scopes: Vec<String>,
    /// Upstream tags (used to link to the reference page).
    pub tags: Vec<String>,
}

impl Operation {
    /// The top-level resource (and cargo feature) the operation belongs to, snake_case.
    pub fn resource(&self) -> String {
        self.group[0].to_snake_case()
    }

    /// Accessor segments of the facade, snake_case (`["users", "roles"]`).
    pub fn accessors(&self) -> Vec<String> {
        self.group.iter().map(|s| s.to_snake_case()).collect()
    }

    /// Facade method name, snake_case.
    pub fn method_name(&self) -> String {
        self.name.to_snake_case()
    }

    /// The name errors and traces give the operation: the facade's accessors and method,
    /// `users.roles.list`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.accessors().join("."), self.method_name())
    }

    /// The generated raw method's name (progenitor snake-cases the operationId).
    pub fn raw_ident(&self) -> String {
        self.id.to_snake_case()
    }

    /// Path parameter names in the order they appear in the path template.
    pub fn path_params(&self) -> Vec<String> {
        path_params(&self.path)
    }

    /// Link to Auth0's reference page for this operation.
    pub fn reference_url(&self) -> String {
        let tag = self
            .tags
            .first()
            .cloned()
            .unwrap_or_else(|| self.resource());
        format!(
            "https://auth0.com/docs/api/management/v2/{}/{}",
            tag.replace('_', "-"),
            self.id.replace('_', "-")
        )
    }
}

/// Names of `{param}` segments of a path template, in order.
pub fn path_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every operation of `doc`, sorted by group then name.
///
/// Operations without `x-operation-group`/`x-operation-name` are named after their
/// `operationId` under the first path segment, so that nothing is silently left out.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{method}{}", path.replace(['/', '{', '}'], "_")));
            let mut group = strings(op.get("x-operation-group"));
            if group.is_empty() {
                let first = path
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("root");
                group.push(first.to_string());
            }
            let name = op
                .get("x-operation-name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| id.clone());
            let mut scopes = BTreeSet::new();
            for req in op
                .get("security")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for list in req.as_object().into_iter().flat_map(|m| m.values()) {
                    scopes.extend(strings(Some(list)));
                }
            }
            out.push(Operation {
                id,
                method: method.to_string(),
                path: path.clone(),
                group,
                name,
                lifecycle: op
                    .get("x-release-lifecycle")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                scopes: scopes.into_iter().collect(),
                tags: strings(op.get("tags")),
            });
        }
    }
    out.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    out
}

/// Names of the component schemas `v` refers to directly.
pub fn direct_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    if let Some(name) = child
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.insert(name.to_string());
                    }
                    if let Some(name) = child
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/responses/"))
                    {
                        out.insert(format!("#response:{name}"));
                    }
                } else {
                    direct_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| direct_refs(i, out)),
        _ => {}
    }
}

/// For each component schema, the set of top-level resources whose operations reach it.
pub fn schema_owners(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let responses = doc
        .pointer("/components/responses")
        .and_then(Value::as_object);
    let mut owners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in schemas.into_iter().flat_map(|s| s.keys()) {
        owners.entry(name.clone()).or_default();
    }
    for op in operations(doc) {
        let node = &doc["paths"][&op.path][&op.method];
        let mut stack: Vec<String> = {
            let mut s = BTreeSet::new();
            direct_refs(node, &mut s);
            s.into_iter().collect()
        };
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let target = match name.strip_prefix("#response:") {
                Some(resp) => responses.and_then(|r| r.get(resp)),
                None => schemas.and_then(|s| s.get(&name)),
            };
            if let Some(target) = target {
                let mut next = BTreeSet::new();
                direct_refs(target, &mut next);
                stack.extend(next);
            }
        }
        let resource = op.resource();
        for name in seen {
            if let Some(set) = owners.get_mut(&name) {
                set.insert(resource.clone());
            }
        }
    }
    owners
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_params_in_template_order() {
        assert_eq!(
            path_params("/organizations/{id}/members/{user_id}/roles"),
            ["id", "user_id"]
        );
        assert!(path_params("/users").is_empty());
    }

    #[test]
    fn operations_are_named_from_the_vendor_extensions() {
        let doc = json!({"paths": {"/attack-protection/bot-detection": {"get": {
            "operationId": "get_bot_detection",
            "x-operation-group": ["attackProtection", "botDetection"],
            "x-operation-name": "getSelectedProvider",
            "x-release-lifecycle": "EA",
            "tags": ["attack-protection"],
            "security": [{"bearerAuth": []}, {"oAuth2ClientCredentials": ["read:attack_protection"]}]
        }}}});
        let ops = operations(&doc);
        assert_eq!(ops.len(), 1);
        let op = &ops[0];
        assert_eq!(op.resource(), "attack_protection");
        assert_eq!(op.accessors(), ["attack_protection", "bot_detection"]);
        assert_eq!(op.method_name(), "get_selected_provider");
        assert_eq!(op.scopes, ["read:attack_protection"]);
        assert_eq!(op.lifecycle.as_deref(), Some("EA"));
        assert_eq!(
            op.reference_url(),
            "https://auth0.com/docs/api/management/v2/attack-protection/get-bot-detection"
        );
    }

    #[test]
    fn schema_owners_follow_refs_transitively() {
        let doc = json!({
            "paths": {
                "/a": {"get": {"x-operation-group": "a", "x-operation-name": "get",
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
                "/b": {"get": {"x-operation-group": "b", "x-operation-name": "get",
                    "responses": {"400": {"$ref": "#/components/responses/Bad"}}}}
            },
            "components": {
                "schemas": {
                    "A": {"properties": {"c": {"$ref": "#/components/schemas/C"}}},
                    "C": {"type": "string"},
                    "E": {"type": "string"},
                    "Unused": {"type": "string"}
                },
                "responses": {"Bad": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/C"}}}}}
            }
        });
        let owners = schema_owners(&doc);
        assert_eq!(owners["A"], BTreeSet::from(["a".to_string()]));
        assert_eq!(
            owners["C"],
            BTreeSet::from(["a".to_string(), "b".to_string()])
        );
        assert!(owners["Unused"].is_empty());
    }
}
