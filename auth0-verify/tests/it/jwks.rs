//! JWKS fetching and caching against a local server.

use std::sync::Arc;
use std::time::Duration;

use auth0_http::{Clock as _, ManualClock};

use auth0_verify::{
    Algorithm, AsymmetricSignatureVerifier, HttpSettings, JwksError, TokenValidationError,
    TokenVerifier, VerifyOptions,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

fn verifier(keys: AsymmetricSignatureVerifier) -> TokenVerifier {
    TokenVerifier::new(keys, ISS, AUD).with_clock(clock)
}

async fn check(v: &TokenVerifier, token: &str) -> Result<(), TokenValidationError> {
    v.verify(token, &VerifyOptions::default()).await.map(|_| ())
}

fn token_b() -> String {
    sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-b"),
        &rsa_b(),
        &id_claims(),
    )
}

/// A server whose JWKS is `first` for the first `n` requests, then `then`.
async fn changing_server(first: ResponseTemplate, n: u64, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(first)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(then)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn the_key_set_is_fetched_once_and_cached() {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let v = verifier(AsymmetricSignatureVerifier::new(url));
    for _ in 0..5 {
        check(&v, &rs256(&id_claims())).await.unwrap();
    }
    assert_eq!(hits(&server).await, 1);
    // Clones share the cache.
    check(&v.clone(), &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn the_key_set_is_fetched_again_at_the_end_of_its_ttl() {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let clock = ManualClock::new();
    let v = verifier(
        AsymmetricSignatureVerifier::new(url)
            .cache_ttl(Duration::from_secs(200))
            .clock(clock.shared()),
    );
    check(&v, &rs256(&id_claims())).await.unwrap();
    clock.advance(Duration::from_secs(200) - Duration::from_millis(1));
    check(&v, &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 1, "fresh until its TTL ends");
    clock.advance(Duration::from_millis(1));
    check(&v, &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 2, "fetched again once it has");
    check(&v, &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 2, "and fresh again");
}

#[tokio::test]
async fn a_zero_ttl_fetches_for_every_token_and_still_verifies() {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let v = verifier(
        AsymmetricSignatureVerifier::new(url)
            .cache_ttl(Duration::ZERO)
            .refetch_cooldown(Duration::ZERO),
    );
    for _ in 0..3 {
        check(&v, &rs256(&id_claims())).await.unwrap();
    }
    assert_eq!(hits(&server).await, 3);
}

#[tokio::test]
async fn a_retry_after_date_is_waited_for() {
    let clock = ManualClock::new();
    let at = clock.system_time() + Duration::from_secs(2);
    let date = httpdate::fmt_http_date(at);
    let server = changing_server(
        ResponseTemplate::new(429).insert_header("Retry-After", date.as_str()),
        1,
        ok(jwks(&[rsa_a_jwk()])),
    )
    .await;
    let v = verifier(AsymmetricSignatureVerifier::new(jwks_url(&server)).clock(clock.shared()));
    check(&v, &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 2);
    // One wait, until the date: HTTP dates have whole seconds, so between the one second left
    // after rounding and the two asked for, plus the jitter added to a server's wait (at most a
    // quarter of the JWKS fetch's base delay of 100 ms).
    let slept = clock.slept();
    assert_eq!(slept.len(), 1, "{slept:?}");
    assert!(
        slept[0] > Duration::from_secs(1)
            && slept[0] <= Duration::from_secs(2) + Duration::from_millis(100) / 4,
        "{slept:?}"
    );
}

#[tokio::test]
async fn an_unknown_kid_refetches_at_most_once_per_cooldown() {
    // Rotation: key-b appears on the second fetch.
    let server = changing_server(
        ok(jwks(&[rsa_a_jwk()])),
        1,
        ok(jwks(&[rsa_a_jwk(), rsa_b_jwk()])),
    )
    .await;
    let clock = ManualClock::new();
    let cooldown = Duration::from_secs(30);
    let v = verifier(
        AsymmetricSignatureVerifier::new(jwks_url(&server))
            .refetch_cooldown(cooldown)
            .clock(clock.shared()),
    );
    check(&v, &rs256(&id_claims())).await.unwrap();
    // Right after a fetch, an unknown kid waits for the cooldown.
    let err = check(&v, &token_b()).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnknownKey { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("key-a") && err.to_string().contains("key-b"),
        "{err}"
    );
    assert_eq!(hits(&server).await, 1);
    clock.advance(cooldown - Duration::from_millis(1));
    assert!(check(&v, &token_b()).await.is_err());
    assert_eq!(hits(&server).await, 1, "still within the cooldown");
    clock.advance(Duration::from_millis(1));
    check(&v, &token_b()).await.unwrap();
    assert_eq!(hits(&server).await, 2);

    // Many unknown kids within one cooldown: at most one more fetch.
    clock.advance(cooldown);
    for i in 0..10 {
        let token = sign(
            jsonwebtoken::Algorithm::RS256,
            Some(&format!("gone-{i}")),
            &rsa_a(),
            &id_claims(),
        );
        let err = check(&v, &token).await.unwrap_err();
        assert!(
            matches!(err, TokenValidationError::UnknownKey { .. }),
            "{err}"
        );
    }
    assert_eq!(hits(&server).await, 3);
    check(&v, &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_fetch() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ok(jwks(&[rsa_a_jwk()])).set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    let v = verifier(AsymmetricSignatureVerifier::new(jwks_url(&server)));
    let token = Arc::new(rs256(&id_claims()));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (v, token) = (v.clone(), Arc::clone(&token));
            tokio::spawn(async move { check(&v, &token).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn a_failing_endpoint_gives_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(&server)
        .await;
    let v = verifier(AsymmetricSignatureVerifier::new(jwks_url(&server)).retries(1));
    let err = check(&v, &rs256(&id_claims())).await.unwrap_err();
    let TokenValidationError::Jwks(jwks_err) = &err else {
        panic!("{err}")
    };
    assert_eq!(jwks_err.status(), Some(503));
    let msg = err.to_string();
    assert!(
        msg.contains("503") && msg.contains("upstream down") && msg.contains(&jwks_url(&server)),
        "{msg}"
    );
    assert_eq!(hits(&server).await, 2, "one retry");
    // The error is reused briefly instead of hammering the endpoint.
    assert!(check(&v, &rs256(&id_claims())).await.is_err());
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn a_good_key_set_keeps_working_until_its_ttl_when_the_endpoint_fails() {
    let server = changing_server(ok(jwks(&[rsa_a_jwk()])), 1, ResponseTemplate::new(500)).await;
    let clock = ManualClock::new();
    let v = verifier(
        AsymmetricSignatureVerifier::new(jwks_url(&server))
            .cache_ttl(Duration::from_secs(600))
            .refetch_cooldown(Duration::ZERO)
            .retries(0)
            .clock(clock.shared()),
    );
    check(&v, &rs256(&id_claims())).await.unwrap();
    // An unknown kid makes a refetch that fails; the cached set is kept.
    assert!(matches!(
        check(&v, &token_b()).await,
        Err(TokenValidationError::UnknownKey { .. })
    ));
    assert_eq!(hits(&server).await, 2);
    clock.advance(Duration::from_secs(600) - Duration::from_millis(1));
    check(&v, &rs256(&id_claims())).await.unwrap();
    // After the TTL the failure shows.
    clock.advance(Duration::from_millis(1));
    let err = check(&v, &rs256(&id_claims())).await.unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if e.status() == Some(500)),
        "{err}"
    );
}

#[tokio::test]
async fn the_fetch_has_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok(jwks(&[rsa_a_jwk()])).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let v = verifier(
        AsymmetricSignatureVerifier::new(jwks_url(&server)).timeout(Duration::from_millis(300)),
    );
    // The server would answer after 5 s: the fetch gives up at its timeout instead.
    let err = check(&v, &rs256(&id_claims())).await.unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, JwksError::Timeout { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_connect_error() {
    // A port held for the whole test and never listened on: connections are refused.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}/jwks.json", held.local_addr().unwrap());
    let v = verifier(AsymmetricSignatureVerifier::new(url).retries(0));
    let err = check(&v, &rs256(&id_claims())).await.unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, JwksError::Connect { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn rate_limits_are_retried() {
    let server = changing_server(
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        1,
        ok(jwks(&[rsa_a_jwk()])),
    )
    .await;
    let v = verifier(AsymmetricSignatureVerifier::new(jwks_url(&server)));
    check(&v, &rs256(&id_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn bad_bodies_are_reported() {
    let (_s, url) = jwks_server(json!({"not": "a key set"})).await;
    let err = check(
        &verifier(AsymmetricSignatureVerifier::new(url)),
        &rs256(&id_claims()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, JwksError::Decode { .. })),
        "{err}"
    );

    let unusable = json!({"kty": "oct", "kid": "k", "k": "c2VjcmV0"});
    let (_s, url) = jwks_server(jwks(&[unusable])).await;
    let err = check(
        &verifier(AsymmetricSignatureVerifier::new(url)),
        &rs256(&id_claims()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, JwksError::NoUsableKeys { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("symmetric"), "{err}");
}

#[tokio::test]
async fn unusable_keys_are_named_when_a_token_asks_for_them() {
    let mut enc = rsa_b_jwk();
    enc["kid"] = json!("key-enc");
    enc["use"] = json!("enc");
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk(), enc])).await;
    let token = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-enc"),
        &rsa_b(),
        &id_claims(),
    );
    let err = check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnusableKey { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"enc\""), "{err}");
}

#[tokio::test]
async fn a_key_whose_operations_exclude_verify_never_verifies() {
    for ops in [json!(["encrypt", "wrapKey"]), json!([]), json!(["sign"])] {
        let mut key = rsa_b_jwk();
        key["kid"] = json!("key-ops");
        key.as_object_mut().unwrap().remove("use");
        key["key_ops"] = ops.clone();
        let (_s, url) = jwks_server(jwks(&[rsa_a_jwk(), key])).await;
        let token = sign(
            jsonwebtoken::Algorithm::RS256,
            Some("key-ops"),
            &rsa_b(),
            &id_claims(),
        );
        let err = check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
            .await
            .unwrap_err();
        assert!(
            matches!(err, TokenValidationError::UnusableKey { .. }),
            "{ops}: {err}"
        );
        assert!(err.to_string().contains("key_ops"), "{err}");
    }
    // Listing `verify` is fine.
    let mut key = rsa_b_jwk();
    key["key_ops"] = json!(["verify"]);
    let (_s, url) = jwks_server(jwks(&[key])).await;
    let token = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-b"),
        &rsa_b(),
        &id_claims(),
    );
    check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
        .await
        .unwrap();
}

#[tokio::test]
async fn x5c_only_keys_are_used() {
    let der: String = RSA_B_CERT
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = json!({"kty": "RSA", "kid": "key-b", "use": "sig", "alg": "RS256", "x5c": [der]});
    let (_s, url) = jwks_server(jwks(&[key])).await;
    let v = verifier(AsymmetricSignatureVerifier::new(url));
    check(&v, &token_b()).await.unwrap();
    // And the certificate's key is the only one that verifies.
    let wrong = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-b"),
        &rsa_a(),
        &id_claims(),
    );
    assert!(matches!(
        check(&v, &wrong).await,
        Err(TokenValidationError::InvalidSignature { .. })
    ));
}

#[tokio::test]
async fn a_broken_x5c_is_rejected_clearly() {
    let key = json!({"kty": "RSA", "kid": "key-b", "x5c": ["not base64!"]});
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk(), key])).await;
    let err = check(&verifier(AsymmetricSignatureVerifier::new(url)), &token_b())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnusableKey { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("x5c"), "{err}");
}

#[tokio::test]
async fn a_token_without_kid_uses_the_only_key() {
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let token = sign(jsonwebtoken::Algorithm::RS256, None, &rsa_a(), &id_claims());
    check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
        .await
        .unwrap();

    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk(), rsa_b_jwk()])).await;
    let err = check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnknownKey { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("2 signing keys"), "{err}");
}

