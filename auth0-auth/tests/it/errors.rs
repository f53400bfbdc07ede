//! Every error shape: JSON errors, `mfa_required`, HTML and empty bodies, rate limits,
//! timeouts, connection failures and decode errors. None may panic or leak a secret.

use std::error::Error as _;
use std::time::{Duration, UNIX_EPOCH};

use auth0_auth::{Client, Error, HttpError};
use reqwest::StatusCode;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

#[tokio::test]
async fn json_error() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/oauth/token",
        403,
        json!({"error": "invalid_grant", "error_description": "Wrong email or password."}),
    )
    .await;
    let err = client(&server)
        .password_grant("ana", "wrong-pass")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(err.error(), Some("invalid_grant"));
    assert_eq!(err.error_description(), Some("Wrong email or password."));
    let api = err.api().unwrap();
    assert_eq!(api.operation(), "oauth/token");
    assert!(api.body_text().contains("invalid_grant"));
    assert!(api.headers().contains_key("content-type"));
    assert_eq!(
        err.to_string(),
        "oauth/token answered 403 Forbidden (invalid_grant): Wrong email or password."
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("wrong-pass") && !text.contains(CLIENT_SECRET));
    }
}

#[tokio::test]
async fn mfa_required_carries_the_mfa_token() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/oauth/token",
        403,
        json!({
            "error": "mfa_required",
            "error_description": "Multifactor authentication required",
            "mfa_token": "Fe26.2**secret-mfa"
        }),
    )
    .await;
    let err = client(&server)
        .password_grant("ana", "pass")
        .realm("db")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_mfa_required());
    assert_eq!(
        err.mfa_token().unwrap().expose_secret(),
        "Fe26.2**secret-mfa"
    );
    for text in [
        err.to_string(),
        format!("{err:?}"),
        err.api().unwrap().body().redacted(),
    ] {
        assert!(!text.contains("secret-mfa"), "{text}");
    }
    // The raw body is still there, unchanged, for who asks for it.
    assert!(err.api().unwrap().body_text().contains("secret-mfa"));
}

#[tokio::test]
async fn html_500_is_kept_as_text() {
    let server = server().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let err = client(&server)
        .userinfo("at")
        .retry_policy(auth0_auth::http::RetryPolicy::disabled())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(err.error(), None);
    assert_eq!(err.api().unwrap().body_text(), html);
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn empty_body_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = client(&server).userinfo("at").send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(err.api().unwrap().body().is_empty());
    assert_eq!(err.to_string(), "userinfo answered 401 Unauthorized");
}

#[tokio::test]
async fn database_connection_error_shape() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/dbconnections/signup",
        400,
        json!({
            "name": "PasswordStrengthError", "message": "Password is too weak",
            "code": "invalid_password", "description": {"rules": [], "verified": false},
            "statusCode": 400
        }),
    )
    .await;
    let err = client(&server)
        .signup("ana@example.com", "weak", "db")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("invalid_password"));
    let api = err.api().unwrap();
    assert_eq!(api.error_code(), Some("invalid_password"));
    assert_eq!(api.error_description(), Some("Password is too weak"));
}

#[tokio::test]
async fn rate_limited_with_and_without_reset() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-reset", "1900000000")
                .set_body_json(json!({"error": "too_many_requests", "error_description": "Global limit has been reached"})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .client_credentials()
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Http(HttpError::RateLimited { reset, error }) => {
            assert_eq!(
                *reset,
                Some(UNIX_EPOCH + Duration::from_secs(1_900_000_000))
            );
            assert_eq!(error.error(), Some("too_many_requests"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    // A reset further off than the longest wait the policy allows is not waited for.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    for reset in [None, Some("not-a-number"), Some("99999999999999999999999")] {
        let server = crate::common::server().await;
        let mut template = ResponseTemplate::new(429);
        if let Some(r) = reset {
            template = template.insert_header("x-ratelimit-reset", r);
        }
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(template)
            .mount(&server)
            .await;
        let err = client(&server)
            .client_credentials()
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Http(HttpError::RateLimited { reset: None, .. })),
            "{err:?}"
        );
        assert_eq!(err.rate_limit_reset(), None);
    }
}

