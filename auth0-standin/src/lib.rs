//! A small stand-in for an Auth0 tenant, started in-process on 127.0.0.1, so that examples and
//! tests run offline against something that behaves like Auth0: it checks client secrets and
//! bearer tokens and answers errors in Auth0's shapes.
//!
//! Endpoints: `POST /oauth/token` (client credentials for the Management API audience),
//! `GET/POST /api/v2/users`, `GET/DELETE /api/v2/users/{id}`, `GET /api/v2/roles`,
//! `GET/POST /api/v2/users/{id}/roles`.
//!
//! ```no_run
//! # async fn run() {
//! let tenant = auth0_standin::Standin::start().await.unwrap();
//! println!("stand-in tenant at {}", tenant.url());
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The client id the stand-in accepts.
pub const CLIENT_ID: &str = "standin-client";
/// The client secret the stand-in accepts.
pub const CLIENT_SECRET: &str = "standin-secret";

/// A running stand-in tenant; stops when dropped.
pub struct Standin {
    addr: SocketAddr,
    state: Arc<Tenant>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Standin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Default)]
struct Tenant {
    data: Mutex<Data>,
}

#[derive(Default)]
struct Data {
    tokens: Vec<String>,
    users: BTreeMap<String, Value>,
    user_roles: BTreeMap<String, Vec<String>>,
    roles: BTreeMap<String, Value>,
    next_id: u64,
}

impl Standin {
    /// Starts the stand-in on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(Tenant::default());
        {
            let mut d = state.data.lock().expect("fresh lock");
            for (id, name) in [("rol_admin", "admin"), ("rol_reader", "reader")] {
                d.roles.insert(
                    id.to_string(),
                    json!({"id": id, "name": name, "description": format!("{name} role")}),
                );
            }
        }
        let app = Router::new()
            .route("/oauth/token", post(token))
            .route("/api/v2/users", get(list_users).post(create_user))
            .route("/api/v2/users/{id}", get(get_user).delete(delete_user))
            .route(
                "/api/v2/users/{id}/roles",
                get(list_user_roles).post(assign_roles),
            )
            .route("/api/v2/roles", get(list_roles))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state, task })
    }

    /// Base URL, e.g. `http://127.0.0.1:43210`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many users the tenant holds.
    pub fn user_count(&self) -> usize {
        self.state.data.lock().map(|d| d.users.len()).unwrap_or(0)
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "statusCode": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "errorCode": code,
    });
    (status, Json(body)).into_response()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn token(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let params: BTreeMap<String, String> = if json_body {
        match serde_json::from_slice::<BTreeMap<String, Value>>(&body) {
            Ok(m) => m
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect(),
            Err(_) => return oauth_error("invalid_request", "the body is not JSON"),
        }
    } else {
        url::form_urlencoded::parse(&body).into_owned().collect()
    };
    let get = |k: &str| params.get(k).map(String::as_str);
    if get("grant_type") != Some("client_credentials") {
        return oauth_error(
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    if get("client_id") != Some(CLIENT_ID) || get("client_secret") != Some(CLIENT_SECRET) {
        let body = json!({"error": "access_denied", "error_description": "Unauthorized"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let mut d = t.data.lock().expect("lock");
    d.next_id += 1;
    let token = format!("standin-mgmt-{}-{}", now(), d.next_id);
    d.tokens.push(token.clone());
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 86400,
        "scope": "read:users create:users delete:users read:roles update:users",
    }))
    .into_response()
}

fn oauth_error(code: &str, description: &str) -> Response {
    let body = json!({"error": code, "error_description": description});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// The 401 answer for a request without a valid bearer token, if it has none.
fn unauthorized(t: &Tenant, headers: &HeaderMap) -> Option<Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = token.is_some_and(|tok| {
        t.data
            .lock()
            .is_ok_and(|d| d.tokens.iter().any(|x| x == tok))
    });
    (!ok).then(|| error(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid token"))
}

async fn list_users(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let per_page: usize = q
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let d = t.data.lock().expect("lock");
    let users: Vec<Value> = d
        .users
        .values()
        .skip(page * per_page)
        .take(per_page)
        .cloned()
        .collect();
    if q.get("include_totals").map(String::as_str) == Some("true") {
        Json(json!({
            "start": page * per_page,
            "limit": per_page,
            "length": users.len(),
            "total": d.users.len(),
            "users": users,
        }))
        .into_response()
    } else {
        Json(Value::Array(users)).into_response()
    }
}

async fn create_user(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Payload validation error: body is not a JSON object",
        );
    };
    let Some(connection) = body.get("connection").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Payload validation error: 'Missing required property: connection'.",
        );
    };
    let email = body
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut d = t.data.lock().expect("lock");
    if d.users.values().any(|u| u["email"] == email) {
        return error(
            StatusCode::CONFLICT,
            "auth0_idp_error",
            "The user already exists.",
        );
    }
    d.next_id += 1;
    let id = format!("auth0|{:024x}", d.next_id);
    let created = format!("2026-01-01T00:00:{:02}.000Z", d.next_id % 60);
    let user = json!({
        "user_id": id,
        "email": email,
        "email_verified": body.get("email_verified").cloned().unwrap_or(json!(false)),
        "name": body.get("name").cloned().unwrap_or(json!(email)),
        "created_at": created,
        "updated_at": created,
        "identities": [{"connection": connection, "provider": "auth0", "user_id": id.trim_start_matches("auth0|"), "isSocial": false}],
        "user_metadata": body.get("user_metadata").cloned().unwrap_or(json!({})),
        "app_metadata": body.get("app_metadata").cloned().unwrap_or(json!({})),
    });
    d.users.insert(id, user.clone());
    (StatusCode::CREATED, Json(user)).into_response()
}

async fn get_user(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let d = t.data.lock().expect("lock");
    match d.users.get(&id) {
        Some(u) => Json(u.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "inexistent_user",
            "The user does not exist.",
        ),
    }
}

async fn delete_user(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let mut d = t.data.lock().expect("lock");
    d.users.remove(&id);
    d.user_roles.remove(&id);
    StatusCode::NO_CONTENT.into_response()
}

async fn list_roles(State(t): State<Arc<Tenant>>, headers: HeaderMap) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let d = t.data.lock().expect("lock");
    Json(Value::Array(d.roles.values().cloned().collect())).into_response()
}

async fn list_user_roles(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let d = t.data.lock().expect("lock");
    if !d.users.contains_key(&id) {
        return error(
            StatusCode::NOT_FOUND,
            "inexistent_user",
            "The user does not exist.",
        );
    }
    let roles: Vec<Value> = d
        .user_roles
        .get(&id)
        .into_iter()
        .flatten()
        .filter_map(|r| d.roles.get(r).cloned())
        .collect();
    Json(Value::Array(roles)).into_response()
}

async fn assign_roles(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(e) = unauthorized(&t, &headers) {
        return e;
    }
    let mut d = t.data.lock().expect("lock");
    if !d.users.contains_key(&id) {
        return error(
            StatusCode::NOT_FOUND,
            "inexistent_user",
            "The user does not exist.",
        );
    }
    let Some(roles) = body.get("roles").and_then(Value::as_array) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Payload validation error: 'Missing required property: roles'.",
        );
    };
    let roles: Vec<String> = roles
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    if let Some(unknown) = roles.iter().find(|r| !d.roles.contains_key(*r)) {
        return error(
            StatusCode::NOT_FOUND,
            "inexistent_role",
            &format!("Role {unknown} does not exist"),
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
