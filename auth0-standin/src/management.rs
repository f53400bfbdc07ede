//! The Management API endpoints the quickstart and tests use: users and roles.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::Refused;
use crate::keys::Refusal;
use crate::oauth::bearer_token;
use crate::{CONNECTION, Tenant};

/// Auth0's largest page.
const MAX_PER_PAGE: u64 = 100;
/// Auth0 lists at most this many users through paging.
const MAX_LISTED: u64 = 1000;
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

pub(crate) async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method Not Allowed",
    )
}

/// Checks the bearer token (signature, expiry, issuer, Management API audience) and that it
/// carries one of `any_of` scopes.
fn authorize(t: &Tenant, headers: &HeaderMap, any_of: &[&str]) -> Result<(), Refused> {
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
    if granted.split_whitespace().any(|s| any_of.contains(&s)) {
        Ok(())
    } else {
        Err(Refused::from(error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            &format!("Insufficient scope, expected any of: {}", any_of.join(",")),
        )))
    }
}

/// The path's `{id}`, or Auth0's error for a malformed one.
fn path_id(path: Result<Path<String>, PathRejection>) -> Result<String, Refused> {
    path.map(|Path(id)| id).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_uri",
            "Path validation error: the id is not valid",
        )
        .into()
    })
}

/// Query parameters; repeated names keep the last value.
fn query(raw: Option<String>) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn query_error(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_query_string", &message)
}

/// `page`, `per_page` and `include_totals` as Auth0 reads them.
struct Paging {
    page: u64,
    per_page: u64,
    include_totals: bool,
}

fn paging(q: &BTreeMap<String, String>, default_per_page: u64) -> Result<Paging, Refused> {
    let number = |name: &str, default: u64| -> Result<u64, Refused> {
        match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map_err(|_| {
            query_error(format!(
                "Query validation error: 'Expected type integer but found {v:?}' on property {name}."
            ))
            .into()
        }),
    }
    };
    let page = number("page", 0)?;
    let per_page = number("per_page", default_per_page)?;
    if per_page > MAX_PER_PAGE {
        return Err(Refused::from(query_error(format!(
            "Query validation error: 'Too big: must be at most {MAX_PER_PAGE}' on property per_page."
        ))));
    }
    let include_totals = match q.get("include_totals").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Refused::from(query_error(format!(
                "Query validation error: 'Expected type boolean but found {other:?}' on property include_totals."
            ))));
        }
    };
    Ok(Paging {
        page,
        per_page,
        include_totals,
    })
}

/// One page of `items`: a plain array, or with `include_totals` an object holding the page
/// under `name` with `start`, `limit`, `length` and `total`.
fn page_of(items: Vec<Value>, paging: &Paging, name: &str) -> Response {
    let total = items.len();
    let start = paging.page.saturating_mul(paging.per_page);
    let page: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(paging.per_page).unwrap_or(usize::MAX))
        .collect();
    if !paging.include_totals {
        return Json(Value::Array(page)).into_response();
    }
    let mut body = Map::new();
    body.insert("start".into(), json!(start));
    body.insert("limit".into(), json!(paging.per_page));
    body.insert("length".into(), json!(page.len()));
    body.insert("total".into(), json!(total));
    body.insert(name.into(), Value::Array(page));
    Json(Value::Object(body)).into_response()
}

fn payload_error(message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        &format!("Payload validation error: {message}"),
    )
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Refused> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Refused::from(payload_error(
            "'Expected type object' on the request body.",
        ))),
        Err(_) => Err(Refused::from(error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Invalid request payload JSON format",
        ))),
    }
}

fn no_user() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "inexistent_user",
        "The user does not exist.",
    )
}

pub(crate) async fn list_users(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = authorize(&t, &headers, &["read:users", "read:user_idp_tokens"]) {
        return e.into_response();
    }
    let q = query(raw);
    let paging = match paging(&q, 50) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if (paging.page.saturating_add(1)).saturating_mul(paging.per_page) > MAX_LISTED {
        return query_error(format!(
            "You can only page through the first {MAX_LISTED} records. Use the export job \
             for more."
        ));
    }
    let users: Vec<Value> = t.data().users.values().map(|u| u.profile.clone()).collect();
    page_of(users, &paging, "users")
}

