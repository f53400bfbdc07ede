//! The send loop against real servers on 127.0.0.1.

use std::time::Duration;

use auth0_http::{Attempts, Exchange, ManualClock, Repeat, RetryPolicy, SendError, send};
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The same request for every attempt.
struct Same(reqwest::Request);

impl Attempts for Same {
    type Error = std::convert::Infallible;

    async fn request(&mut self, _attempt: u32) -> Result<reqwest::Request, Self::Error> {
        Ok(self.0.try_clone().expect("a copyable request"))
    }
}

fn request(http: &reqwest::Client, method: Method, url: &str, body: Option<&str>) -> Same {
    let mut b = http
        .request(method, url)
        .header(AUTHORIZATION, "Bearer the-token");
    if let Some(body) = body {
        b = b.body(body.to_owned());
    }
    Same(b.build().unwrap())
}

async fn run(
    http: &reqwest::Client,
    clock: &ManualClock,
    repeat: Repeat,
    attempts: &mut Same,
) -> Result<reqwest::Response, SendError<std::convert::Infallible>> {
    let policy = RetryPolicy::default().max_retries(3);
    let exchange = Exchange {
        http,
        policy: &policy,
        repeat,
        operation: "test",
        clock,
        deadline: None,
    };
    send(&exchange, attempts).await
}

#[tokio::test]
async fn server_failures_are_retried_only_when_repeating_is_safe() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let clock = ManualClock::new();
    let url = format!("{}/x", server.uri());

    let mut get = request(&http, Method::GET, &url, None);
    let answer = run(&http, &clock, Repeat::Safe, &mut get).await.unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert_eq!(clock.slept().len(), 3, "three waits, on the clock");

    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut post = request(
        &http,
        Method::POST,
        &url,
        Some("grant_type=authorization_code"),
    );
    let answer = run(&http, &clock, Repeat::Once, &mut post).await.unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a POST is not sent twice"
    );
}

#[tokio::test]
async fn rate_limits_are_retried_for_every_request_as_the_server_asks() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let clock = ManualClock::new();
    let mut post = request(&http, Method::POST, &server.uri(), Some("{}"));
    let answer = run(&http, &clock, Repeat::Once, &mut post).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let slept = clock.slept();
    assert_eq!(slept.len(), 1);
    assert!(slept[0] >= Duration::from_secs(7) && slept[0] < Duration::from_secs(8));
}

#[tokio::test]
async fn a_following_client_never_carries_credentials_to_another_origin() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&elsewhere)
        .await;
    let tenant = MockServer::start().await;
    let target = format!("{}/steal", elsewhere.uri());
    for status in [307, 308] {
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).insert_header("location", &target))
            .up_to_n_times(1)
            .mount(&tenant)
            .await;
        // reqwest's default client follows redirects, 307/308 with the body.
        let http = reqwest::Client::new();
        let clock = ManualClock::new();
        let mut post = request(
            &http,
            Method::POST,
            &tenant.uri(),
            Some("client_secret=very-secret"),
        );
        match run(&http, &clock, Repeat::Once, &mut post).await {
            Err(SendError::Redirect { location }) => assert_eq!(location, target),
            other => panic!("{status}: {other:?}"),
        }
        assert!(
            elsewhere.received_requests().await.unwrap().is_empty(),
            "{status}: the body went on"
        );
    }
    // A GET followed elsewhere arrives there without the token, and is an error here.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", &target))
        .mount(&tenant)
        .await;
    let http = reqwest::Client::new();
    let clock = ManualClock::new();
    let mut get = request(&http, Method::GET, &tenant.uri(), None);
    match run(&http, &clock, Repeat::Safe, &mut get).await {
        Err(SendError::Redirect { location }) => assert_eq!(location, target),
        other => panic!("{other:?}"),
    }
    let seen = elsewhere.received_requests().await.unwrap();
    assert!(
        seen.iter()
            .all(|r| !r.headers.contains_key("authorization"))
    );
}

#[tokio::test]
async fn sealed_bodies_keep_their_length() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let clock = ManualClock::new();
    let mut post = request(&http, Method::POST, &server.uri(), Some("a=1&b=2"));
    run(&http, &clock, Repeat::Once, &mut post).await.unwrap();
    let seen = &server.received_requests().await.unwrap()[0];
    assert_eq!(seen.body, b"a=1&b=2");
    assert_eq!(
        seen.headers.get("content-length").map(|v| v.as_bytes()),
        Some(&b"7"[..])
    );
}

#[tokio::test]
async fn capped_bodies() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 100_000]))
        .mount(&server)
        .await;
    let get = || async { reqwest::get(server.uri()).await.unwrap() };
    assert!(matches!(
        auth0_http::read_body(get().await, 99_999).await,
        Err(auth0_http::BodyError::TooLarge { limit: 99_999 })
    ));
    assert_eq!(
        auth0_http::read_body(get().await, 100_000)
            .await
            .unwrap()
            .len(),
        100_000
    );
    assert_eq!(auth0_http::read_prefix(get().await, 1000).await.len(), 1000);
}
