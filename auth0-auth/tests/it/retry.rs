//! Retries: 429 answers retried with backoff, honouring `Retry-After`, bounded by count and
//! deadline; token grants only when asked.

use std::time::{Duration, Instant};

use auth0_auth::Client;
use auth0_auth::http::RetryPolicy;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .base_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(50))
        .deadline(Duration::from_secs(5))
}

async fn limited_then_ok(
    server: &MockServer,
    at: &str,
    verb: &str,
    failures: u64,
    ok: serde_json::Value,
) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn other_requests_retry_429_by_default() {
    let server = server().await;
    limited_then_ok(&server, "/userinfo", "GET", 2, json!({"sub": "u"})).await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .retry_policy(fast())
        .build()
        .unwrap();
    let profile = client.userinfo("at").send().await.unwrap();
    assert_eq!(profile.sub, "u");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = server().await;
    limited_then_ok(&server, "/passwordless/start", "POST", 10, json!({})).await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .retry_policy(fast().max_retries(2))
        .build()
        .unwrap();
    let err = client.passwordless_sms("+1555").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn token_grants_retry_only_when_configured() {
    let server = server().await;
    limited_then_ok(&server, "/oauth/token", "POST", 1, token_answer()).await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_retry_policy(fast())
        .build()
        .unwrap();
    client.client_credentials().send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // Per request, too.
    let server = crate::common::server().await;
    limited_then_ok(&server, "/oauth/token", "POST", 1, token_answer()).await;
    crate::common::client(&server)
        .client_credentials()
        .retry_policy(fast())
        .send()
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sub": "u"})))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .retry_policy(fast())
        .build()
        .unwrap();
    let start = Instant::now();
    client.userinfo("at").send().await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_wait_beyond_the_deadline_is_not_taken() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .retry_policy(fast().deadline(Duration::from_secs(2)))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client.userinfo("at").send().await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn disabled_policy_sends_once() {
    let server = server().await;
    limited_then_ok(&server, "/userinfo", "GET", 1, json!({"sub": "u"})).await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    assert!(client.userinfo("at").send().await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn connection_failures_of_idempotent_requests_are_retried() {
    // Nothing listens on the port: every attempt fails to connect, and each is retried until
    // the count runs out, which takes at least the sum of the backoffs.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let policy = RetryPolicy::default()
        .max_retries(2)
        .base_delay(Duration::from_millis(200))
        .max_delay(Duration::from_millis(200));
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .client_id(CLIENT_ID)
        .retry_policy(policy)
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client.userinfo("at").send().await.unwrap_err();
    assert!(matches!(err, auth0_auth::Error::Connection { .. }));
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );

    // A POST is not retried after a connection failure.
    let start = Instant::now();
    let err = client.passwordless_sms("+1555").send().await.unwrap_err();
    assert!(matches!(err, auth0_auth::Error::Connection { .. }));
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}
