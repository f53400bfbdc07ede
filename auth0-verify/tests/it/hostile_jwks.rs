//! Hostile JWKS answers: whatever the server sends, verification fails cleanly, never panics
//! and never accepts the token.

use std::time::Duration;

use auth0_verify::{
    AsymmetricSignatureVerifier, TokenValidationError, TokenVerifier, VerifyOptions,
};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn serve(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

/// Verifies a valid RS256 token against `keys` and returns the error it must end with.
async fn fails(keys: AsymmetricSignatureVerifier) -> TokenValidationError {
    let v = TokenVerifier::new(keys, ISS, AUD).with_clock(clock);
    // The spawned task turns a panic into a test failure that names it.
    let token = rs256(&id_claims());
    tokio::spawn(async move { v.verify(&token, &VerifyOptions::default()).await })
        .await
        .expect("verification panicked")
        .expect_err("a hostile JWKS must never verify a token")
}

fn rate_limited(name: &str, value: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header(name, value)
}

#[tokio::test]
async fn huge_server_waits_give_up_instead_of_overflowing() {
    for answer in [
        rate_limited("Retry-After", "18446744073709551615"),
        rate_limited("X-RateLimit-Reset", "18446744073709551615"),
        ResponseTemplate::new(503).insert_header("Retry-After", "18446744073709551615"),
    ] {
        let server = serve(answer).await;
        let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
        assert!(
            matches!(&err, TokenValidationError::Jwks(e) if e.status().is_some()),
            "{err}"
        );
        // The wait ends after the deadline, so no retry is made.
        assert_eq!(hits(&server).await, 1);
    }
}

#[tokio::test]
async fn an_unbounded_timeout_does_not_overflow() {
    let server = serve(rate_limited("Retry-After", "18446744073709551615")).await;
    let keys = AsymmetricSignatureVerifier::new(jwks_url(&server))
        .timeout(Duration::MAX)
        .retries(u32::MAX);
    let err = fails(keys).await;
    assert!(
        matches!(&err, TokenValidationError::Jwks(e) if e.status() == Some(429)),
        "{err}"
    );

    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url).timeout(Duration::MAX);
    TokenVerifier::new(keys, ISS, AUD)
        .with_clock(clock)
        .verify(&rs256(&id_claims()), &VerifyOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn garbage_wait_headers_fall_back_to_backoff() {
    for (name, value) in [
        ("Retry-After", "soon"),
        ("Retry-After", "-5"),
        ("Retry-After", "1e9"),
        ("Retry-After", "99999999999999999999999999"),
        ("Retry-After", "Wed, 99 Foo 99999 99:99:99 GMT"),
        ("Retry-After", ""),
        ("X-RateLimit-Reset", "-1"),
        ("X-RateLimit-Reset", "0x10"),
    ] {
        let server = serve(rate_limited(name, value)).await;
        let keys = AsymmetricSignatureVerifier::new(jwks_url(&server)).retries(1);
        let err = fails(keys).await;
        assert!(
            matches!(&err, TokenValidationError::Jwks(e) if e.status() == Some(429)),
            "{name}: {value:?}: {err}"
        );
    }
    // A header that is not even text.
    let answer = ResponseTemplate::new(429).append_header(
        "Retry-After",
        reqwest::header::HeaderValue::from_bytes(b"\xff\xfe1").unwrap(),
    );
    let server = serve(answer).await;
    let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server)).retries(1)).await;
    assert!(matches!(&err, TokenValidationError::Jwks(_)), "{err}");
}

