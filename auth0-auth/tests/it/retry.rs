//! Retries: 429 answers retried with backoff, honouring `Retry-After`, bounded by count and
//! deadline; token grants only when asked.

use std::time::Duration;

use auth0_auth::Client;
use auth0_auth::http::{ManualClock, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const BASE: Duration = Duration::from_millis(20);
const MAX: Duration = Duration::from_millis(50);

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .base_delay(BASE)
        .max_delay(MAX)
        .deadline(Duration::from_secs(5))
}

/// A client of `server` whose waits are taken on `clock` (none is slept for real).
fn client_on(server: &MockServer, clock: &ManualClock) -> auth0_auth::ClientBuilder {
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .clock(clock.shared())
}

/// Every wait is a backoff of the policy: at most its longest delay.
fn backoffs(slept: &[Duration]) -> bool {
    slept.iter().all(|w| *w <= MAX)
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
    let clock = ManualClock::new();
    let client = client_on(&server, &clock)
        .retry_policy(fast())
        .build()
        .unwrap();
    let profile = client.userinfo("at").send().await.unwrap();
    assert_eq!(profile.sub, "u");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    let slept = clock.slept();
    assert_eq!(slept.len(), 2, "a wait before each retry: {slept:?}");
    assert!(backoffs(&slept), "{slept:?}");
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = server().await;
    limited_then_ok(&server, "/passwordless/start", "POST", 10, json!({})).await;
    let clock = ManualClock::new();
    let client = client_on(&server, &clock)
        .retry_policy(fast().max_retries(2))
        .build()
        .unwrap();
    let err = client.passwordless_sms("+1555").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(clock.slept().len(), 2, "{:?}", clock.slept());
}

#[tokio::test]
async fn token_grants_retry_only_when_configured() {
    let server = server().await;
    limited_then_ok(&server, "/oauth/token", "POST", 1, token_answer()).await;
    let clock = ManualClock::new();
    let client = client_on(&server, &clock)
        .client_secret(CLIENT_SECRET)
        .token_retry_policy(fast())
        .build()
        .unwrap();
    client.client_credentials().send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(clock.slept().len(), 1);

    // Per request, too.
    let server = crate::common::server().await;
    limited_then_ok(&server, "/oauth/token", "POST", 1, token_answer()).await;
    let clock = ManualClock::new();
    client_on(&server, &clock)
        .client_secret(CLIENT_SECRET)
        .token_retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
        .client_credentials()
        .retry_policy(fast())
        .send()
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(clock.slept().len(), 1);

    // Disabled: sent once.
    let server = crate::common::server().await;
    limited_then_ok(&server, "/oauth/token", "POST", 1, token_answer()).await;
    let clock = ManualClock::new();
    let err = client_on(&server, &clock)
        .client_secret(CLIENT_SECRET)
        .token_retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
        .client_credentials()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(clock.slept(), Vec::<Duration>::new());
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
    let clock = ManualClock::new();
    let client = client_on(&server, &clock)
        .retry_policy(fast())
        .build()
        .unwrap();
    client.userinfo("at").send().await.unwrap();
    // The second asked for, with at most a quarter of the base delay of jitter.
    let slept = clock.slept();
    assert_eq!(slept.len(), 1, "{slept:?}");
    assert!(
        slept[0] >= Duration::from_secs(1) && slept[0] <= Duration::from_secs(1) + BASE / 4,
        "{slept:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_wait_beyond_the_deadline_is_not_taken() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = client_on(&server, &clock)
        .retry_policy(fast().deadline(Duration::from_secs(2)))
        .build()
        .unwrap();
    let err = client.userinfo("at").send().await.unwrap_err();
    assert_eq!(clock.slept(), Vec::<Duration>::new(), "no wait taken");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn disabled_policy_sends_once() {
    let server = server().await;
    limited_then_ok(&server, "/userinfo", "GET", 1, json!({"sub": "u"})).await;
    let clock = ManualClock::new();
    let client = client_on(&server, &clock)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    assert!(client.userinfo("at").send().await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(clock.slept(), Vec::<Duration>::new());
}

#[tokio::test]
async fn connection_failures_of_idempotent_requests_are_retried() {
    // Nothing listens on the port: every attempt fails to connect, and each is retried until
    // the count runs out, after a backoff each.
    // (The port is held for the whole test, so no other test's server can take it.)
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = held.local_addr().unwrap().port();
    let backoff = Duration::from_millis(200);
    let policy = RetryPolicy::default()
        .max_retries(2)
        .base_delay(backoff)
        .max_delay(backoff);
    let clock = ManualClock::new();
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .client_id(CLIENT_ID)
        .retry_policy(policy)
        .clock(clock.shared())
        .build()
        .unwrap();
    let err = client.userinfo("at").send().await.unwrap_err();
    assert!(matches!(
        err,
        auth0_auth::Error::Http(auth0_auth::HttpError::Connection { .. })
    ));
    let slept = clock.slept();
    assert_eq!(slept.len(), 2, "{slept:?}");
    assert!(
        slept.iter().all(|w| *w >= backoff / 2 && *w <= backoff),
        "{slept:?}"
    );

    // A POST is not retried after a connection failure.
    let err = client.passwordless_sms("+1555").send().await.unwrap_err();
    assert!(matches!(
        err,
        auth0_auth::Error::Http(auth0_auth::HttpError::Connection { .. })
    ));
    assert_eq!(clock.slept().len(), 2, "no further wait");
}
