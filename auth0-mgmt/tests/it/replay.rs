//! Replays real Management API traffic, recorded against Auth0 tenants by other clients,
//! through the facade against a local server that answers what the tenant answered:
//!
//! - every recorded write request, parsed from its JSON into the operation's typed body, must
//!   leave exactly as recorded (key order aside, numbers by value);
//! - every recorded answer must decode into the operation's typed answer and encode again to
//!   every value the tenant sent (nulls aside: a `null` member may come back absent).
//!
//! - every request sent must be the recorded one: method, path and query pairs.
//!
//! The recordings are read from `../shared/reference/real-traffic/` beside the workspace (every
//! `*.json` there, in the form its README describes), or from the file or folder named by
//! `AUTH0_REAL_TRAFFIC` (which must exist). Without them the test fails where the reference
//! data must be present (`AUTH0_REQUIRE_REFERENCE` or `CI` set, as in `.ci/run`) and is
//! skipped with a notice elsewhere. Almost every recorded interaction must be replayed: a
//! recording whose operations this build does not know (renamed ids, say) fails too.

use std::path::{Path, PathBuf};

use auth0_mgmt::Client;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One recorded interaction.
#[derive(serde::Deserialize)]
struct Interaction {
    operation: String,
    method: String,
    path_template: String,
    path: String,
    #[serde(default)]
    query: String,
    status: u16,
    request_body: Option<String>,
    answer_body: Option<String>,
}

#[derive(serde::Deserialize)]
struct Recording {
    interactions: Vec<Interaction>,
}

/// Whether the reference data must be there (CI, where it always is beside the workspace).
fn reference_required() -> bool {
    ["AUTH0_REQUIRE_REFERENCE", "CI"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"))
}

/// The recording files; an empty list only where the data may be absent (a local run
/// without `../shared`), after a notice. Panics where it must be present and is not.
fn recordings() -> Vec<PathBuf> {
    let (root, named) = match std::env::var_os("AUTH0_REAL_TRAFFIC") {
        Some(p) => (PathBuf::from(p), true),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/real-traffic"),
            false,
        ),
    };
    if root.is_file() {
        return vec![root];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        let why = format!("no recorded traffic (*.json) at {}", root.display());
        assert!(!named, "AUTH0_REAL_TRAFFIC names {why}");
        assert!(
            !reference_required(),
            "{why}: the real-traffic replay must run here (AUTH0_REQUIRE_REFERENCE or CI is set)"
        );
        eprintln!("SKIPPED: {why}; the real-traffic replay did not run");
    }
    files
}

/// The most interactions of a recording that may go unreplayed (operations this build does
/// not have as JSON operations: the multipart users import).
const MOST_SKIPPED: f64 = 0.01;

/// The path values of `path` for the `{name}` segments of `template`, percent-decoded.
fn path_values(template: &str, path: &str) -> Option<Vec<String>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut out = Vec::new();
    for (t, p) in t.iter().zip(&p) {
        if t.starts_with('{') {
            out.push(
                percent_encoding::percent_decode_str(p)
                    .decode_utf8()
                    .ok()?
                    .into_owned(),
            );
        } else if t != p {
            return None;
        }
    }
    Some(out)
}

/// `a` and `b` are the same JSON, numbers compared by value; with `nulls_aside`, members whose
/// value is `null` count as absent.
fn same(a: &Value, b: &Value, nulls_aside: bool) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y, nulls_aside))
        }
        (Value::Object(x), Value::Object(y)) => {
            let members = |m: &serde_json::Map<String, Value>| {
                m.iter()
                    .filter(|(_, v)| !(nulls_aside && v.is_null()))
                    .count()
            };
            members(x) == members(y)
                && x.iter()
                    .filter(|(_, v)| !(nulls_aside && v.is_null()))
                    .all(|(k, v)| y.get(k).is_some_and(|w| same(v, w, nulls_aside)))
        }
        _ => a == b,
    }
}

/// The first place where `a` and `b` differ, for the failure message.
fn first_difference(a: &Value, b: &Value, at: String) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x.iter().filter(|(_, v)| !v.is_null()) {
                match y.get(k) {
                    None => return format!("{at}.{k}: recorded {v}, missing"),
                    Some(w) if !same(v, w, true) => {
                        return first_difference(v, w, format!("{at}.{k}"));
                    }
                    _ => {}
                }
            }
            for (k, w) in y.iter().filter(|(_, w)| !w.is_null()) {
                if !x.contains_key(k) {
                    return format!("{at}.{k}: not recorded, sent {w}");
                }
            }
            format!("{at}: differs")
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if !same(v, w, true) {
                    return first_difference(v, w, format!("{at}[{i}]"));
                }
            }
            format!("{at}: differs")
        }
        _ => format!("{at}: recorded {a}, got {b}"),
    }
}