#[tokio::test]
async fn timeout_against_a_slow_server() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_answer())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.client_credentials().send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.source().is_some());

    // The per-request timeout overrides the client's.
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .build()
        .unwrap();
    let err = client
        .client_credentials()
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Http(HttpError::Timeout {
                operation: "oauth/token",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_failure() {
    // A port held for the whole test and never listened on: connections are refused.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = held.local_addr().unwrap().port();
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .client_id(CLIENT_ID)
        .retry_policy(auth0_auth::http::RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client.userinfo("at").send().await.unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Connection { .. })),
        "{err:?}"
    );
    assert!(err.source().is_some());
}

#[tokio::test]
async fn decode_error_names_the_path_and_hides_tokens() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/oauth/token",
        200,
        json!({"access_token": "at_leak", "expires_in": "soon"}),
    )
    .await;
    let err = client(&server)
        .client_credentials()
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Http(HttpError::Decode { path, body, .. }) => {
            assert_eq!(path, "expires_in");
            assert!(body.text().contains("at_leak"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(err.source().is_some());
    assert!(!format!("{err:?}").contains("at_leak"));
    assert!(!err.to_string().contains("at_leak"));

    // Not JSON at all.
    let server = crate::common::server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>ok</html>", "text/html"))
        .mount(&server)
        .await;
    let err = client(&server)
        .client_credentials()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http(HttpError::Decode { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn odd_answers_never_panic() {
    let bodies: Vec<(u16, &[u8])> = vec![
        (200, b""),
        (200, b"null"),
        (200, b"[]"),
        (200, b"{\"access_token\": 5}"),
        (400, b"\xff\xfe not utf-8"),
        (400, b"[\"error\"]"),
        (400, b"{\"error\": 42, \"error_description\": null}"),
        (404, b"{\"mfa_token\": {\"nested\": true}}"),
        (503, b"   "),
    ];
    for (status, body) in bodies {
        let server = crate::common::server().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(
                ResponseTemplate::new(status).set_body_raw(body.to_vec(), "application/json"),
            )
            .mount(&server)
            .await;
        let err = client(&server)
            .client_credentials()
            .send()
            .await
            .unwrap_err();
        let _ = (
            err.to_string(),
            format!("{err:?}"),
            err.status(),
            err.mfa_token(),
        );
    }
}

#[test]
fn configuration_errors() {
    assert!(matches!(
        Client::builder("tenant.example.com").build(),
        Err(Error::Config { .. })
    ));
    assert!(Client::builder("").client_id("c").build().is_err());
    assert!(
        Client::builder("t.example.com")
            .client_id("c")
            .client_secret_basic()
            .build()
            .is_err()
    );
    let err = Client::builder("t.example.com")
        .client_id("c")
        .client_assertion_signing_key("not a key", auth0_auth::AssertionAlgorithm::RS256)
        .build()
        .unwrap_err();
    assert!(err.source().is_some(), "{err:?}");
    assert!(
        Client::builder("t.example.com")
            .client_id("c")
            .client_secret("s")
            .client_assertion_signing_key(
                include_str!("../fixtures/rsa_private.pem"),
                auth0_auth::AssertionAlgorithm::RS256
            )
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = crate::common::server().await;
    answer(&elsewhere, "POST", "/oauth/token", 200, token_answer()).await;
    let server = crate::common::server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/oauth/token", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let target = format!("{}/oauth/token", elsewhere.uri());
    let err = client(&server)
        .client_credentials()
        .send()
        .await
        .unwrap_err();
    match &err {
        auth0_auth::Error::Http(auth0_auth::HttpError::Redirect { location, .. }) => {
            assert_eq!(location, &target)
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&target), "{err}");
    // A caller's client that follows redirects (reqwest's default does, re-sending the body
    // on 307/308) carries the secret no further either.
    for status in [307, 308, 302, 301] {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(status).insert_header("location", &target))
            .mount(&server)
            .await;
        let following = Client::builder(server.uri())
            .client_id("cid")
            .client_secret("the-client-secret")
            .http_client(reqwest::Client::new())
            .build()
            .unwrap();
        let err = following.client_credentials().send().await.unwrap_err();
        assert!(
            matches!(&err, auth0_auth::Error::Http(auth0_auth::HttpError::Redirect { location, .. }) if location.contains("/oauth/token")),
            "{status}: {err:?}"
        );
        for seen in elsewhere.received_requests().await.unwrap() {
            let body = String::from_utf8_lossy(&seen.body);
            assert!(!body.contains("the-client-secret"), "{status}: {body}");
            assert!(!seen.headers.contains_key("authorization"), "{status}");
        }
    }
}