#[tokio::test]
async fn bodies_that_are_not_a_key_set_are_decode_errors() {
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"<html>not json</html>".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        b"{\"keys\": [".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{\"keys\": \"RSA\"}".to_vec(),
        b"{\"keys\": {\"kty\": \"RSA\"}}".to_vec(),
        b"{\"keys\": null}".to_vec(),
    ];
    for body in bodies {
        let server =
            serve(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json")).await;
        let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
        assert!(
            matches!(&err, TokenValidationError::Jwks(_)),
            "{}: {err}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn keys_with_wrong_json_types_are_skipped() {
    let good = rsa_a_jwk();
    let mut variants: Vec<Value> = vec![
        json!(1),
        json!(null),
        json!("RSA"),
        json!([good.clone()]),
        json!({}),
        json!({"kty": 5}),
        json!({"kty": null}),
        json!({"kty": "RSA", "kid": "key-a"}),
        json!({"kty": "RSA", "kid": "key-a", "n": [], "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "key-a", "n": "!!!", "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "key-a", "n": "", "e": ""}),
        json!({"kty": "RSA", "kid": "key-a", "x5c": "MIIB"}),
        json!({"kty": "RSA", "kid": "key-a", "x5c": [1, 2]}),
        json!({"kty": "RSA", "kid": "key-a", "x5c": ["bm90IGEgY2VydGlmaWNhdGU"]}),
        json!({"kty": "EC", "kid": "key-a", "crv": "P-256", "x": 1, "y": 2}),
        json!({"kty": "EC", "kid": "key-a", "crv": "P-256", "x": "AAAA", "y": "AAAA"}),
        json!({"kty": "EC", "kid": "key-a", "crv": ["P-256"]}),
    ];
    for field in ["kid", "use", "alg", "n", "e"] {
        for wrong in [json!(1), json!(true), json!({}), json!([])] {
            let mut key = good.clone();
            key[field] = wrong;
            variants.push(key);
        }
    }
    // The right modulus with the wrong exponent: parsed, but never verifies.
    let mut wrong_e = good.clone();
    wrong_e["e"] = json!("Aw");
    variants.push(wrong_e);
    for key in variants {
        let server =
            serve(ResponseTemplate::new(200).set_body_json(json!({ "keys": [key.clone()] }))).await;
        let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
        assert!(
            matches!(
                err,
                TokenValidationError::Jwks(_)
                    | TokenValidationError::InvalidSignature { .. }
                    | TokenValidationError::UnknownKey { .. }
                    | TokenValidationError::UnusableKey { .. }
            ),
            "{key}: {err}"
        );
    }
}

#[tokio::test]
async fn huge_bodies_are_refused() {
    // Declared by Content-Length.
    let big = vec![b' '; 4 * 1024 * 1024];
    let server = serve(ResponseTemplate::new(200).set_body_raw(big, "application/json")).await;
    let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
    assert!(err.to_string().contains("found more"), "{err}");

    // A valid set padded with a huge member.
    let mut set = jwks(&[rsa_a_jwk()]);
    set["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let server = serve(ResponseTemplate::new(200).set_body_json(set)).await;
    let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
    assert!(err.to_string().contains("found more"), "{err}");

    // Many keys, each unusable.
    let keys: Vec<Value> = (0..5000)
        .map(|i| json!({"kty": "RSA", "kid": format!("k{i}"), "n": "AQAB", "e": "AQAB"}))
        .collect();
    let server = serve(ResponseTemplate::new(200).set_body_json(json!({ "keys": keys }))).await;
    let err = fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
    assert!(matches!(&err, TokenValidationError::Jwks(_)), "{err}");
}

#[tokio::test]
async fn keys_are_never_taken_from_where_a_redirect_points() {
    // The attacker's server publishes the key the token is signed with.
    let (_attacker, attacker_url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    for status in [301, 302, 307, 308] {
        let tenant =
            serve(ResponseTemplate::new(status).insert_header("location", &attacker_url)).await;
        for keys in [
            AsymmetricSignatureVerifier::new(jwks_url(&tenant)),
            // A caller's client that follows redirects (reqwest's default).
            AsymmetricSignatureVerifier::new(jwks_url(&tenant)).http_client(reqwest::Client::new()),
        ] {
            let err = fails(keys).await;
            let text = err.to_string();
            assert!(
                matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, auth0_verify::JwksError::Redirect { .. })),
                "{status}: {err:?}"
            );
            assert!(text.contains("redirected"), "{status}: {text}");
        }
    }
}

#[tokio::test]
async fn keys_are_fetched_over_https_unless_from_this_machine() {
    for url in [
        "http://tenant.example/.well-known/jwks.json",
        "http://10.0.0.1/.well-known/jwks.json",
        "ftp://tenant.example/jwks.json",
        "not a url",
    ] {
        let err = fails(AsymmetricSignatureVerifier::new(url)).await;
        assert!(
            matches!(&err, TokenValidationError::Jwks(e) if matches!(**e, auth0_verify::JwksError::InvalidUrl { .. })),
            "{url}: {err:?}"
        );
    }
    // Loopback over http is the local stand-in's case, and works.
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    assert!(url.starts_with("http://127.0.0.1"));
    TokenVerifier::new(AsymmetricSignatureVerifier::new(url), ISS, AUD)
        .with_clock(clock)
        .verify(&rs256(&id_claims()), &VerifyOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn only_the_one_retry_rule_applies_to_key_fetches() {
    // A 500 is not one a repeat could cure: one request.
    let server = serve(ResponseTemplate::new(500)).await;
    fails(AsymmetricSignatureVerifier::new(jwks_url(&server))).await;
    assert_eq!(hits(&server).await, 1);
    // A 503 is, within the retries, on the verifier's clock.
    let server = serve(ResponseTemplate::new(503).insert_header("retry-after", "3")).await;
    let clock = auth0_http::ManualClock::new();
    fails(AsymmetricSignatureVerifier::new(jwks_url(&server)).clock(clock.shared())).await;
    assert_eq!(hits(&server).await, 3);
    assert_eq!(clock.slept().len(), 2);
    assert!(clock.slept().iter().all(|w| *w >= Duration::from_secs(3)));
}
