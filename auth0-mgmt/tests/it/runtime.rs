//! The Management client's runtime against a local server: tokens by client credentials
//! (cached, shared by concurrent callers, renewed), retries, telemetry.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_mgmt::http::ManualClock;
use auth0_mgmt::token::{Token, TokenFuture, TokenSource};
use auth0_mgmt::{AssertionAlgorithm, Client, Error, HttpError, RetryPolicy};
use base64::Engine as _;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn token_answer(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token, "token_type": "Bearer", "expires_in": expires_in
    }))
}

fn form(request: &Request) -> std::collections::BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

/// A server whose `/oauth/token` gives the `first` token (with its lifetime in seconds) once,
/// then `then` (valid for a day).
async fn token_server(first: (&str, u64), then: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer(first.0, first.1))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer(then, 86400))
        .mount(&server)
        .await;
    server
}

/// A client of `server` with client credentials `cid`/`csecret`.
fn client_credentials_client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_credentials("cid", "csecret")
        .build()
        .unwrap()
}

/// A client-credentials client on a clock the test moves.
fn client_on_clock(server: &MockServer) -> (Client, ManualClock) {
    let clock = ManualClock::new();
    let client = Client::builder(server.uri())
        .client_credentials("cid", "csecret")
        .clock(clock.shared())
        .build()
        .unwrap();
    (client, clock)
}

/// A server that answers every GET with a bare 429.
async fn always_rate_limited() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    server
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

#[tokio::test]
async fn client_credentials_token_is_fetched_once_and_reused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer("tok-1", 86400))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/u1"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u1"})))
        .mount(&server)
        .await;
    let client = client_credentials_client(&server);
    for _ in 0..3 {
        let user = client.users().get("u1").send().await.unwrap();
        assert_eq!(user.user_id.as_deref(), Some("u1"));
    }
    let token_requests = requests_to(&server, "/oauth/token").await;
    assert_eq!(token_requests.len(), 1);
    let sent = form(&token_requests[0]);
    assert_eq!(sent["grant_type"], "client_credentials");
    assert_eq!(sent["client_id"], "cid");
    assert_eq!(sent["client_secret"], "csecret");
    assert_eq!(sent["audience"], format!("{}/api/v2/", server.uri()));
}

#[tokio::test]
async fn concurrent_callers_with_no_token_cause_exactly_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer("tok-shared", 86400).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "x"})))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .client_credentials("cid", "csecret")
        .audience("https://api.example/")
        .build()
        .unwrap();
    let calls = (0..16).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.users().get(format!("u{i}")).send().await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    let token_requests = requests_to(&server, "/oauth/token").await;
    assert_eq!(token_requests.len(), 1);
    assert_eq!(form(&token_requests[0])["audience"], "https://api.example/");
    let api = server.received_requests().await.unwrap();
    assert_eq!(
        api.iter().filter(|r| r.method.as_str() == "GET").count(),
        16
    );
    assert!(
        api.iter()
            .filter(|r| r.method.as_str() == "GET")
            .all(|r| r.headers["authorization"] == "Bearer tok-shared")
    );
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer("two-minutes", 120))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let (client, clock) = client_on_clock(&server);
    client.users().get("a").send().await.unwrap();
    clock.advance(Duration::from_secs(59));
    client.users().get("b").send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    // A 120 s token is renewed a minute before it expires.
    clock.advance(Duration::from_secs(2));
    client.users().get("c").send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test]
async fn a_token_is_used_a_minimum_time_whatever_its_lifetime() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer("already-expiring", 0))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let (client, clock) = client_on_clock(&server);
    for _ in 0..20 {
        client.users().get("a").send().await.unwrap();
    }
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    clock.advance(Duration::from_secs(11));
    client.users().get("a").send().await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_not_asked_again_during_its_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "20")
                .set_body_json(json!({"error": "too_many_requests"})),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = Client::builder(server.uri())
        .client_credentials("cid", "csecret")
        .clock(clock.shared())
        .max_retries(0)
        .build()
        .unwrap();
    for _ in 0..20 {
        let e = client.users().get("u").send().await.unwrap_err();
        assert!(e.to_string().contains("too_many_requests"), "{e}");
    }
    // The token request itself was retried by the Authentication client's policy within its
    // deadline (the server asked for 20 s, the deadline is 30 s): one wait, two requests.
    let asked = requests_to(&server, "/oauth/token").await.len();
    assert_eq!(asked, 2, "20 calls, one fetch");
    clock.advance(Duration::from_secs(19));
    client.users().get("u").send().await.unwrap_err();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), asked);
    clock.advance(Duration::from_secs(30));
    client.users().get("u").send().await.unwrap_err();
    assert!(requests_to(&server, "/oauth/token").await.len() > asked);
}

