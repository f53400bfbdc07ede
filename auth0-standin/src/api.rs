//! `/api/v2/*`: every Management operation, found in the generated table, checked (token,
//! scopes, body), then answered by the handwritten behaviour of `management.rs` or by the
//! generic engine; the requests received are recorded and faults injected here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::engine::{self, Kind, NoRoute, Route, Store, real_status, table};
use crate::management::{self, error};
use crate::{Data, Refused, Tenant, timestamp};

/// Auth0's largest page.
const MAX_PER_PAGE: u64 = 100;
/// The rate limit the stand-in announces, per second.
const RATE_LIMIT: u64 = 50;

/// A request the stand-in received on `/api/v2/`, for tests to assert on what an application
/// sent.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The method, `GET`, `POST`, …
    pub method: String,
    /// The path under the tenant, e.g. `/api/v2/users/auth0%7C1` (as sent).
    pub path: String,
    /// The query string as sent, without `?` (empty without one).
    pub query: String,
    /// The body: JSON as parsed, a form as an object of strings, `Null` when empty or
    /// unreadable.
    pub body: Value,
    /// The operation the request named (`users.get`), if any.
    pub operation: Option<String>,
}

/// What a [`Fault`] makes a request answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// 429 `too_many_requests`, with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`
    /// this far ahead (whole seconds).
    RateLimited(Duration),
    /// This status (a 5xx, or any other), in Auth0's error shape.
    Status(u16),
    /// The usual answer, this much later.
    Delay(Duration),
}

/// A fault the next requests meet: a rate limit, an error status or a delay, for all
/// Management operations or one of them, the next `times` times.
///
/// ```
/// use std::time::Duration;
/// use auth0_standin::Fault;
///
/// let fault = Fault::rate_limited(Duration::from_secs(2)).operation("users.get").times(3);
/// # let _ = fault;
/// ```
#[derive(Clone, Debug)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) operation: Option<String>,
    pub(crate) times: u32,
}

impl Fault {
    /// Answer 429 with `X-RateLimit-Reset` `reset` ahead (once, for every operation, until
    /// narrowed).
    pub fn rate_limited(reset: Duration) -> Self {
        Self::of(FaultKind::RateLimited(reset))
    }

    /// Answer this status (e.g. 503) in Auth0's error shape.
    pub fn status(status: u16) -> Self {
        Self::of(FaultKind::Status(status))
    }

    /// Answer as usual, `delay` later.
    pub fn delay(delay: Duration) -> Self {
        Self::of(FaultKind::Delay(delay))
    }

    fn of(kind: FaultKind) -> Self {
        Fault {
            kind,
            operation: None,
            times: 1,
        }
    }

    /// Only requests of this operation: its group and name (`users.get`,
    /// `organizations.members.create`) or its `operationId` (`get_users_by_id`).
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// The next `times` matching requests (1 by default).
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    fn matches(&self, route: &Route) -> bool {
        self.operation
            .as_deref()
            .is_none_or(|o| o == route.operation() || o == route.id)
    }

    /// Reads a fault from the control API's JSON: `{"status": 429 | 5xx, "delay_ms": N,
    /// "reset_seconds": N, "operation": "...", "times": N}`.
    pub(crate) fn from_json(v: &Value) -> Result<Self, String> {
        let status = v.get("status").and_then(Value::as_u64);
        let delay = v.get("delay_ms").and_then(Value::as_u64);
        let mut fault = match (status, delay) {
            (Some(429), _) => Fault::rate_limited(Duration::from_secs(
                v.get("reset_seconds").and_then(Value::as_u64).unwrap_or(1),
            )),
            (Some(s), _) if (100..=599).contains(&s) => {
                Fault::status(u16::try_from(s).unwrap_or(500))
            }
            (None, Some(ms)) => Fault::delay(Duration::from_millis(ms)),
            _ => return Err("a fault needs a \"status\" (100-599) or a \"delay_ms\"".into()),
        };
        if let Some(op) = v.get("operation").and_then(Value::as_str) {
            fault = fault.operation(op);
        }
        if let Some(n) = v.get("times").and_then(Value::as_u64) {
            fault = fault.times(u32::try_from(n).unwrap_or(u32::MAX));
        }
        Ok(fault)
    }
}

/// `/api/v2/*`.
pub(crate) async fn handle(
    State(t): State<Arc<Tenant>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_path = uri.path().to_string();
    let query_text = uri.query().unwrap_or_default().to_string();
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let boundary = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("multipart/form-data"))
        .and_then(|v| v.split_once("boundary="))
        .map(|(_, b)| b.trim_matches('"').to_string());
    let parsed = parse_body(&body, form || boundary.is_some(), boundary.as_deref());
    let form = form || boundary.is_some();
    let segments: Option<Vec<String>> = raw_path
        .strip_prefix("/api/v2/")
        .unwrap_or_default()
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|s| s.into_owned())
        })
        .collect();
    let found = segments
        .as_ref()
        .map(|segments| table().find(&method, segments));
    let operation = match &found {
        Some(Ok((route, _))) => Some(route.operation()),
        _ => None,
    };
    t.requests().push(ReceivedRequest {
        method: method.to_string(),
        path: raw_path,
        query: query_text.clone(),
        body: parsed.as_ref().ok().cloned().unwrap_or(Value::Null),
        operation,
    });
    let mut response = match (segments, found) {
        (None, _) | (_, None) => error(
            StatusCode::BAD_REQUEST,
            "invalid_uri",
            "Path validation error: the path is not valid",
        ),
        (_, Some(Err(NoRoute::NotFound))) => error(StatusCode::NOT_FOUND, "not_found", "Not Found"),
        (_, Some(Err(NoRoute::MethodNotAllowed))) => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method Not Allowed",
        ),
        (Some(_), Some(Ok((route, params)))) => {
            match fault_for(&t, route) {
                Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
                Some(FaultKind::RateLimited(reset)) => {
                    let mut r = error(
                        StatusCode::TOO_MANY_REQUESTS,
                        "too_many_requests",
                        "Global limit has been reached",
                    );
                    rate_limit_headers(&t, &mut r, Some(reset));
                    return r;
                }
                Some(FaultKind::Status(s)) => {
                    let status = StatusCode::from_u16(s).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                    let mut r = error(status, "injected_fault", "The stand-in was asked to fail");
                    rate_limit_headers(&t, &mut r, None);
                    return r;
                }
                None => {}
            }
            let query = query_map(&query_text);
            match parsed {
                Err(r) => r.into_response(),
                Ok(body) => serve(&t, &headers, route, &params, &query, body, form),
            }
        }
    };
    rate_limit_headers(&t, &mut response, None);
    response
}