#[tokio::test]
async fn small_rsa_keys_are_refused() {
    let mut small = rsa_a_jwk();
    small["kid"] = json!("small");
    small["n"] = json!("AQAB".repeat(10));
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk(), small])).await;
    let token = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("small"),
        &rsa_a(),
        &id_claims(),
    );
    let err = check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2048"), "{err}");
}

#[tokio::test]
async fn small_rsa_keys_in_x5c_are_refused() {
    let der: String = include_str!("../fixtures/rsa_1024.cert.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let small = json!({"kty": "RSA", "kid": "small", "x5c": [der]});
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk(), small])).await;
    let token = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("small"),
        &rsa_a(),
        &id_claims(),
    );
    let err = check(&verifier(AsymmetricSignatureVerifier::new(url)), &token)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnusableKey { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("at least 2048 bits, found 1024"),
        "{err}"
    );
}

#[tokio::test]
async fn the_http_client_is_injectable_and_telemetry_can_be_off() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-test-client", "yes"))
        .respond_with(ok(jwks(&[rsa_a_jwk()])))
        .mount(&server)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-test-client", "yes".parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let v = verifier(
        AsymmetricSignatureVerifier::new(jwks_url(&server))
            .http_client(client)
            .telemetry(false),
    );
    check(&v, &rs256(&id_claims())).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("auth0-client").is_none());
}