pub(crate) async fn create_user(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = authorize(&t, &headers, &["create:users"]) {
        return e.into_response();
    }
    let mut body = match json_object(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Some(extra) = body
        .keys()
        .find(|k| !CREATE_USER_MEMBERS.contains(&k.as_str()))
    {
        return payload_error(&format!("'Additional properties not allowed: {extra}'."));
    }
    let Some(connection) = body.get("connection").and_then(Value::as_str) else {
        return payload_error("'Missing required property: connection'.");
    };
    if connection != CONNECTION {
        return error(
            StatusCode::BAD_REQUEST,
            "inexistent_connection",
            "The connection does not exist.",
        );
    }
    let Some(email) = body
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return payload_error("'Missing required property: email'.");
    };
    let valid_email = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !valid_email {
        return payload_error(&format!(
            "'Object didn't pass validation for format email: {email}' on property email."
        ));
    }
    let Some(password) = body
        .get("password")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return payload_error("'Missing required property: password'.");
    };
    if password.chars().count() < 8 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "PasswordStrengthError: Password is too weak",
        );
    }
    // What the user's profile keeps of the body.
    for member in ["connection", "password", "verify_email", "user_id"] {
        body.remove(member);
    }
    let mut d = t.data();
    let taken = d
        .users
        .values()
        .any(|u| u.profile["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase()));
    if taken {
        return error(
            StatusCode::CONFLICT,
            "auth0_idp_error",
            "The user already exists.",
        );
    }
    let user = d.add_user(&email, Some(password), &Value::Object(body));
    (StatusCode::CREATED, Json(user)).into_response()
}

pub(crate) async fn get_user(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    if let Err(e) = authorize(&t, &headers, &["read:users", "read:user_idp_tokens"]) {
        return e.into_response();
    }
    let id = match path_id(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match t.data().users.get(&id) {
        Some(u) => Json(u.profile.clone()).into_response(),
        None => no_user(),
    }
}

pub(crate) async fn delete_user(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    if let Err(e) = authorize(&t, &headers, &["delete:users"]) {
        return e.into_response();
    }
    let id = match path_id(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    // Like Auth0, deleting a user that is not there succeeds.
    let mut d = t.data();
    d.users.remove(&id);
    d.user_roles.remove(&id);
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn list_roles(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = authorize(&t, &headers, &["read:roles"]) {
        return e.into_response();
    }
    let paging = match paging(&query(raw), 50) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let roles: Vec<Value> = t.data().roles.values().cloned().collect();
    page_of(roles, &paging, "roles")
}

pub(crate) async fn list_user_roles(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = authorize(
        &t,
        &headers,
        &["read:users", "read:roles", "read:role_members"],
    ) {
        return e.into_response();
    }
    let id = match path_id(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let paging = match paging(&query(raw), 50) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let d = t.data();
    if !d.users.contains_key(&id) {
        return no_user();
    }
    let roles: Vec<Value> = d
        .user_roles
        .get(&id)
        .into_iter()
        .flatten()
        .filter_map(|r| d.roles.get(r).cloned())
        .collect();
    page_of(roles, &paging, "roles")
}

pub(crate) async fn assign_roles(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    if let Err(e) = authorize(&t, &headers, &["update:users", "create:role_members"]) {
        return e.into_response();
    }
    let id = match path_id(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let body = match json_object(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Some(roles) = body.get("roles").and_then(Value::as_array) else {
        return payload_error("'Missing required property: roles'.");
    };
    let Some(roles) = roles
        .iter()
        .map(|r| r.as_str().map(str::to_string))
        .collect::<Option<Vec<String>>>()
    else {
        return payload_error("'Expected type string' on property roles.");
    };
    if roles.is_empty() {
        return payload_error("'Array is too short (0), minimum 1' on property roles.");
    }
    let mut d = t.data();
    if !d.users.contains_key(&id) {
        return no_user();
    }
    if let Some(unknown) = roles.iter().find(|r| !d.roles.contains_key(*r)) {
        return error(
            StatusCode::NOT_FOUND,
            "inexistent_role",
            &format!("The role {unknown} does not exist."),
        );
    }
    let entry = d.user_roles.entry(id).or_default();
    for r in roles {
        if !entry.contains(&r) {
            entry.push(r);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}