/// The fault a request of `route` meets, counted.
fn fault_for(t: &Tenant, route: &Route) -> Option<FaultKind> {
    let mut faults = t.faults();
    let i = faults
        .iter()
        .position(|f| f.times > 0 && f.matches(route))?;
    faults[i].times -= 1;
    let kind = faults[i].kind.clone();
    if faults[i].times == 0 {
        faults.remove(i);
    }
    Some(kind)
}

fn rate_limit_headers(t: &Tenant, response: &mut Response, exhausted: Option<Duration>) {
    let now = crate::now();
    let (remaining, reset) = match exhausted {
        Some(reset) => (0, now + reset.as_secs().max(1)),
        None => {
            let mut window = t.rate_window();
            if window.0 != now {
                *window = (now, 0);
            }
            window.1 += 1;
            (RATE_LIMIT.saturating_sub(window.1), now + 1)
        }
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", RATE_LIMIT),
        ("x-ratelimit-remaining", remaining),
        ("x-ratelimit-reset", reset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
}

/// The body as JSON (a form as an object of strings); `Null` when empty.
fn parse_body(body: &[u8], form: bool, multipart: Option<&str>) -> Result<Value, Refused> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    if let Some(boundary) = multipart {
        return Ok(Value::Object(multipart_fields(body, boundary)));
    }
    if form {
        let map: Map<String, Value> = url::form_urlencoded::parse(body)
            .into_owned()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        return Ok(Value::Object(map));
    }
    serde_json::from_slice(body).map_err(|_| {
        Refused::from(error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Invalid request payload JSON format",
        ))
    })
}

/// The fields of a `multipart/form-data` body, as strings (files as their text).
fn multipart_fields(body: &[u8], boundary: &str) -> Map<String, Value> {
    let text = String::from_utf8_lossy(body);
    let mut out = Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
        else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.trim_end_matches("\r\n").trim_end_matches('\n');
        out.insert(name.to_string(), Value::String(value.to_string()));
    }
    out
}

/// Query parameters; repeated names keep the last value.
pub(crate) fn query_map(raw: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// A checked request, answered by the handwritten behaviour or the engine.
fn serve(
    t: &Tenant,
    headers: &HeaderMap,
    route: &'static Route,
    params: &[String],
    query: &BTreeMap<String, String>,
    body: Value,
    form: bool,
) -> Response {
    let claims = match management::authorize(t, headers, route.scopes) {
        Ok(claims) => claims,
        Err(refused) => return refused.into_response(),
    };
    if let Some(name) = route.body
        && let Some(schema) = table().schema(name)
        && !body.is_null()
        && let Err(message) = table()
            .validate(schema, &body, !form)
            .and_then(|()| table().unknown_members(name, &body))
    {
        return payload_error(&message);
    }
    let req = Request {
        route,
        params,
        query,
        body,
    };
    let mut d = t.data();
    let response = match management::handwritten(t, &mut d, &req) {
        Some(response) => response,
        None => generic(t, &mut d, &req),
    };
    if route.method != "GET" && response.status().is_success() {
        management::log_operation(&mut d, &req, &claims, response.status().as_u16());
    }
    response
}

/// A Management request on its way through.
pub(crate) struct Request<'a> {
    pub(crate) route: &'static Route,
    /// The path parameters' values, in order.
    pub(crate) params: &'a [String],
    pub(crate) query: &'a BTreeMap<String, String>,
    /// The body (`Null` without one).
    pub(crate) body: Value,
}

impl Request<'_> {
    /// The concrete path: the template with the parameters' values.
    pub(crate) fn path(&self) -> String {
        let mut params = self.params.iter();
        self.route
            .path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    params.next().cloned().unwrap_or_default()
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The concrete path without its last segment.
    pub(crate) fn parent(&self) -> String {
        let path = self.path();
        path.rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    }

    /// The last path parameter.
    pub(crate) fn last_param(&self) -> &str {
        self.params.last().map(String::as_str).unwrap_or_default()
    }

    pub(crate) fn id_member(&self) -> &'static str {
        self.route.id_member.unwrap_or("id")
    }
}

pub(crate) fn payload_error(message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        &format!("Payload validation error: {message}"),
    )
}

/// Auth0's 404 for an item of `collection` (`inexistent_connection`, …).
pub(crate) fn not_found(collection: &str) -> Response {
    let singular = engine::singular(collection);
    error(
        StatusCode::NOT_FOUND,
        &format!("inexistent_{singular}"),
        &format!("The {} does not exist.", singular.replace('_', " ")),
    )
}

