//! The stand-in's own control API, for tests in any language: `POST /standin/faults`
//! (`{"status": 429 | 5xx, "reset_seconds": N, "delay_ms": N, "operation": "users.get",
//! "times": N}`), `DELETE /standin/faults`, `GET /standin/requests` (the Management requests
//! received: method, path, query, body, operation), `DELETE /standin/requests`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::Tenant;
use crate::api::Fault;

pub(crate) async fn add_fault(State(t): State<Arc<Tenant>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| Fault::from_json(&v));
    match parsed {
        Ok(fault) => {
            t.faults().push(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(why) => (StatusCode::BAD_REQUEST, Json(json!({ "error": why }))).into_response(),
    }
}

pub(crate) async fn clear_faults(State(t): State<Arc<Tenant>>) -> StatusCode {
    t.faults().clear();
    StatusCode::NO_CONTENT
}

pub(crate) async fn requests(State(t): State<Arc<Tenant>>) -> Json<Value> {
    let list: Vec<Value> = t
        .requests()
        .iter()
        .map(|r| {
            json!({
                "method": r.method, "path": r.path, "query": r.query, "body": r.body,
                "operation": r.operation,
            })
        })
        .collect();
    Json(Value::Array(list))
}

pub(crate) async fn clear_requests(State(t): State<Arc<Tenant>>) -> StatusCode {
    t.requests().clear();
    StatusCode::NO_CONTENT
}
