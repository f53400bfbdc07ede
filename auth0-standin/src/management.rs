//! The Management API's handwritten behaviour, where Auth0's meaning needs more than the
//! generic engine: users (passwords kept and never answered, identities, `auth0|` ids, the
//! database connection checked, metadata merged), connections (`strategy`, realms),
//! applications (ids and secrets), client grants (the application and the API checked),
//! organizations (kept in step with the login side: members, invitations, which expire
//! `ttl_sec` after they are made and, deleted, let no one in), a hook's secrets (added once, changed only when there),
//! a user's authentication methods (ids naming their type, replaced whole), encryption keys
//! (made waiting for their material, activated by an import after the wrapping key).

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::Refused;
use crate::api::{Request, generic, page, payload_error, select_fields};
use crate::keys::Refusal;
use crate::oauth::bearer_token;
use crate::state::Org;
use crate::{CONNECTION, Data, Tenant};

/// A Management API error: `{"statusCode", "error", "message", "errorCode"}`.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "statusCode": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "errorCode": code,
    });
    (status, Json(body)).into_response()
}

pub(crate) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "Not Found")
}

/// Checks the bearer token (signature, expiry, issuer, Management API audience) and that it
/// carries one of `any_of` scopes (any token when the operation names none); the token's
/// claims.
pub(crate) fn authorize(
    t: &Tenant,
    headers: &HeaderMap,
    any_of: &[&str],
) -> Result<Value, Refused> {
    let unauthorized = |message: &str| error(StatusCode::UNAUTHORIZED, "invalid_token", message);
    let Some(token) = bearer_token(headers) else {
        return Err(Refused::from(unauthorized("Missing authentication")));
    };
    let audience = t.management_audience();
    let claims = match t.key.check(token, &t.issuer(), &audience) {
        Ok(c) => c,
        Err(Refusal::Expired) => {
            return Err(Refused::from(unauthorized(
                "Expired token received for JSON Web Token validation",
            )));
        }
        Err(Refusal::Audience) => {
            return Err(Refused::from(unauthorized(&format!(
                "Bad audience: {audience}"
            ))));
        }
        Err(Refusal::Invalid(why)) => return Err(Refused::from(unauthorized(why))),
    };
    let granted = claims["scope"].as_str().unwrap_or_default();
    if any_of.is_empty() || granted.split_whitespace().any(|s| any_of.contains(&s)) {
        Ok(claims)
    } else {
        Err(Refused::from(error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            &format!("Insufficient scope, expected any of: {}", any_of.join(",")),
        )))
    }
}