/// Members whose value is unique in a collection (409 on a second one).
fn unique_members(collection_template: &str) -> &'static [&'static str] {
    match collection_template {
        "/connections" | "/roles" | "/organizations" | "/hooks" | "/rules" => &["name"],
        "/resource-servers" => &["identifier"],
        "/custom-domains" => &["domain"],
        "/client-grants" => &["client_id+audience"],
        _ => &[],
    }
}

/// Whether every item a path names exists (`/organizations/{id}/members` needs the
/// organization); the first missing one's 404 otherwise.
fn parents_exist(d: &Data, req: &Request<'_>, include_last: bool) -> Result<(), Refused> {
    let template: Vec<&str> = req.route.path.trim_start_matches('/').split('/').collect();
    let mut params = req.params.iter();
    let mut concrete = String::new();
    let last_param = template.iter().rposition(|s| s.starts_with('{'));
    for (i, seg) in template.iter().enumerate() {
        if seg.starts_with('{') {
            let value = params.next().cloned().unwrap_or_default();
            if include_last || Some(i) != last_param {
                let collection_template = template[..i].join("/");
                if let Some(found) =
                    item_exists(d, &format!("/{collection_template}"), &concrete, &value)
                    && !found
                {
                    return Err(not_found(&concrete).into());
                }
            }
            concrete.push('/');
            concrete.push_str(&value);
        } else {
            concrete.push('/');
            concrete.push_str(seg);
        }
    }
    Ok(())
}

/// Whether the item exists, when its collection is one the tenant keeps (`None`: not known,
/// such as a prompt's name).
fn item_exists(d: &Data, collection_template: &str, collection: &str, id: &str) -> Option<bool> {
    if collection == "/users" {
        return Some(d.users.contains_key(id));
    }
    let creatable = engine_routes()
        .iter()
        .any(|r| r.kind == Kind::Create && r.path == collection_template);
    if !creatable {
        return None;
    }
    let id_member = id_member_of(collection_template);
    Some(find_item(&d.store, collection, id_member, id).is_some())
}

/// An item by its id (or, for APIs, its identifier).
pub(crate) fn find_item<'s>(
    store: &'s Store,
    collection: &str,
    id_member: &str,
    id: &str,
) -> Option<&'s Value> {
    store.item(collection, id_member, id).or_else(|| {
        (collection == "/resource-servers")
            .then(|| store.item(collection, "identifier", id))
            .flatten()
    })
}

fn engine_routes() -> &'static [Route] {
    crate::generated::routes::ROUTES
}

/// The id member of a collection's items, from its create or item routes.
pub(crate) fn id_member_of(collection_template: &str) -> &'static str {
    engine_routes()
        .iter()
        .find(|r| {
            (r.kind == Kind::Create && r.path == collection_template)
                || (r.kind == Kind::Get
                    && r.path
                        .rsplit_once('/')
                        .is_some_and(|(p, _)| p == collection_template))
        })
        .and_then(|r| r.id_member)
        .unwrap_or("id")
}

/// Members real answers carry that the document does not list, by the path of the object
/// (its collection, or the settings' own path), with the values Auth0 fills in.
fn real_members(path_template: &str) -> Option<Value> {
    Some(match path_template {
        "/connections" => json!({"authentication": null, "connected_accounts": null}),
        "/tenants/settings" => json!({
            "universal_login": {"passwordless": {"allow_magiclink_verify_without_session": true}}
        }),
        "/forms" => json!({"social": [], "tags": []}),
        "/flows" => json!({
            "security": {"rateLimits": []},
            "triggers": {"webhook": {"enabled": false, "secret": null}},
        }),
        "/organizations/{id}/enabled_connections" => json!({"show_as_button": true}),
        _ => return None,
    })
}

/// The template of the collection (or settings) a route's answer is an object of.
fn object_template(route: &Route) -> &'static str {
    match route.kind {
        Kind::Get | Kind::Update | Kind::Replace | Kind::Delete => route_template_parent(route),
        _ => route.path,
    }
}

/// An item as answered: the answer schema's shape, the stored members over it.
pub(crate) fn present(route: &Route, stored: &Value) -> Value {
    let mut out = match route.answer.and_then(|a| table().schema(a)) {
        Some(schema) if !table().allows_array(schema) => table().defaults(schema),
        _ => Value::Object(Map::new()),
    };
    if let (Value::Object(out), Some(Value::Object(extra))) =
        (&mut out, real_members(object_template(route)))
    {
        for (k, v) in extra {
            out.entry(k).or_insert(v);
        }
    }
    match (&mut out, stored) {
        (Value::Object(out), Value::Object(stored)) => {
            for (k, v) in stored {
                out.insert(k.clone(), v.clone());
            }
        }
        _ => out = stored.clone(),
    }
    out
}

/// `fields` and `include_fields` applied to one item.
pub(crate) fn select_fields(query: &BTreeMap<String, String>, item: Value) -> Value {
    let Some(fields) = query.get("fields").filter(|f| !f.is_empty()) else {
        return item;
    };
    let include = query.get("include_fields").map(String::as_str) != Some("false");
    let names: Vec<&str> = fields.split(',').map(str::trim).collect();
    match item {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| names.contains(&k.as_str()) == include)
                .collect(),
        ),
        other => other,
    }
}