#[tokio::test]
async fn a_token_source_that_never_answers_is_bounded_by_the_timeout() {
    struct Never;
    impl auth0_mgmt::token::TokenSource for Never {
        fn fetch(&self) -> auth0_mgmt::token::TokenFuture<'_> {
            Box::pin(std::future::pending())
        }
    }
    let server = MockServer::start().await;
    let client = Client::builder(server.uri())
        .token_source(Never)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = client.users().get("u").send().await.unwrap_err();
    assert!(matches!(e, Error::TokenTimeout { .. }), "{e:?}");
    let e = client
        .users()
        .get("u")
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TokenTimeout { after, .. } if after == Duration::from_millis(50)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_rejected_token_is_replaced_and_the_request_retried_once() {
    let server = token_server(("first", 86400), "second").await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer first"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401, "error": "Unauthorized", "message": "Expired token"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer second"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u"})))
        .mount(&server)
        .await;
    let client = client_credentials_client(&server);
    let user = client.users().get("u").send().await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u"));
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    assert_eq!(requests_to(&server, "/api/v2/users/u").await.len(), 2);
}

/// A JWT-shaped token (unsigned: the client reads its `scope` for a hint, never trusts it).
fn token_with_scope(scope: Option<&str>) -> String {
    let claims = match scope {
        Some(scope) => json!({ "scope": scope }),
        None => json!({}),
    };
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln")
}

#[tokio::test]
async fn a_403_names_the_scopes_the_operation_accepts_and_whether_the_token_has_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "statusCode": 403, "error": "Forbidden",
            "message": "Insufficient scope, expected any of: read:users",
            "errorCode": "insufficient_scope"
        })))
        .mount(&server)
        .await;
    let forbidden = |token: String| {
        let client = Client::builder(server.uri())
            .token(token)
            .max_retries(0)
            .build()
            .unwrap();
        async move { client.users().get("u").send().await.unwrap_err() }
    };

    let lacking = forbidden(token_with_scope(Some("read:clients update:clients"))).await;
    assert_eq!(lacking.status().map(|s| s.as_u16()), Some(403));
    let text = lacking.to_string();
    assert!(
        text.starts_with(
            "users.get answered 403 Forbidden (insufficient_scope): Insufficient scope, \
             expected any of: read:users (hint: the operation needs one of the scopes \
             read:current_user, read:user_idp_tokens, read:users; the token has none of them"
        ),
        "{text}"
    );
    assert_eq!(
        lacking.api().and_then(|e| e.hint()),
        text.split("(hint: ")
            .nth(1)
            .and_then(|h| h.strip_suffix(')'))
    );

    // A token whose scope cannot be read (opaque, or without `scope`): the accepted scopes only.
    for token in ["opaque".to_owned(), token_with_scope(None)] {
        let text = forbidden(token).await.to_string();
        assert!(
            text.contains("(hint: the operation needs one of the scopes read:current_user"),
            "{text}"
        );
        assert!(!text.contains("the token has none"), "{text}");
    }

    // A token that has an accepted scope was refused for another reason: no scope hint.
    let other = forbidden(token_with_scope(Some("read:users"))).await;
    assert_eq!(other.api().and_then(|e| e.hint()), None, "{other}");
}

#[tokio::test]
async fn a_static_token_rejected_with_401_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401, "error": "Unauthorized", "message": "Invalid token"
        })))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("stale")
        .build()
        .unwrap();
    let err = client.users().get("u").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_refused_token_request_is_a_token_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "access_denied", "error_description": "Unauthorized"
        })))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .client_credentials("cid", "the-secret-value")
        .build()
        .unwrap();
    let err = client.users().get("u").send().await.unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("access_denied"), "{text}");
    assert!(!text.contains("the-secret-value"), "{text}");
    assert!(requests_to(&server, "/api/v2/users/u").await.is_empty());
    // Said once: the message and the hint, and no error of the chain repeats them.
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    let all = chain.join(" | ");
    assert_eq!(all.matches("oauth/token answered 401").count(), 1, "{all}");
    assert!(all.contains("hint: "), "{all}");
    assert!(
        chain[0].starts_with("oauth/token answered 401 Unauthorized (access_denied)"),
        "{all}"
    );
}