/// The handwritten answer to a request, when its operation has one.
pub(crate) fn handwritten(t: &Tenant, d: &mut Data, req: &Request<'_>) -> Option<Response> {
    let route = req.route;
    let response = match (route.method, route.path) {
        ("POST", "/users") => create_user(d, req),
        ("GET", "/users") => list_users(d, req),
        ("GET", "/users-by-email") => users_by_email(d, req),
        ("GET", "/users/{id}") => match d.users.get(req.last_param()) {
            Some(u) => Json(select_fields(req.query, u.profile.clone())).into_response(),
            None => no_user(),
        },
        ("PATCH", "/users/{id}") => update_user(d, req),
        ("DELETE", "/users/{id}") => {
            // Like Auth0, deleting a user that is not there succeeds.
            let id = req.last_param().to_string();
            d.users.remove(&id);
            d.store.forget(&format!("/users/{id}"), &id);
            sync_organizations(d);
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "/hooks/{id}/secrets") => {
            // Auth0 names a hook's secrets, never their values.
            let response = generic(t, d, req);
            if !response.status().is_success() {
                return Some(response);
            }
            let names: serde_json::Map<String, Value> = d
                .store
                .singletons
                .get(&req.path())
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(k, _)| !matches!(k.as_str(), "created_at" | "updated_at"))
                .map(|(k, _)| (k.clone(), json!("_VALUE_NOT_SHOWN_")))
                .collect();
            Json(Value::Object(names)).into_response()
        }
        ("PUT", "/branding/templates/universal-login") => {
            // Sent as the page's text or as `{"template": text}`; read back as `{"body": text}`.
            let text = match &req.body {
                Value::String(text) => text.clone(),
                other => other["template"].as_str().unwrap_or_default().to_string(),
            };
            generic(t, d, &with_body(req, json!({ "body": text })))
        }
        ("GET", "/keys/signing") => Json(json!([signing_key(t)])).into_response(),
        // The stand-in keeps signing with its one key: a rotation answers it.
        ("POST", "/keys/signing/rotate") => {
            (StatusCode::CREATED, Json(signing_key(t))).into_response()
        }
        ("GET", "/keys/signing/{kid}") => {
            let key = signing_key(t);
            if key["kid"].as_str() == Some(req.last_param()) {
                Json(key).into_response()
            } else {
                error(
                    StatusCode::NOT_FOUND,
                    "inexistent_key",
                    "The signing key does not exist.",
                )
            }
        }
        ("GET", "/logs/{id}") => match d.store.item("/logs", "log_id", req.last_param()) {
            Some(log) => Json(select_fields(req.query, log.clone())).into_response(),
            None => error(
                StatusCode::NOT_FOUND,
                "inexistent_log",
                "The log does not exist.",
            ),
        },
        ("GET", "/custom-domains/default") => {
            // The domain made default, else the first: Auth0's default while there is one.
            let chosen = d
                .store
                .singletons
                .get("/custom-domains/default")
                .and_then(|v| v.get("domain"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let domains = d.store.collections.get("/custom-domains");
            let domain = domains.and_then(|all| {
                all.iter()
                    .find(|c| {
                        chosen.is_some()
                            && c.get("domain").and_then(Value::as_str) == chosen.as_deref()
                    })
                    .or(all.first())
            });
            match domain {
                Some(c) => {
                    let mut c = crate::api::present(route, c);
                    c["is_default"] = json!(true);
                    Json(select_fields(req.query, c)).into_response()
                }
                None => crate::api::not_found("/custom-domains"),
            }
        }
        ("GET", "/organizations/name/{name}") => {
            match d.store.item("/organizations", "name", req.last_param()) {
                Some(org) => {
                    let org = crate::api::present(route, org);
                    Json(select_fields(req.query, org)).into_response()
                }
                None => crate::api::not_found("/organizations"),
            }
        }
        ("POST", "/connections") => {
            let mut body = req.body.clone();
            let name = body["name"].as_str().unwrap_or_default().to_string();
            let strategy = body["strategy"].as_str().unwrap_or_default().to_string();
            for (member, value) in [
                ("options", json!({})),
                ("enabled_clients", json!([])),
                ("is_domain_connection", json!(false)),
                ("realms", json!([name])),
                ("display_name", json!(name)),
            ] {
                if body.get(member).is_none_or(Value::is_null) {
                    body[member] = value;
                }
            }
            // Enterprise directories get a provisioning ticket (for the AD/LDAP connector).
            if matches!(
                strategy.as_str(),
                "ad" | "adfs" | "waad" | "google-apps" | "auth0-adldap" | "pingfederate" | "samlp"
            ) {
                body["provisioning_ticket_url"] = json!(format!(
                    "{}/p/{strategy}/{}",
                    t.base,
                    crate::state::random_hex(16).unwrap_or_default()
                ));
            }
            if strategy == "auth0"
                && let Some(options) = body.get_mut("options").and_then(Value::as_object_mut)
            {
                options
                    .entry("brute_force_protection")
                    .or_insert(json!(true));
            }
            generic(t, d, &with_body(req, body))
        }
        ("DELETE", "/connections/{id}") => {
            // Auth0 answers 202 and when the deletion was taken in.
            let response = generic(t, d, req);
            if !response.status().is_success() {
                return Some(response);
            }
            (
                StatusCode::ACCEPTED,
                Json(json!({ "deleted_at": crate::timestamp() })),
            )
                .into_response()
        }
        ("POST", "/clients") => {
            let mut body = req.body.clone();
            body["client_secret"] = json!(crate::state::random(48).unwrap_or_default());
            for (member, value) in [
                ("callbacks", json!([])),
                ("allowed_logout_urls", json!([])),
                (
                    "grant_types",
                    json!([
                        "authorization_code",
                        "implicit",
                        "refresh_token",
                        "client_credentials"
                    ]),
                ),
                ("app_type", json!("regular_web")),
                ("token_endpoint_auth_method", json!("client_secret_post")),
                ("is_first_party", json!(true)),
                ("cross_origin_auth", json!(false)),
                ("oidc_conformant", json!(true)),
                ("sso_disabled", json!(false)),
                ("custom_login_page_on", json!(true)),
                (
                    "jwt_configuration",
                    json!({"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false}),
                ),
                (
                    "signing_keys",
                    json!([{"cert": "", "pkcs7": "", "subject": "deprecated"}]),
                ),
                ("tenant", json!("standin")),
            ] {
                if body.get(member).is_none() {
                    body[member] = value;
                }
            }
            generic(t, d, &with_body(req, body))
        }
        ("POST", "/client-grants") => {
            let client = req.body["client_id"].as_str().unwrap_or_default();
            let audience = req.body["audience"].as_str().unwrap_or_default();
            if d.store.item("/clients", "client_id", client).is_none() {
                return Some(error(
                    StatusCode::NOT_FOUND,
                    "inexistent_client",
                    "Client not found",
                ));
            }
            let known = audience == t.management_audience()
                || d.store
                    .item("/resource-servers", "identifier", audience)
                    .is_some();
            if !known {
                return Some(error(
                    StatusCode::NOT_FOUND,
                    "inexistent_resource_server",
                    "No resource server found by specified identifier",
                ));
            }
            generic(t, d, req)
        }
        ("POST", "/organizations/{id}/enabled_connections") => {
            // The answer names the connection's name and strategy.
            let mut body = req.body.clone();
            let id = body["connection_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            match d.store.item("/connections", "id", &id) {
                Some(c) => {
                    body["connection"] = json!({"name": c["name"], "strategy": c["strategy"]});
                }
                None => return Some(crate::api::not_found("/connections")),
            }
            let response = generic(t, d, &with_body(req, body));
            sync_organizations(d);
            response
        }
        ("POST", "/organizations/{id}/invitations") => {
            let mut body = req.body.clone();
            if body.get("roles").is_none() {
                body["roles"] = json!([]);
            }
            let org = req.params[0].clone();
            let response = generic(t, d, &with_body(req, body));
            if response.status().is_success() {
                let path = req.path();
                let email = req.body["invitee"]["email"].as_str().unwrap_or_default();
                let client = req.body["client_id"].as_str().unwrap_or_default();
                // It lasts `ttl_sec`, a week when unset or 0.
                let ttl = req.body["ttl_sec"]
                    .as_u64()
                    .filter(|s| *s > 0)
                    .unwrap_or(crate::state::INVITATION_SECONDS);
                let at = std::time::SystemTime::now();
                let expires = crate::now() + ttl;
                let created = d
                    .store
                    .collections
                    .get_mut(&path)
                    .and_then(|items| items.last_mut());
                if let Some(item) = created {
                    let id = item["id"].as_str().unwrap_or_default().to_string();
                    let org_name = d
                        .store
                        .item("/organizations", "id", &org)
                        .and_then(|o| o["name"].as_str())
                        .unwrap_or_default()
                        .to_string();
                    let item = d
                        .store
                        .collections
                        .get_mut(&path)
                        .and_then(|items| items.last_mut())
                        .expect("just created");
                    item["organization_id"] = json!(org);
                    item["invitation_url"] = json!(format!(
                        "{}/login?invitation={id}&organization={org}&organization_name={org_name}",
                        t.base
                    ));
                    // The ticket is what the invitation URL carries.
                    item["ticket_id"] = json!(id);
                    item["created_at"] = json!(crate::timestamp_at(at));
                    item["expires_at"] = json!(crate::timestamp_at(
                        at + std::time::Duration::from_secs(ttl)
                    ));
                    let answer = crate::api::present(route, item);
                    d.invitations.insert(
                        id,
                        crate::state::Invited {
                            organization: org,
                            email: email.to_string(),
                            client_id: client.to_string(),
                            expires,
                        },
                    );
                    return Some((StatusCode::CREATED, Json(answer)).into_response());
                }
            }
            response
        }
        ("POST" | "PATCH", "/hooks/{id}/secrets") => {
            // Adding names secrets not there yet, changing names secrets that are.
            let adding = route.method == "POST";
            let kept = d
                .store
                .singletons
                .get(&req.path())
                .and_then(Value::as_object);
            let clash = req
                .body
                .as_object()
                .into_iter()
                .flatten()
                .any(|(name, _)| kept.is_some_and(|k| k.contains_key(name)) == adding);
            match (clash, adding) {
                (true, true) => error(
                    StatusCode::CONFLICT,
                    "secret_conflict",
                    "Secret with the same name already exists.",
                ),
                (true, false) => error(
                    StatusCode::NOT_FOUND,
                    "inexistent_secret",
                    "Hook or secret not found.",
                ),
                _ => generic(t, d, req),
            }
        }
        ("POST", "/users/{id}/authentication-methods") => {
            // Auth0's ids name the method's type: `phone|dev_...`; a TOTP secret is taken,
            // never read back.
            let mut body = req.body.clone();
            body["id"] = json!(authentication_method_id(&req.path(), &body));
            forget_totp_secret(&mut body);
            generic(t, d, &with_body(req, body))
        }
        ("PUT", "/users/{id}/authentication-methods") => {
            // The methods sent replace the user's, each with an id of its own.
            if !d.users.contains_key(&req.params[0]) {
                return Some(no_user());
            }
            let path = req.path();
            let now = crate::timestamp();
            let methods: Vec<Value> = req
                .body
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| {
                    let mut m = m.clone();
                    m["id"] = json!(authentication_method_id(&path, &m));
                    m["created_at"] = json!(now);
                    forget_totp_secret(&mut m);
                    m
                })
                .collect();
            let answer = methods
                .iter()
                .map(|m| crate::api::present(route, m))
                .collect();
            d.store.collections.insert(path, methods);
            Json(Value::Array(answer)).into_response()
        }
        ("POST", "/keys/encryption") => {
            // Made without its key material: waiting for it.
            let mut body = req.body.clone();
            body["state"] = json!("pre-activation");
            body["parent_kid"] = Value::Null;
            generic(t, d, &with_body(req, body))
        }
        ("POST", "/keys/encryption/{kid}/wrapping-key") => {
            // The public key the key material is wrapped with, for a key made without it.
            match d.store.item("/keys/encryption", "kid", req.last_param()) {
                None => no_encryption_key(),
                Some(key) if key["state"] != "pre-activation" => error(
                    StatusCode::CONFLICT,
                    "failed_precondition",
                    "Failed precondition. Create new encryption key without the key material first.",
                ),
                Some(_) => {
                    d.store.singletons.insert(req.path(), json!({}));
                    let answer = json!({
                        "public_key": t.key.public_pem(),
                        "algorithm": "CKM_RSA_AES_KEY_WRAP",
                    });
                    (StatusCode::CREATED, Json(answer)).into_response()
                }
            }
        }
        ("POST", "/keys/encryption/{kid}") => {
            // The wrapped key material, once the wrapping key was made: the key is active.
            let wrapping = format!("{}/wrapping-key", req.path());
            if d.store.singletons.remove(&wrapping).is_none() {
                return Some(error(
                    StatusCode::CONFLICT,
                    "failed_precondition",
                    "Failed precondition. Key import not in progress or unable to find the wrapping key. Make sure you have followed all the steps to import a key.",
                ));
            }
            match d
                .store
                .item_mut("/keys/encryption", "kid", req.last_param())
            {
                None => no_encryption_key(),
                Some(key) => {
                    key["state"] = json!("active");
                    key["updated_at"] = json!(crate::timestamp());
                    let answer = crate::api::present(route, key);
                    (StatusCode::CREATED, Json(answer)).into_response()
                }
            }
        }
        ("DELETE", "/organizations/{id}/invitations/{invitation_id}") => {
            // A deleted invitation no longer lets anyone in.
            let response = generic(t, d, req);
            if response.status().is_success() {
                d.invitations.remove(req.last_param());
            }
            response
        }
        _ if route.group.starts_with("organizations") => {
            let response = generic(t, d, req);
            sync_organizations(d);
            response
        }
        _ => return None,
    };
    Some(response)
}

/// An authentication method's id as Auth0 makes them: its type, then `|dev_` and a random
/// part (`phone|dev_kXVq4drj3Mw6uCF5`).
fn authentication_method_id(path: &str, method: &Value) -> String {
    let kind = method["type"].as_str().unwrap_or("email");
    format!("{kind}|dev_{}", crate::engine::new_id(path))
}

/// Drops an authentication method's TOTP secret: Auth0 takes it and never answers it.
fn forget_totp_secret(method: &mut Value) {
    if let Value::Object(m) = method {
        m.remove("totp_secret");
    }
}

/// The answer for an encryption key that is not there.
fn no_encryption_key() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "inexistent_key",
        "The key does not exist.",
    )
}