/// One page of a list as Auth0 answers it: an array; with `include_totals` an object with
/// `start`, `limit`, `length`, `total` and the items under their member; with `from`/`take`
/// the items and `next` whenever more may follow: when more remain, and when the page is
/// full (the page after the last full one is empty and has none).
pub(crate) fn page(req: &Request<'_>, items: Vec<Value>) -> Response {
    let q = req.query;
    let number = |name: &str| -> Result<Option<u64>, Refused> {
        match q.get(name) {
            None => Ok(None),
            Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                Refused::from(query_error(format!(
                    "Query validation error: 'Expected type integer but found {v:?}' on property {name}."
                )))
            }),
        }
    };
    let include_totals = match q.get("include_totals").map(String::as_str) {
        None | Some("false") | Some("") => false,
        Some("true") => true,
        Some(other) => {
            return query_error(format!(
                "Query validation error: 'Expected type boolean but found {other:?}' on property include_totals."
            ));
        }
    };
    let (page, per_page, take) = match (number("page"), number("per_page"), number("take")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e.into_response(),
    };
    if per_page.is_some_and(|p| p > MAX_PER_PAGE) || take.is_some_and(|p| p > MAX_PER_PAGE) {
        return query_error(format!(
            "Query validation error: 'Too big: must be at most {MAX_PER_PAGE}' on property per_page."
        ));
    }
    let items: Vec<Value> = items.into_iter().map(|i| select_fields(q, i)).collect();
    let member = req.route.items.unwrap_or("items");
    let array_allowed = req
        .route
        .answer
        .and_then(|a| table().schema(a))
        .is_none_or(|s| table().allows_array(s));
    let checkpoint =
        req.route.checkpoint && (q.contains_key("from") || take.is_some() || !req.route.offset);
    if checkpoint && req.route.items.is_some() {
        let from: usize = q
            .get("from")
            .and_then(|f| f.parse().ok())
            .unwrap_or_default();
        let take = usize::try_from(take.unwrap_or(50)).unwrap_or(50);
        let end = from.saturating_add(take).min(items.len());
        let slice: Vec<Value> = items
            .get(from..end)
            .map(<[Value]>::to_vec)
            .unwrap_or_default();
        let mut body = Map::new();
        body.insert(member.into(), Value::Array(slice));
        if end < items.len() || (take > 0 && end - from.min(end) == take) {
            body.insert("next".into(), json!(end.to_string()));
        }
        return Json(Value::Object(body)).into_response();
    }
    let total = items.len();
    let per = per_page.unwrap_or(if page.is_some() { 50 } else { u64::MAX });
    let start = page.unwrap_or(0).saturating_mul(per);
    if req.route.path == "/users"
        && page.unwrap_or(0).saturating_add(1).saturating_mul(per) > 1000
        && per != u64::MAX
    {
        return query_error(
            "You can only page through the first 1000 records. Use the export job for more.".into(),
        );
    }
    let slice: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(per).unwrap_or(usize::MAX))
        .collect();
    if !include_totals && array_allowed {
        return Json(Value::Array(slice)).into_response();
    }
    let mut body = Map::new();
    // The actions' lists page by `page` and `per_page` and say so.
    let answer_members = req
        .route
        .answer
        .and_then(|a| table().schema(a))
        .map(|s| table().members(s))
        .unwrap_or_default();
    if answer_members.iter().any(|m| m == "per_page") {
        body.insert("total".into(), json!(total));
        if let Some(page) = page {
            body.insert("page".into(), json!(page));
        }
        body.insert("per_page".into(), json!(per_page.unwrap_or(50)));
        body.insert(member.into(), Value::Array(slice));
        return Json(Value::Object(body)).into_response();
    }
    body.insert("start".into(), json!(start));
    body.insert(
        "limit".into(),
        json!(per.min(MAX_PER_PAGE.max(total as u64))),
    );
    if let Some(per_page) = per_page {
        body.insert("limit".into(), json!(per_page));
    }
    body.insert("length".into(), json!(slice.len()));
    body.insert("total".into(), json!(total));
    body.insert(member.into(), Value::Array(slice));
    Json(Value::Object(body)).into_response()
}

/// The query members that page or shape a list rather than filter it.
const NOT_FILTERS: &[&str] = &[
    "page",
    "per_page",
    "include_totals",
    "from",
    "take",
    "fields",
    "include_fields",
    "sort",
    "q",
    "search_engine",
];