#[tokio::test]
async fn a_failed_connection_says_so_once_and_names_its_cause_in_the_source() {
    // A port held for the whole test and never listened on: connections are refused.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let client = Client::builder(format!("http://{}", held.local_addr().unwrap()))
        .token("t")
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.users().get("u").send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Http(HttpError::Connection {
                operation: "users.get",
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "users.get: connection failed");
    let source = std::error::Error::source(&err)
        .expect("the cause")
        .to_string();
    assert!(!source.contains("connection failed"), "{source}");
}

#[tokio::test]
async fn concurrent_callers_share_one_failed_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "access_denied", "error_description": "no"}))
                // Long enough for every caller to be waiting on a busy machine.
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let (client, clock) = client_on_clock(&server);
    let calls = (0..8).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.users().get("u").send().await })
    });
    let errors: Vec<Error> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|call| call.unwrap().unwrap_err())
        .collect();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    let direct = errors
        .iter()
        .filter(|e| matches!(e, Error::Token(_)))
        .count();
    assert_eq!(direct, 1, "{errors:?}");
    for e in &errors {
        assert!(e.to_string().contains("access_denied"), "{e}");
    }
    // A call within the backoff after the failure does not ask; a later one does.
    client.users().get("u").send().await.unwrap_err();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    clock.advance(Duration::from_secs(2));
    client.users().get("u").send().await.unwrap_err();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
}

#[tokio::test]
async fn tokens_the_api_keeps_refusing_are_not_fetched_again_and_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer("refused", 86400))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401, "error": "Unauthorized", "message": "Bad audience"
        })))
        .mount(&server)
        .await;
    let client = client_credentials_client(&server);
    for _ in 0..3 {
        let err = client.users().get("u").send().await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    }
    // The first call replaces its token once; the replacement, refused too, is kept.
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    assert_eq!(
        requests_to(&server, "/api/v2/users/u").await.len(),
        2 + 1 + 1
    );
}

#[tokio::test]
async fn private_key_jwt_sends_a_client_assertion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer("tok", 86400))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../auth0-auth/tests/fixtures");
    let private = std::fs::read(format!("{fixtures}/rsa_private.pem")).unwrap();
    let public = std::fs::read(format!("{fixtures}/rsa_public.pem")).unwrap();
    let client = Client::builder(server.uri())
        .private_key_jwt("cid", private, AssertionAlgorithm::RS256)
        .build()
        .unwrap();
    client.users().get("u").send().await.unwrap();
    let sent = form(&requests_to(&server, "/oauth/token").await[0]);
    assert!(!sent.contains_key("client_secret"));
    assert_eq!(
        sent["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[format!("{}/", server.uri())]);
    validation.set_issuer(&["cid"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        &sent["client_assertion"],
        &jsonwebtoken::DecodingKey::from_rsa_pem(&public).unwrap(),
        &validation,
    )
    .expect("the assertion verifies with the public key")
    .claims;
    assert_eq!(claims["sub"], "cid");
}

struct CountingSource(Arc<AtomicUsize>);

impl TokenSource for CountingSource {
    fn fetch(&self) -> TokenFuture<'_> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            Ok(Token::new(
                format!("custom-{n}"),
                Some(Duration::from_secs(3600)),
            ))
        })
    }
}

#[tokio::test]
async fn a_custom_token_source_is_used_and_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer custom-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let client = Client::builder(server.uri())
        .token_source(CountingSource(fetches.clone()))
        .build()
        .unwrap();
    client.users().get("a").send().await.unwrap();
    client.roles().get("r").send().await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn rate_limited_requests_are_retried_until_they_pass() {
    let server = MockServer::start().await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Once with a reset time that has already come, once without any header.
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("x-ratelimit-reset", now.to_string().as_str()),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u"})))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("t")
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let user = client.users().get("u").send().await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u"));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retries_stop_at_the_maximum_and_return_the_rate_limit() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "statusCode": 429, "error": "Too Many Requests", "message": "slow down"
        })))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("t")
        .retry_policy(fast_retries().max_retries(2))
        .build()
        .unwrap();
    let body = auth0_mgmt::types::AssignRoleUsersRequestContent {
        users: vec!["u".into()],
        ..Default::default()
    };
    let err = client
        .roles()
        .users()
        .assign("r")
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::RateLimited { reset: None, .. })),
        "{err:?}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "1 + 2 retries"
    );
}