/// The tenant's signing key as the Management API lists it: the stand-in signs with one key,
/// current and never rotated.
fn signing_key(t: &Tenant) -> Value {
    let jwk = t.key.jwk();
    let kid = jwk["kid"].as_str().unwrap_or_default();
    json!({
        "kid": kid,
        "cert": "",
        "pkcs7": "",
        "current": true,
        "next": false,
        "previous": false,
        "revoked": false,
        "fingerprint": kid,
        "thumbprint": kid,
        "current_since": crate::timestamp(),
    })
}

/// Notes a Management change in the tenant's logs as Auth0 does: a `sapi` ("Success API
/// Operation") event naming the operation, the application that made it and the request,
/// newest first.
pub(crate) fn log_operation(d: &mut Data, req: &Request<'_>, claims: &Value, status: u16) {
    let route = req.route;
    let logs = d.store.collections.entry("/logs".into()).or_default();
    let id = format!("900{:020}{:033}", crate::now(), logs.len() + 1);
    let client_id = claims["azp"]
        .as_str()
        .or_else(|| {
            claims["sub"]
                .as_str()
                .and_then(|s| s.strip_suffix("@clients"))
        })
        .unwrap_or_default();
    let log = json!({
        "_id": id,
        "log_id": id,
        "date": crate::timestamp(),
        "type": "sapi",
        "description": format!("{} ({})", route.id, route.operation()),
        "connection": null,
        "connection_id": null,
        "organization_id": null,
        "organization_name": null,
        "client_id": client_id,
        "client_name": "",
        "ip": "127.0.0.1",
        "hostname": null,
        "user_id": "",
        "user_name": "",
        "audience": claims["aud"],
        "scope": claims["scope"],
        "isMobile": false,
        "details": {
            "request": {
                "method": route.method.to_ascii_lowercase(),
                "path": format!("/api/v2{}", req.path()),
                "channel": "api",
                // Not the body: it may carry a password or a secret.
                "body": {},
            },
            "response": {"statusCode": status, "body": {}},
        },
    });
    logs.insert(0, log);
}