/// A collection's items filtered as Auth0 filters its lists: a query member that names a
/// member of the items (`?name=` for connections, `?client_id=` and `?audience=` for client
/// grants, `?strategy=`, `?app_type=a,b`, `?is_global=false`, ...) keeps the items whose
/// member equals the value, one of its comma-separated values, or, for an array, holds it. A
/// query member no item has is not a filter.
fn filter_by_query(query: &BTreeMap<String, String>, items: Vec<Value>) -> Vec<Value> {
    let filters: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, _)| !NOT_FILTERS.contains(&k.as_str()))
        .filter(|(k, _)| items.iter().any(|i| i.get(k.as_str()).is_some()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if filters.is_empty() {
        return items;
    }
    let matches = |value: &Value, wanted: &str| match value {
        Value::String(s) => s == wanted || wanted.split(',').any(|w| w == s),
        Value::Bool(b) => wanted == if *b { "true" } else { "false" },
        Value::Number(n) => n.to_string() == wanted,
        Value::Array(a) => a.iter().any(|v| v.as_str() == Some(wanted)),
        _ => false,
    };
    items
        .into_iter()
        .filter(|i| {
            filters
                .iter()
                .all(|(k, wanted)| i.get(*k).is_some_and(|v| matches(v, wanted)))
        })
        .collect()
}

pub(crate) fn query_error(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_query_string", &message)
}

/// An answer of `status`: none for 204, `{}` where the document names no answer (Auth0
/// answers deleting a role `200 {}`, deleting a session `202 {}`).
fn answer(status: StatusCode, body: Value) -> Response {
    if status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    let body = if body.is_null() { json!({}) } else { body };
    (status, Json(body)).into_response()
}

/// The collection a relation's member names refer to (`roles` → `/roles`).
fn referred_collection(member: &str) -> String {
    match member {
        "members" | "users" => "/users".into(),
        other => format!("/{other}"),
    }
}

/// A relation's entry as listed: the item an id names, or the stored object.
fn resolve_entry(d: &Data, member: &str, entry: &Value) -> Option<Value> {
    let Some(id) = entry.as_str() else {
        return Some(entry.clone());
    };
    let collection = referred_collection(member);
    if collection == "/users" {
        return d.users.get(id).map(|u| u.profile.clone());
    }
    let id_member = id_member_of(&collection);
    find_item(&d.store, &collection, id_member, id)
        .cloned()
        .or_else(|| Some(json!({ id_member: id })))
}

/// The entries of the relation at `/A/x/B`, with those stored from its other end
/// (`/B/y/A` holding `x`: a role's users are the users holding the role).
pub(crate) fn relation_entries(d: &Data, path: &str) -> Vec<Value> {
    let mut out: Vec<Value> = d.store.relations.get(path).cloned().unwrap_or_default();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let [a, x, b] = parts[..] {
        let names = |n: &str| -> Vec<String> {
            match n {
                "users" | "members" => vec!["users".into(), "members".into()],
                other => vec![other.to_string()],
            }
        };
        for (key, list) in &d.store.relations {
            let k: Vec<&str> = key.trim_start_matches('/').split('/').collect();
            if let [b2, y, a2] = k[..]
                && names(b).iter().any(|n| n == b2)
                && names(a).iter().any(|n| n == a2)
                && list.iter().any(|v| v.as_str() == Some(x))
            {
                let entry = json!(y);
                if !out.contains(&entry) {
                    out.push(entry);
                }
            }
        }
    }
    out
}

/// Removes `entries` from the relation at `path` and from its other end.
fn relation_remove(d: &mut Data, path: &str, entries: &[Value]) {
    if let Some(list) = d.store.relations.get_mut(path) {
        list.retain(|v| !entries.iter().any(|e| same_entry(e, v)));
    }
    let parts: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    if let [a, x, b] = &parts[..] {
        for e in entries.iter().filter_map(Value::as_str) {
            for b2 in [b.as_str(), if b == "members" { "users" } else { b }] {
                for a2 in [a.as_str(), if a == "users" { "members" } else { a }] {
                    if let Some(list) = d.store.relations.get_mut(&format!("/{b2}/{e}/{a2}")) {
                        list.retain(|v| v.as_str() != Some(x));
                    }
                }
            }
        }
    }
}

/// Whether a stored entry is the one named: the same id, or an object with the same
/// identifying members.
fn same_entry(named: &Value, stored: &Value) -> bool {
    match (named, stored) {
        (Value::Object(n), Value::Object(s)) => n.iter().all(|(k, v)| s.get(k) == Some(v)),
        _ => named == stored,
    }
}

/// The generic engine: answers a request by its kind.
pub(crate) fn generic(t: &Tenant, d: &mut Data, req: &Request<'_>) -> Response {
    let route = req.route;
    let status = real_status(route);
    let include_last = !matches!(
        route.kind,
        Kind::Get | Kind::Update | Kind::Replace | Kind::Delete
    ) || route.kind == Kind::Create;
    // A removal Auth0 accepts for later (202: a user's refresh tokens, sessions) is queued
    // without looking the user up.
    let queued = route.kind == Kind::RelationRemove && status == StatusCode::ACCEPTED;
    if !queued && let Err(r) = parents_exist(d, req, include_last) {
        return r.into_response();
    }
    // Items of a collection no operation creates (guardian factors, a prompt's texts) are
    // fixed: each is read and written as settings of its own.
    let fixed = matches!(
        route.kind,
        Kind::Get | Kind::Update | Kind::Replace | Kind::Delete
    ) && req.parent() != "/users"
        && !engine_routes()
            .iter()
            .any(|r| r.kind == Kind::Create && r.path == route_template_parent(route));
    if fixed {
        return fixed_item(d, req, status);
    }
    match route.kind {
        Kind::Create => {
            let collection = req.path();
            let template = route.path;
            let id_member = req.id_member();
            let Value::Object(mut body) = req.body.clone() else {
                if req.body.is_null() && route.body.is_none() {
                    return create(
                        t,
                        d,
                        req,
                        Map::new(),
                        &collection,
                        template,
                        id_member,
                        status,
                    );
                }
                return payload_error("'Expected type object' on the request body.");
            };
            body.remove("password");
            forget_write_only(route, &mut body);
            create(t, d, req, body, &collection, template, id_member, status)
        }
        Kind::List => {
            let path = req.path();
            let items = if let Some(items) = d.store.collections.get(&path) {
                let items: Vec<Value> = items.iter().map(|i| present_item(route, i)).collect();
                filter_by_query(req.query, items)
            } else if d.store.relations.contains_key(&path)
                || path.trim_start_matches('/').split('/').count() == 3
            {
                let member = path.rsplit('/').next().unwrap_or_default().to_string();
                relation_entries(d, &path)
                    .iter()
                    .filter_map(|e| resolve_entry(d, &member, e))
                    .collect()
            } else {
                fixed_items(d, route, &path)
            };
            page(req, items)
        }
        Kind::Get => {
            let collection = req.parent();
            let id = req.last_param();
            match find_item(&d.store, &collection, req.id_member(), id) {
                Some(item) => {
                    let mut item = present(route, item);
                    if collection == "/jobs" {
                        item["status"] = json!("completed");
                    }
                    (status, Json(select_fields(req.query, item))).into_response()
                }
                None => not_found(&collection),
            }
        }
        Kind::Update | Kind::Replace => {
            let collection = req.parent();
            let id_member = req.id_member();
            let id = req.last_param().to_string();
            let Value::Object(mut body) = req.body.clone() else {
                return payload_error("'Expected type object' on the request body.");
            };
            forget_write_only(route, &mut body);
            let Some(id_value) = find_item(&d.store, &collection, id_member, &id)
                .and_then(|i| i.get(id_member).cloned())
            else {
                return not_found(&collection);
            };
            let id = id_value.as_str().unwrap_or_default().to_string();
            if let Some(r) = conflict(
                d,
                route_template_parent(route),
                &collection,
                &body,
                Some(&id),
            ) {
                return r;
            }
            let Some(item) = d.store.item_mut(&collection, id_member, &id) else {
                return not_found(&collection);
            };
            if route.kind == Kind::Replace {
                let keep: Vec<(String, Value)> = ["created_at", id_member]
                    .iter()
                    .filter_map(|k| item.get(*k).map(|v| (k.to_string(), v.clone())))
                    .collect();
                *item = Value::Object(body);
                for (k, v) in keep {
                    item[k] = v;
                }
            } else {
                merge(item, body);
            }
            if item.get("updated_at").is_some() {
                item["updated_at"] = json!(timestamp());
            }
            let item = item.clone();
            (status, Json(present(route, &item))).into_response()
        }
        Kind::Delete => {
            let collection = req.parent();
            let id = req.last_param().to_string();
            let id_member = req.id_member();
            let real_id = find_item(&d.store, &collection, id_member, &id)
                .and_then(|i| i.get(id_member))
                .and_then(Value::as_str)
                .map(str::to_string);
            match real_id {
                Some(real) => {
                    d.store.remove_item(&collection, id_member, &real);
                    answer(status, Value::Null)
                }
                None => not_found(&collection),
            }
        }
        Kind::SingletonGet => {
            let path = req.path();
            let stored = d
                .store
                .singletons
                .get(&path)
                .cloned()
                .unwrap_or(Value::Null);
            // Settings that can be deleted (an email provider, a SCIM configuration, the
            // login page's template) exist once written: before, or once deleted, 404.
            if stored.is_null() && deletable(route) {
                return not_found(route.path);
            }
            let value = if stored.is_null() {
                singleton_defaults(route)
            } else {
                present(route, &stored)
            };
            (status, Json(select_fields(req.query, value))).into_response()
        }
        Kind::SingletonUpdate | Kind::SingletonReplace => {
            let path = req.path();
            let base = d.store.singletons.get(&path).cloned().unwrap_or_else(|| {
                // The settings read so far: what GET answers.
                singleton_defaults(route)
            });
            let mut body = req.body.clone();
            if let Value::Object(body) = &mut body {
                forget_write_only(route, body);
            }
            let value = match (body, route.kind) {
                (Value::Object(body), Kind::SingletonUpdate) => {
                    let mut v = base;
                    merge(&mut v, body);
                    v
                }
                (body, _) => body,
            };
            d.store.singletons.insert(path, value.clone());
            // Without an answer in the document, Auth0 answers `{}`.
            let answered = if route.answer.is_some() {
                present(route, &value)
            } else {
                Value::Null
            };
            answer(status, answered)
        }
        Kind::SingletonDelete => {
            let path = req.path();
            match (&req.body, d.store.singletons.get_mut(&path)) {
                // Names of entries to remove (a hook's secrets).
                (Value::Array(names), Some(Value::Object(stored))) => {
                    for name in names.iter().filter_map(Value::as_str) {
                        stored.remove(name);
                    }
                }
                _ => {
                    d.store.singletons.remove(&path);
                }
            }
            answer(status, Value::Null)
        }
        Kind::RelationAdd | Kind::RelationReplace => {
            let path = req.path();
            let member = route.items.unwrap_or("items");
            let entries: Vec<Value> = match &req.body {
                Value::Array(items) => items.clone(),
                body => body
                    .get(member)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            };
            let target = referred_collection(path.rsplit('/').next().unwrap_or_default());
            if target != "/users" || member == "members" || member == "users" {
                for e in entries.iter().filter_map(Value::as_str) {
                    if let Some(false) = item_exists(d, &target, &target, e) {
                        return not_found(&target);
                    }
                }
            }
            let list = d.store.relations.entry(path).or_default();
            if route.kind == Kind::RelationReplace {
                list.clear();
            }
            for e in entries {
                if !list.contains(&e) {
                    list.push(e);
                }
            }
            // A whole list set answers it in the shape it was sent.
            let listed = match (route.kind, &req.body) {
                (Kind::RelationReplace, Value::Object(_)) => json!({ member: list.clone() }),
                (Kind::RelationReplace, _) => Value::Array(list.clone()),
                _ => Value::Null,
            };
            answer(status, listed)
        }
        Kind::RelationRemove => {
            let path = req.path();
            let member = route.items.unwrap_or("items");
            match req.body.get(member).and_then(Value::as_array) {
                Some(entries) => relation_remove(d, &path, entries),
                None => {
                    d.store.relations.remove(&path);
                    d.store.collections.remove(&path);
                }
            }
            answer(status, Value::Null)
        }
        Kind::Action if readable_settings(route) => {
            // Creating settings (`POST /emails/provider`, a hook's secrets): kept, and read
            // back by their `GET`.
            let Value::Object(mut body) = req.body.clone() else {
                return payload_error("'Expected type object' on the request body.");
            };
            forget_write_only(route, &mut body);
            let now = json!(timestamp());
            let answered = route
                .answer
                .and_then(|a| table().schema(a))
                .map(|s| table().members(s))
                .unwrap_or_default();
            for stamp in ["created_at", "updated_at"] {
                if answered.iter().any(|m| m == stamp) {
                    body.entry(stamp).or_insert(now.clone());
                }
            }
            // Added to what is there (a hook's secrets are added one by one).
            let mut value = d
                .store
                .singletons
                .get(&req.path())
                .cloned()
                .unwrap_or_else(|| json!({}));
            merge(&mut value, body);
            d.store.singletons.insert(req.path(), value.clone());
            let answered = if route.answer.is_some() {
                present(route, &value)
            } else {
                Value::Null
            };
            answer(status, answered)
        }
        Kind::Action => action(t, d, req, status),
    }
}

/// Whether a `GET` of the route's own path reads settings (what a `POST` there creates).
fn readable_settings(route: &Route) -> bool {
    engine_routes()
        .iter()
        .any(|r| r.path == route.path && r.kind == Kind::SingletonGet)
}

/// Whether the settings at a route's path can be deleted as a whole (a `DELETE` of that path
/// without a body): such settings exist only once written. (A `DELETE` with a body names
/// entries to remove, as of a hook's secrets: those settings are there, empty, from the
/// start.)
fn deletable(route: &Route) -> bool {
    engine_routes()
        .iter()
        .any(|r| r.path == route.path && r.kind == Kind::SingletonDelete && r.body.is_none())
}

/// The items of a fixed collection (guardian factors): one per value of the `name` enum of
/// its items' schema, as the document's defaults under what was written to each, as Auth0
/// lists every factor whether set or not; without such an enum, the items written so far.
fn fixed_items(d: &Data, route: &Route, path: &str) -> Vec<Value> {
    let t = table();
    let under = format!("{path}/");
    let written = |name: &str| d.store.singletons.get(&format!("{under}{name}"));
    let item_schema = route
        .answer
        .and_then(|a| t.schema(a))
        .and_then(|s| t.items(s));
    let names = item_schema
        .and_then(|s| t.member_schema(s, "name"))
        .and_then(|s| t.enum_values(s));
    match (item_schema, names) {
        (Some(schema), Some(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| {
                let mut item = t.defaults(schema);
                item["name"] = json!(name);
                if let Some(Value::Object(w)) = written(name) {
                    for (k, v) in w {
                        if k != "id" {
                            item[k] = v.clone();
                        }
                    }
                }
                item
            })
            .collect(),
        _ => d
            .store
            .singletons
            .iter()
            .filter(|(k, _)| {
                k.strip_prefix(&under)
                    .is_some_and(|rest| !rest.contains('/'))
            })
            .map(|(_, v)| v.clone())
            .collect(),
    }
}

/// An item of a fixed collection, kept as settings by its path.
fn fixed_item(d: &mut Data, req: &Request<'_>, status: StatusCode) -> Response {
    let route = req.route;
    let path = req.path();
    let id_member = req.id_member();
    let with_id = |mut v: Value| {
        if let Value::Object(m) = &mut v {
            m.entry(id_member)
                .or_insert_with(|| json!(req.last_param()));
        }
        v
    };
    match route.kind {
        Kind::Get => {
            let value = match d.store.singletons.get(&path) {
                Some(v) => present(route, v),
                None => singleton_defaults(route),
            };
            (status, Json(select_fields(req.query, with_id(value)))).into_response()
        }
        Kind::Delete => {
            d.store.singletons.remove(&path);
            answer(status, Value::Null)
        }
        _ => {
            let mut value = d
                .store
                .singletons
                .get(&path)
                .cloned()
                .unwrap_or_else(|| singleton_defaults(route));
            match (&req.body, route.kind) {
                (Value::Object(body), Kind::Update) => merge(&mut value, body.clone()),
                (body, _) => value = body.clone(),
            }
            let value = with_id(value);
            d.store.singletons.insert(path, value.clone());
            answer(status, present(route, &value))
        }
    }
}

fn route_template_parent(route: &Route) -> &'static str {
    route
        .path
        .rsplit_once('/')
        .map(|(p, _)| p)
        .unwrap_or_default()
}

fn singleton_defaults(route: &Route) -> Value {
    let mut value = document_defaults(route);
    if let (Value::Object(out), Some(Value::Object(extra))) = (&mut value, real_members(route.path))
    {
        for (k, v) in extra {
            out.entry(k).or_insert(v);
        }
    }
    value
}

fn document_defaults(route: &Route) -> Value {
    // The GET of the same path says what the settings hold.
    engine_routes()
        .iter()
        .find(|r| r.path == route.path && r.kind == Kind::SingletonGet)
        .and_then(|r| r.answer)
        .or(route.answer)
        .and_then(|a| table().schema(a))
        .map(|s| table().defaults(s))
        .unwrap_or(json!({}))
}

/// An item of a list: the item route's answer shape under it.
fn present_item(list: &Route, item: &Value) -> Value {
    let get = engine_routes().iter().find(|r| {
        r.kind == Kind::Get && r.path.rsplit_once('/').is_some_and(|(p, _)| p == list.path)
    });
    match get {
        Some(get) => present(get, item),
        None => item.clone(),
    }
}

/// Drops the members Auth0 takes but never answers (a credential's `pem`, a phone
/// provider's `credentials`, a user's `connection`): those the request's schema lists and
/// the answer's does not. Members neither lists are kept: real answers echo them.
fn forget_write_only(route: &Route, body: &mut Map<String, Value>) {
    let t = table();
    let (Some(request), Some(answer)) = (
        route.body.and_then(|b| t.schema(b)),
        route.answer.and_then(|a| t.schema(a)),
    ) else {
        return;
    };
    let answered = t.members(answer);
    if answered.is_empty() {
        return;
    }
    for member in t.members(request) {
        if !answered.contains(&member) {
            body.remove(&member);
        }
    }
}

/// Members of `body` set on `item`; top-level members replaced (`null` kept: the member
/// cleared).
pub(crate) fn merge(item: &mut Value, body: Map<String, Value>) {
    if !item.is_object() {
        *item = json!({});
    }
    if let Value::Object(map) = item {
        for (k, v) in body {
            map.insert(k, v);
        }
    }
}

/// 409 when another item holds a unique member's value.
fn conflict(
    d: &Data,
    template: &str,
    collection: &str,
    body: &Map<String, Value>,
    except: Option<&str>,
) -> Option<Response> {
    let id_member = id_member_of(template);
    let items = d.store.collections.get(collection)?;
    for unique in unique_members(template) {
        let members: Vec<&str> = unique.split('+').collect();
        if members.iter().any(|m| !body.contains_key(*m)) {
            continue;
        }
        let clash = items.iter().any(|i| {
            i.get(id_member).and_then(Value::as_str) != except
                && members.iter().all(|m| i.get(*m) == body.get(*m))
        });
        if clash {
            let singular = engine::singular(collection);
            return Some(error(
                StatusCode::CONFLICT,
                &format!("{singular}_conflict"),
                &format!(
                    "A {} with the same {} already exists",
                    singular.replace('_', " "),
                    members.join(" and ")
                ),
            ));
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn create(
    t: &Tenant,
    d: &mut Data,
    req: &Request<'_>,
    mut body: Map<String, Value>,
    collection: &str,
    template: &str,
    id_member: &str,
    status: StatusCode,
) -> Response {
    let _ = t;
    if let Some(r) = conflict(d, template, collection, &body, None) {
        return r;
    }
    let id = match body.get(id_member).and_then(Value::as_str) {
        Some(given) => {
            if d.store.item(collection, id_member, given).is_some() {
                let singular = engine::singular(collection);
                return error(
                    StatusCode::CONFLICT,
                    &format!("{singular}_conflict"),
                    &format!("The {} already exists.", singular.replace('_', " ")),
                );
            }
            given.to_string()
        }
        None => engine::new_id(collection),
    };
    body.insert(id_member.to_string(), json!(id));
    let members = req
        .route
        .answer
        .and_then(|a| table().schema(a))
        .map(|s| table().members(s))
        .unwrap_or_default();
    let now = timestamp();
    // Auth0 stamps most objects, listed by the document or not.
    let _ = members;
    for stamp in ["created_at", "updated_at"] {
        body.entry(stamp).or_insert(json!(now));
    }
    let item = Value::Object(body);
    d.store
        .collections
        .entry(collection.to_string())
        .or_default()
        .push(item.clone());
    answer(status, present(req.route, &item))
}

/// Jobs, tickets, rotations and other actions: a plausible answer of the document's shape.
fn action(t: &Tenant, d: &mut Data, req: &Request<'_>, status: StatusCode) -> Response {
    let route = req.route;
    let path = req.path();
    let schema = route.answer.and_then(|a| table().schema(a));
    let mut out = schema.map(|s| table().defaults(s)).unwrap_or(Value::Null);
    // An action on an item: rotating a secret answers the item with a new one.
    if path.ends_with("/rotate-secret") {
        let collection_path = req.parent();
        let (collection, id) = collection_path
            .rsplit_once('/')
            .map(|(c, i)| (c.to_string(), i.to_string()))
            .unwrap_or_default();
        let id_member = id_member_of(
            route_template_parent(route)
                .rsplit_once('/')
                .map(|(p, _)| p)
                .unwrap_or_default(),
        );
        let secret = crate::state::random(48).unwrap_or_default();
        let Some(item) = d.store.item_mut(&collection, id_member, &id) else {
            return not_found(&collection);
        };
        item["client_secret"] = json!(secret);
        let item = item.clone();
        return (status, Json(present(route, &item))).into_response();
    }
    if let (Value::Object(out), Value::Object(body)) = (&mut out, &req.body) {
        for (k, v) in body {
            if out.contains_key(k) && k != "password" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if let Value::Object(map) = &mut out {
        if map.contains_key("ticket") {
            map.insert(
                "ticket".into(),
                json!(format!(
                    "{}/lo/reset?ticket={}#",
                    t.base,
                    crate::state::random_hex(16).unwrap_or_default()
                )),
            );
        }
        if map.contains_key("ticket_id") {
            map.insert(
                "ticket_id".into(),
                json!(crate::state::random_hex(16).unwrap_or_default()),
            );
        }
        if route.path.starts_with("/jobs/") {
            let kind = route.path.trim_start_matches("/jobs/").replace('-', "_");
            let kind = kind.trim_end_matches('s').to_string();
            map.insert("id".into(), json!(engine::new_id("/jobs")));
            map.insert("type".into(), json!(kind));
            map.insert("status".into(), json!("pending"));
            if let Some(id) = req.body.get("connection_id").and_then(Value::as_str)
                && let Some(name) = d
                    .store
                    .item("/connections", "id", id)
                    .and_then(|c| c.get("name").cloned())
            {
                map.insert("connection_id".into(), json!(id));
                map.insert("connection".into(), name);
            }
            map.insert("created_at".into(), json!(timestamp()));
            d.store
                .collections
                .entry("/jobs".into())
                .or_default()
                .push(Value::Object(map.clone()));
        } else if map.get("id").is_some_and(|v| v.as_str() == Some("")) {
            map.insert("id".into(), json!(engine::new_id(&path)));
        }
        if map
            .get("created_at")
            .is_some_and(|v| v.as_str() == Some(""))
        {
            map.insert("created_at".into(), json!(timestamp()));
        }
    }
    answer(status, out)
}