#[tokio::test]
async fn with_retries_off_the_first_429_comes_back_at_once() {
    let server = always_rate_limited().await;
    let client = Client::builder(server.uri())
        .token("t")
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.users().get("u").send().await.unwrap_err();
    assert!(matches!(err, Error::Http(HttpError::RateLimited { .. })));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn one_request_can_set_its_own_retry_policy() {
    let server = always_rate_limited().await;
    let client = Client::builder(server.uri())
        .token("t")
        .retry_policy(fast_retries().max_retries(3))
        .build()
        .unwrap();
    let err = client
        .users()
        .get("u")
        .retry_policy(RetryPolicy::disabled())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::RateLimited { .. })),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // Pages of a list carry the request's policy too; other requests keep the client's.
    let pages = client
        .users()
        .list()
        .retry_policy(fast_retries().max_retries(1))
        .pages();
    futures::pin_mut!(pages);
    let first = futures::StreamExt::next(&mut pages).await.unwrap();
    assert!(
        matches!(first, Err(Error::Http(HttpError::RateLimited { .. }))),
        "{first:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1 + 2);
    client.users().get("u").send().await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 4);

    // A request's own policy is capped like the client's.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let many = fast_retries()
        .max_retries(50)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(1));
    client
        .users()
        .get("u")
        .retry_policy(many)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        server.received_requests().await.unwrap().len() as u32,
        1 + auth0_mgmt::MAX_RETRIES_CAP
    );
}

#[tokio::test]
async fn a_retry_after_a_wait_carries_the_token_renewed_meanwhile() {
    // Renewed 10 s after it came (its lifetime less half of it, at least 10 s).
    let server = token_server(("short-lived", 20), "renewed").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "11"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer renewed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u"})))
        .mount(&server)
        .await;
    let (client, clock) = client_on_clock(&server);
    let user = client.users().get("u").send().await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u"));
    assert!(
        clock.elapsed() >= Duration::from_secs(11),
        "the wait was on the clock"
    );
    let gets = requests_to(&server, "/api/v2/users/u").await;
    assert_eq!(gets.len(), 2);
    assert_eq!(gets[0].headers["authorization"], "Bearer short-lived");
    assert_eq!(gets[1].headers["authorization"], "Bearer renewed");
}

#[tokio::test]
async fn a_wait_longer_than_the_deadline_is_not_attempted() {
    let server = MockServer::start().await;
    let later = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-reset", later.to_string().as_str()),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri()).token("t").build().unwrap();
    match client.users().get("u").send().await.unwrap_err() {
        Error::Http(HttpError::RateLimited {
            reset: Some(at), ..
        }) => {
            assert_eq!(at, UNIX_EPOCH + Duration::from_secs(later))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn telemetry_is_sent_unless_turned_off() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let on = Client::builder(server.uri()).token("t").build().unwrap();
    let off = Client::builder(server.uri())
        .token("t")
        .telemetry(false)
        .build()
        .unwrap();
    on.users().get("u").send().await.unwrap();
    off.users().get("u").send().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let header = requests[0].headers["auth0-client"].to_str().unwrap();
    let decoded: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(decoded["name"], "auth0-rust");
    assert_eq!(decoded["env"]["crate"], "auth0-mgmt");
    assert_eq!(decoded["version"], env!("CARGO_PKG_VERSION"));
    assert!(decoded["env"].is_object());
    assert!(!requests[1].headers.contains_key("auth0-client"));
}

#[test]
fn max_retries_is_capped() {
    let b = Client::builder("t.auth0.com").token("t").max_retries(1000);
    assert!(format!("{b:?}").contains("max_retries: 10"), "{b:?}");
}

#[tokio::test]
async fn an_idempotent_request_is_retried_after_a_refused_connection() {
    // A port nobody listens on yet; the server starts there while the client backs off.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .token("t")
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(400))
                .max_delay(Duration::from_millis(400)),
        )
        .build()
        .unwrap();
    let starter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u"})))
            .mount(&server)
            .await;
        server
    });
    let user = client.users().get("u").send().await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u"));
    let server = starter.await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_is_a_tracing_span_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("secret-token-value")
        .build()
        .unwrap();
    client.users().get("auth0|42").send().await.unwrap();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("auth0.request"), "{text}");
    assert!(text.contains("operation=\"users.get\""), "{text}");
    assert!(text.contains("method=GET"), "{text}");
    assert!(text.contains("path=/api/v2/users/auth0%7C42"), "{text}");
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("attempt=1"), "{text}");
    assert!(!text.contains("secret-token-value"), "{text}");
}