/// The request with another body.
fn with_body<'a>(req: &Request<'a>, body: Value) -> Request<'a> {
    Request {
        route: req.route,
        params: req.params,
        query: req.query,
        body,
    }
}

/// The organizations the login side reads, from the Management store: ids, names, display
/// names and members.
pub(crate) fn sync_organizations(d: &mut Data) {
    let orgs: Vec<Value> = d
        .store
        .collections
        .get("/organizations")
        .cloned()
        .unwrap_or_default();
    let mut synced = std::collections::BTreeMap::new();
    for o in orgs {
        let id = o["id"].as_str().unwrap_or_default().to_string();
        let name = o["name"].as_str().unwrap_or_default().to_string();
        let members = crate::api::relation_entries(d, &format!("/organizations/{id}/members"))
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect();
        synced.insert(
            id.clone(),
            Org {
                display_name: o["display_name"]
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&name)
                    .to_string(),
                id,
                name,
                members,
            },
        );
    }
    d.organizations = synced;
}

fn no_user() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "inexistent_user",
        "The user does not exist.",
    )
}

/// The members a create-user body may have.
const CREATE_USER_MEMBERS: &[&str] = &[
    "email",
    "phone_number",
    "user_metadata",
    "blocked",
    "email_verified",
    "phone_verified",
    "app_metadata",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "user_id",
    "connection",
    "password",
    "verify_email",
    "username",
];