#[derive(Default)]
struct Tally {
    interactions: usize,
    answers: usize,
    requests: usize,
    skipped: Vec<String>,
    /// Interactions whose path does not fit their template (each also a failure).
    unfit: usize,
    failures: Vec<String>,
}

async fn replay(server: &MockServer, client: &Client, x: &Interaction, tally: &mut Tally) {
    let label = format!("{} {} ({})", x.method, x.path, x.operation);
    let Some(path) = path_values(&x.path_template, &x.path) else {
        tally
            .failures
            .push(format!("{label}: path does not fit {}", x.path_template));
        tally.unfit += 1;
        return;
    };
    let recorded_body: Option<Value> = x
        .request_body
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .and_then(|b| serde_json::from_str(b).ok());
    let body = if crate::replay_calls::takes_body(&x.operation) {
        x.request_body.as_deref().filter(|b| !b.trim().is_empty())
    } else {
        // Some clients send `null` or `{}` with every request; a GET's body means nothing.
        let meaningless = x.method == "GET"
            || recorded_body
                .as_ref()
                .is_none_or(|b| b.is_null() || b.as_object().is_some_and(|o| o.is_empty()));
        if !meaningless {
            tally
                .failures
                .push(format!("{label}: a body the operation does not take"));
        }
        None
    };
    let query: Vec<(String, String)> = url::form_urlencoded::parse(x.query.as_bytes())
        .into_owned()
        .collect();
    let Some(call) = crate::replay_calls::call(client, &x.operation, &path, &query, body) else {
        tally
            .skipped
            .push(format!("{label}: no JSON operation of that id here"));
        return;
    };
    server.reset().await;
    let answer = x.answer_body.clone().unwrap_or_default();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(x.status)
                .insert_header("content-type", "application/json")
                .set_body_string(answer.clone()),
        )
        .mount(server)
        .await;
    tally.interactions += 1;
    let result = call.await;
    let received = server.received_requests().await.unwrap_or_default();
    match received.as_slice() {
        [] => tally.failures.push(format!("{label}: nothing was sent")),
        [sent] => {
            if let Some(difference) = request_difference(x, sent) {
                tally.failures.push(format!("{label}: {difference}"));
            }
        }
        more => tally
            .failures
            .push(format!("{label}: {} requests sent for one", more.len())),
    }
    if let (Some(_), Some(recorded)) = (body, recorded_body) {
        tally.requests += 1;
        match received.last() {
            None => tally.failures.push(format!("{label}: nothing was sent")),
            Some(sent) => match serde_json::from_slice::<Value>(&sent.body) {
                Ok(sent) if same(&recorded, &sent, false) => {}
                Ok(sent) => tally.failures.push(format!(
                    "{label}: request body differs: {}",
                    first_difference(&recorded, &sent, "body".into())
                )),
                Err(e) => tally
                    .failures
                    .push(format!("{label}: sent a body that is not JSON: {e}")),
            },
        }
    }
    match result {
        Err(e) => tally.failures.push(format!("{label}: {e}")),
        Ok(encoded) if !answer.trim().is_empty() => {
            tally.answers += 1;
            let Ok(recorded) = serde_json::from_str::<Value>(&answer) else {
                tally
                    .failures
                    .push(format!("{label}: the recorded answer is not JSON"));
                return;
            };
            if !same(&recorded, &encoded, true) {
                tally.failures.push(format!(
                    "{label}: answer loses or changes values: {}",
                    first_difference(&recorded, &encoded, "answer".into())
                ));
            }
        }
        Ok(_) => {}
    }
}

/// How the request sent differs from the recorded one (method, path, query pairs), if it does.
fn request_difference(x: &Interaction, sent: &wiremock::Request) -> Option<String> {
    if sent.method.as_str() != x.method {
        return Some(format!("sent {} for {}", sent.method, x.method));
    }
    let decoded = |p: &str| -> Vec<String> {
        p.trim_matches('/')
            .split('/')
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect()
    };
    let sent_path = sent
        .url
        .path()
        .strip_prefix("/api/v2")
        .unwrap_or(sent.url.path());
    if decoded(sent_path) != decoded(&x.path) {
        return Some(format!("sent the path {sent_path}, recorded {}", x.path));
    }
    let mut recorded: Vec<(String, String)> = url::form_urlencoded::parse(x.query.as_bytes())
        .into_owned()
        .collect();
    let mut pairs: Vec<(String, String)> = sent.url.query_pairs().into_owned().collect();
    recorded.sort();
    pairs.sort();
    (recorded != pairs).then(|| format!("sent the query {pairs:?}, recorded {recorded:?}"))
}