#[tokio::test]
async fn the_token_never_follows_a_redirect_whatever_the_http_client() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "stolen"})))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    let target = format!("{}/api/v2/users/u", elsewhere.uri());
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", &target))
        .mount(&server)
        .await;
    for http in [None, Some(reqwest::Client::new())] {
        let mut builder = Client::builder(server.uri()).token("secret-token");
        if let Some(http) = http.clone() {
            builder = builder.http_client(http);
        }
        let e = builder
            .build()
            .unwrap()
            .users()
            .get("u")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Http(HttpError::Redirect { location, .. }) if location == &target),
            "{e:?}"
        );
    }
    for seen in elsewhere.received_requests().await.unwrap() {
        assert!(!seen.headers.contains_key("authorization"));
    }
}

#[tokio::test]
async fn each_retry_makes_the_request_again_the_same() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "a|b"})))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("t")
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let user = client
        .users()
        .get("a|b")
        .fields("email,user_id")
        .header("x-trace", "7")
        .query("extra", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_id.as_deref(), Some("a|b"));
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 3);
    for request in &seen {
        assert_eq!(request.url.path(), "/api/v2/users/a%7Cb");
        assert_eq!(
            request.url.query(),
            Some("fields=email%2Cuser_id&extra=1"),
            "the operation's query, then the added one"
        );
        assert_eq!(request.headers["authorization"], "Bearer t");
        assert_eq!(request.headers["x-trace"], "7");
        assert!(request.headers.contains_key("auth0-client"));
        assert!(
            !request.headers.contains_key("api-version"),
            "Auth0 reads no api-version header"
        );
    }
}

/// A server that answers every request with the head of a 200 and `sent` bytes of a body
/// announced as 1,000 bytes, then says nothing more.
async fn stalling_body_server(sent: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&vec![b' '; sent]).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn the_timeout_covers_reading_the_whole_answer() {
    let base = stalling_body_server(10).await;
    let client = Client::builder(base.as_str())
        .token("t")
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.users().get("slow").send().await.unwrap_err();
    let took = started.elapsed();
    match &err {
        Error::Http(HttpError::Timeout {
            operation: "users.get",
            source: auth0_mgmt::http::TimedOut::Deadline { after },
        }) => assert_eq!(*after, Duration::from_millis(300)),
        other => panic!("{other:?}"),
    }
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The cause is in the error's chain.
    let chain = std::error::Error::source(&err).map(ToString::to_string);
    assert_eq!(chain.as_deref(), Some("no whole answer within 300ms"));
}

#[tokio::test]
async fn a_custom_http_clients_own_timeout_applies_too() {
    let base = stalling_body_server(0).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let client = Client::builder(base.as_str())
        .token("t")
        .http_client(http)
        .build()
        .unwrap();
    let err = client.users().get("slow").send().await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Http(HttpError::Timeout {
                source: auth0_mgmt::http::TimedOut::Http(_),
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_timeout_too_long_to_represent_means_none() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u"})))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token("t")
        .timeout(Duration::MAX)
        .build()
        .unwrap();
    let user = client.users().get("u").send().await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u"));
    let user = client
        .users()
        .get("u")
        .timeout(Duration::MAX)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_thread_takes_up_a_replaced_token() {
    let server = token_server(("first", 86400), "second").await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer first"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer second"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user_id": "u"})))
        .mount(&server)
        .await;
    let client = client_credentials_client(&server);
    // Both worker threads copy the first token.
    let warm: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.users().get("u").send().await })
        })
        .collect();
    for task in warm {
        let user = task.await.unwrap().unwrap();
        assert_eq!(user.user_id.as_deref(), Some("u"));
    }
    let before = server.received_requests().await.unwrap().len();
    // Every later call, on whichever thread, sends the new token at once.
    let later: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.users().get("u").send().await })
        })
        .collect();
    for task in later {
        task.await.unwrap().unwrap();
    }
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len() - before, 16, "no 401 after the replacement");
    assert!(
        seen[before..]
            .iter()
            .all(|r| r.headers["authorization"] == "Bearer second")
    );
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
}