/// The database connections: the default one and those created with strategy `auth0`.
fn database_connection(d: &Data, name: &str) -> bool {
    name == CONNECTION
        || d.store
            .collections
            .get("/connections")
            .into_iter()
            .flatten()
            .any(|c| c["name"] == name && c["strategy"] == "auth0")
}

fn create_user(d: &mut Data, req: &Request<'_>) -> Response {
    let Value::Object(mut body) = req.body.clone() else {
        return payload_error("'Expected type object' on the request body.");
    };
    if let Some(extra) = body
        .keys()
        .find(|k| !CREATE_USER_MEMBERS.contains(&k.as_str()))
    {
        return payload_error(&format!("'Additional properties not allowed: {extra}'."));
    }
    let Some(connection) = body
        .get("connection")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return payload_error("'Missing required property: connection'.");
    };
    let known = database_connection(d, &connection)
        || d.store
            .collections
            .get("/connections")
            .into_iter()
            .flatten()
            .any(|c| c["name"] == connection.as_str());
    if !known {
        return error(
            StatusCode::BAD_REQUEST,
            "inexistent_connection",
            "The connection does not exist.",
        );
    }
    let database = database_connection(d, &connection);
    // Passwordless users (`sms`, `email`) and social ones may come without an email address.
    let email = match body.get("email").and_then(Value::as_str) {
        Some(email) => email.to_string(),
        None if database || body.get("phone_number").is_none() => {
            return payload_error("'Missing required property: email'.");
        }
        None => String::new(),
    };
    if !email.is_empty() && !crate::config::valid_email(&email) {
        return payload_error(&format!(
            "'Object didn't pass validation for format email: {email}' on property email."
        ));
    }
    let password = body
        .get("password")
        .and_then(Value::as_str)
        .map(str::to_string);
    if database {
        match &password {
            None => return payload_error("'Missing required property: password'."),
            Some(p) if p.chars().count() < 8 => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "PasswordStrengthError: Password is too weak",
                );
            }
            Some(_) => {}
        }
    }
    let taken = !email.is_empty()
        && d.users.values().any(|u| {
            u.profile["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase())
                && u.profile["identities"][0]["connection"] == connection.as_str()
        });
    if taken {
        return error(
            StatusCode::CONFLICT,
            "auth0_idp_error",
            "The user already exists.",
        );
    }
    let given_id = body
        .get("user_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    // What the user's profile keeps of the body.
    for member in ["connection", "password", "verify_email", "user_id"] {
        body.remove(member);
    }
    body.entry("email_verified").or_insert(json!(false));
    body.entry("blocked").or_insert(json!(false));
    let user = match given_id {
        Some(local) => d.add_user_with_id(&local, &email, password, &Value::Object(body)),
        None => d.add_user(&email, password, &Value::Object(body)),
    };
    let mut user = user;
    if connection != CONNECTION
        && let Some(id) = user["user_id"].as_str().map(str::to_string)
        && let Some(account) = d.users.remove(&id)
    {
        // The id names the connection's provider: `auth0|`, `sms|`, `email|`, ...
        let strategy = d
            .store
            .collections
            .get("/connections")
            .into_iter()
            .flatten()
            .find(|c| c["name"] == connection.as_str())
            .and_then(|c| c["strategy"].as_str())
            .unwrap_or("auth0")
            .to_string();
        let local = id.strip_prefix("auth0|").unwrap_or(&id).to_string();
        let new_id = format!("{strategy}|{local}");
        user["user_id"] = json!(new_id);
        user["identities"][0]["connection"] = json!(connection);
        user["identities"][0]["provider"] = json!(strategy);
        user["identities"][0]["isSocial"] = json!(!matches!(
            strategy.as_str(),
            "auth0" | "sms" | "email" | "ad" | "adfs" | "waad" | "samlp" | "okta" | "oidc"
        ));
        if email.is_empty()
            && let Some(u) = user.as_object_mut()
        {
            for member in ["email", "name", "nickname", "picture"] {
                u.remove(member);
            }
            if let Some(phone) = u.get("phone_number").cloned() {
                u.insert("name".into(), phone.clone());
                u.insert("nickname".into(), phone);
            }
        }
        d.users.insert(
            new_id,
            crate::Account {
                profile: user.clone(),
                password: account.password,
            },
        );
    }
    (StatusCode::CREATED, Json(user)).into_response()
}

fn list_users(d: &Data, req: &Request<'_>) -> Response {
    let connection = req.query.get("connection");
    let q = req
        .query
        .get("q")
        .map(|q| q.trim_matches('"').to_lowercase());
    let users: Vec<Value> = d
        .users
        .values()
        .map(|u| u.profile.clone())
        .filter(|u| connection.is_none_or(|c| u["identities"][0]["connection"] == c.as_str()))
        .filter(|u| {
            // `q` by email (`email:"a@b.c"`) or any text the profile holds.
            q.as_deref().is_none_or(|q| {
                let needle = q
                    .split_once(':')
                    .map(|(_, v)| v.trim_matches('"'))
                    .unwrap_or(q);
                u.to_string().to_lowercase().contains(needle)
            })
        })
        .collect();
    page(req, users)
}

fn users_by_email(d: &Data, req: &Request<'_>) -> Response {
    let Some(email) = req.query.get("email") else {
        return crate::api::query_error(
            "Query validation error: 'Missing required property: email'.".into(),
        );
    };
    let users: Vec<Value> = d
        .users
        .values()
        .filter(|u| {
            u.profile["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase())
        })
        .map(|u| select_fields(req.query, u.profile.clone()))
        .collect();
    Json(Value::Array(users)).into_response()
}

fn update_user(d: &mut Data, req: &Request<'_>) -> Response {
    let Value::Object(body) = req.body.clone() else {
        return payload_error("'Expected type object' on the request body.");
    };
    let Some(account) = d.users.get_mut(req.last_param()) else {
        return no_user();
    };
    for (k, v) in body {
        match k.as_str() {
            "password" => account.password = v.as_str().map(str::to_string),
            "connection" | "client_id" | "verify_email" | "verify_password" => {}
            // Metadata is merged member by member; a null member is removed.
            "user_metadata" | "app_metadata" => {
                let target = &mut account.profile[&k];
                match v {
                    Value::Object(m) => {
                        if !target.is_object() {
                            *target = json!({});
                        }
                        for (mk, mv) in m {
                            if mv.is_null() {
                                if let Some(t) = target.as_object_mut() {
                                    t.remove(&mk);
                                }
                            } else {
                                target[mk] = mv;
                            }
                        }
                    }
                    other => *target = if other.is_null() { json!({}) } else { other },
                }
            }
            _ => {
                if v.is_null()
                    && let Some(p) = account.profile.as_object_mut()
                {
                    p.remove(&k);
                } else {
                    account.profile[&k] = v;
                }
            }
        }
    }
    account.profile["updated_at"] = json!(crate::timestamp());
    Json(account.profile.clone()).into_response()
}