#[tokio::test]
async fn the_sdk_settings_mean_for_the_key_fetch_what_they_mean_for_every_client() {
    // A retry policy given whole: no retries, so a 503 is the answer.
    let server = changing_server(ResponseTemplate::new(503), 1, ok(jwks(&[rsa_a_jwk()]))).await;
    let settings = HttpSettings::default()
        .retry_policy(auth0_http::RetryPolicy::disabled())
        .telemetry_info(auth0_http::Telemetry::new("my-sdk", "9.9.9"));
    let keys = AsymmetricSignatureVerifier::new(jwks_url(&server)).http_settings(&settings);
    let err = keys.refresh().await.unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(hits(&server).await, 1);
    let requests = server.received_requests().await.unwrap();
    let telemetry = requests[0]
        .headers
        .get("auth0-client")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        telemetry,
        auth0_http::Telemetry::new("my-sdk", "9.9.9")
            .header_value()
            .to_str()
            .unwrap()
    );
    // The next fetch gets the key set.
    keys.refresh().await.unwrap();

    // The body cap, and telemetry off.
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk(), rsa_b_jwk()])).await;
    let small = HttpSettings::default().max_body_size(64).telemetry(false);
    let err = AsymmetricSignatureVerifier::new(url.clone())
        .http_settings(&small)
        .refresh()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, JwksError::TooLarge { limit: 64, .. })),
        "{err}"
    );
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("auth0-client").is_none());
    AsymmetricSignatureVerifier::new(url)
        .http_settings(&HttpSettings::default())
        .refresh()
        .await
        .unwrap();
}

#[tokio::test]
async fn telemetry_names_the_library() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_exists("auth0-client"))
        .respond_with(ok(jwks(&[rsa_a_jwk()])))
        .mount(&server)
        .await;
    let keys = AsymmetricSignatureVerifier::new(jwks_url(&server));
    keys.refresh().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let value = requests[0]
        .headers
        .get("auth0-client")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .unwrap();
    let json: Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(json["name"], "auth0-rust");
    assert_eq!(json["env"]["crate"], "auth0-verify");
}

#[tokio::test]
async fn ec_keys_verify_es256() {
    let ec = jwk(&ec_p256(), jsonwebtoken::Algorithm::ES256, "key-ec", true);
    let (_s, url) = jwks_server(jwks(&[ec])).await;
    let v = verifier(AsymmetricSignatureVerifier::new(url).algorithms([Algorithm::ES256]));
    let token = sign(
        jsonwebtoken::Algorithm::ES256,
        Some("key-ec"),
        &ec_p256(),
        &id_claims(),
    );
    check(&v, &token).await.unwrap();
    let mut tampered = token.clone().into_bytes();
    let i = tampered.len() - 5;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(matches!(
        check(&v, &tampered).await,
        Err(TokenValidationError::InvalidSignature { .. })
    ));
}