#[tokio::test]
async fn real_traffic_survives_decoding_encoding_and_sending() {
    let files = recordings();
    if files.is_empty() {
        return;
    }
    let (server, client) = crate::common::setup().await;
    let mut tally = Tally::default();
    let mut recorded = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable recording");
        let recording: Recording = serde_json::from_str(&text).expect("a recording");
        recorded += recording.interactions.len();
        for x in &recording.interactions {
            replay(&server, &client, x, &mut tally).await;
        }
    }
    println!(
        "replayed {} interactions from {} file(s): {} answers decoded and encoded again, {} \
         write requests parsed and sent; {} skipped",
        tally.interactions,
        files.len(),
        tally.answers,
        tally.requests,
        tally.skipped.len()
    );
    for s in &tally.skipped {
        println!("skipped: {s}");
    }
    assert!(recorded > 0, "the recordings hold no interaction");
    assert!(
        tally.skipped.len() as f64 <= MOST_SKIPPED * recorded as f64,
        "{} of {recorded} recorded interactions were not replayed (at most {:.0}% may be):\n{}",
        tally.skipped.len(),
        MOST_SKIPPED * 100.0,
        tally.skipped.join("\n")
    );
    assert_eq!(
        tally.interactions + tally.skipped.len() + tally.unfit,
        recorded
    );
    assert!(
        tally.failures.is_empty(),
        "{} of {} interactions lose data:\n{}",
        tally.failures.len(),
        tally.interactions,
        tally.failures.join("\n")
    );
}

#[test]
fn path_values_are_read_by_the_template() {
    assert_eq!(
        path_values("/users/{id}/roles", "/users/auth0%7C1/roles"),
        Some(vec!["auth0|1".to_string()])
    );
    assert_eq!(path_values("/users/{id}", "/roles/x"), None);
}

#[test]
fn comparison_is_by_value_with_nulls_aside_only_when_asked() {
    let a = serde_json::json!({"a": 1, "b": null, "c": [1.0]});
    let b = serde_json::json!({"a": 1.0, "c": [1]});
    assert!(same(&a, &b, true));
    assert!(!same(&a, &b, false));
    assert!(!same(
        &serde_json::json!({"a": 1}),
        &serde_json::json!({"a": 1, "z": 2}),
        true
    ));
}

/// Every connection object in the recordings (answers and requests, at any depth).
fn recorded_connections() -> Vec<(String, Value)> {
    fn walk(v: &Value, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(s)), Some(o @ Value::Object(_))) =
                    (m.get("strategy"), m.get("options"))
                {
                    out.push((s.clone(), o.clone()));
                }
                m.values().for_each(|v| walk(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for file in recordings() {
        let text = std::fs::read_to_string(&file).expect("readable recording");
        let recording: Recording = serde_json::from_str(&text).expect("a recording");
        for x in &recording.interactions {
            for body in [&x.answer_body, &x.request_body].into_iter().flatten() {
                if let Ok(v) = serde_json::from_str::<Value>(body) {
                    walk(&v, &mut out);
                }
            }
        }
    }
    out
}

/// Every recorded connection's `options` decode as the variant of its `strategy` (the
/// document's per-strategy shape, with the overlay's corrections), none kept whole for not
/// fitting.
#[test]
fn every_recorded_connection_s_options_fit_its_strategy() {
    use auth0_mgmt::types::ConnectionOptionsByStrategy as Options;
    let all = recorded_connections();
    let mut misfits = std::collections::BTreeSet::new();
    for (strategy, options) in &all {
        match Options::for_strategy(strategy, options.clone()) {
            Ok(Options::Other(_)) => {
                misfits.insert(format!("{strategy}: a strategy the document does not list"));
            }
            Ok(_) => {}
            Err(e) => {
                misfits.insert(format!("{strategy}: {e}"));
            }
        }
    }
    println!("{} recorded connections", all.len());
    assert!(misfits.is_empty(), "{misfits:#?}");
    if !recordings().is_empty() {
        assert!(!all.is_empty(), "the recordings hold no connection");
    }
}
