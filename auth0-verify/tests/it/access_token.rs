//! Access-token verification for APIs.

use auth0_verify::{
    AccessTokenVerifier, AsymmetricSignatureVerifier, SymmetricSignatureVerifier,
    TokenValidationError,
};
use serde_json::json;

use crate::common::*;

fn api_verifier() -> AccessTokenVerifier {
    AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API).with_clock(clock)
}

async fn rejects(v: &AccessTokenVerifier, claims: serde_json::Value, claim: &str) -> String {
    let err = v
        .verify(&hs256(&claims))
        .await
        .expect_err("token must be rejected");
    assert_eq!(err.claim(), Some(claim), "{err}");
    err.to_string()
}

#[tokio::test]
async fn a_valid_rs256_access_token_gives_scopes_and_permissions() {
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let v =
        AccessTokenVerifier::new(AsymmetricSignatureVerifier::new(url), ISS, API).with_clock(clock);
    let claims = v.verify(&rs256(&access_claims())).await.unwrap();
    assert_eq!(claims.sub.as_deref(), Some("auth0|user-1"));
    assert!(claims.has_scope("read:messages") && !claims.has_scope("read"));
    assert_eq!(claims.scopes().count(), 3);
    assert!(claims.has_permission("read:messages") && !claims.has_permission("write:messages"));
    claims
        .require_scopes(["read:messages", "write:messages"])
        .unwrap();
    let err = claims
        .require_scopes(["read:messages", "delete:messages"])
        .unwrap_err();
    assert_eq!(err.claim(), Some("scope"));
    assert!(
        err.to_string().contains("delete:messages") && err.to_string().contains("openid"),
        "{err}"
    );
    claims.require_permissions(["read:messages"]).unwrap();
    let err = claims.require_permissions(["write:messages"]).unwrap_err();
    assert_eq!(err.claim(), Some("permissions"));
}

#[tokio::test]
async fn issuer_audience_and_expiry_are_checked() {
    let v = api_verifier();
    assert!(v.verify(&hs256(&access_claims())).await.is_ok());
    rejects(
        &v,
        with(access_claims(), json!({"iss": "https://evil.test/"})),
        "iss",
    )
    .await;
    rejects(&v, with(access_claims(), json!({"iss": null})), "iss").await;
    let msg = rejects(
        &v,
        with(access_claims(), json!({"aud": "https://other.test"})),
        "aud",
    )
    .await;
    assert!(
        msg.contains(API) && msg.contains("https://other.test"),
        "{msg}"
    );
    rejects(&v, with(access_claims(), json!({"aud": null})), "aud").await;
    rejects(&v, with(access_claims(), json!({"exp": NOW - 61})), "exp").await;
    rejects(&v, with(access_claims(), json!({"exp": null})), "exp").await;
    assert!(
        v.verify(&hs256(&with(access_claims(), json!({"exp": NOW - 59}))))
            .await
            .is_ok()
    );
    rejects(&v, with(access_claims(), json!({"iat": NOW + 120})), "iat").await;
    // Optional claims stay optional but must be well typed.
    assert!(
        v.verify(&hs256(&with(
            access_claims(),
            json!({"iat": null, "sub": null, "scope": null})
        )))
        .await
        .is_ok()
    );
    rejects(
        &v,
        with(access_claims(), json!({"scope": ["read"]})),
        "scope",
    )
    .await;
    rejects(
        &v,
        with(access_claims(), json!({"permissions": "read"})),
        "permissions",
    )
    .await;
}

#[tokio::test]
async fn allowed_organizations() {
    let v = api_verifier().allowed_organizations(["org_123", "Globex"]);
    let by_id = with(access_claims(), json!({"org_id": "org_123"}));
    assert!(v.verify(&hs256(&by_id)).await.is_ok());
    let by_name = with(access_claims(), json!({"org_name": "globex"}));
    assert!(v.verify(&hs256(&by_name)).await.is_ok());
    let msg = rejects(
        &v,
        with(access_claims(), json!({"org_id": "org_999"})),
        "org_id",
    )
    .await;
    assert!(msg.contains("org_999") && msg.contains("org_123"), "{msg}");
    rejects(
        &v,
        with(access_claims(), json!({"org_name": "initech"})),
        "org_name",
    )
    .await;
    rejects(&v, access_claims(), "org_id").await;
    // Without an allow-list, organizations are not required.
    assert!(
        api_verifier()
            .verify(&hs256(&access_claims()))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn id_tokens_are_not_access_tokens_for_the_api() {
    let err = api_verifier()
        .verify(&hs256(&id_claims()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TokenValidationError::ClaimMismatch { claim: "aud", .. }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn several_issuers_each_with_its_keys_and_several_audiences() {
    const CUSTOM: &str = "https://login.example.test/";
    let (canonical_server, canonical) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let (custom_server, custom) = jwks_server(jwks(&[rsa_b_jwk()])).await;
    let v = AccessTokenVerifier::new(AsymmetricSignatureVerifier::new(canonical), ISS, API)
        .issuer(AsymmetricSignatureVerifier::new(custom), CUSTOM)
        .audience("https://second-api.example.test")
        .with_clock(clock);
    assert_eq!(v.issuers().collect::<Vec<_>>(), [ISS, CUSTOM]);
    let sign_b = |claims: &serde_json::Value| {
        sign(
            jsonwebtoken::Algorithm::RS256,
            Some("key-b"),
            &rsa_b(),
            claims,
        )
    };

    // Each issuer's tokens, checked with that issuer's keys.
    v.verify(&rs256(&access_claims())).await.unwrap();
    let custom_claims = with(access_claims(), json!({"iss": CUSTOM}));
    assert_eq!(v.verify(&sign_b(&custom_claims)).await.unwrap().iss, CUSTOM);
    assert_eq!(hits(&canonical_server).await, 1);
    assert_eq!(hits(&custom_server).await, 1, "one key cache per issuer");

    // A token naming one issuer and signed by the other's key fails.
    let crossed = rs256(&custom_claims);
    assert!(v.verify(&crossed).await.is_err());
    // An issuer not configured fails on `iss`, naming the accepted ones.
    let stranger = with(access_claims(), json!({"iss": "https://evil.example/"}));
    let err = v.verify(&rs256(&stranger)).await.unwrap_err();
    assert_eq!(err.claim(), Some("iss"), "{err}");
    assert!(err.to_string().contains(CUSTOM), "{err}");

    // Any of the audiences.
    let second = with(
        access_claims(),
        json!({"aud": "https://second-api.example.test"}),
    );
    v.verify(&rs256(&second)).await.unwrap();
    let neither = with(
        access_claims(),
        json!({"aud": "https://third.example.test"}),
    );
    let err = v.verify(&rs256(&neither)).await.unwrap_err();
    assert_eq!(err.claim(), Some("aud"), "{err}");
}

#[tokio::test]
async fn the_verified_token_cache_never_serves_a_token_past_its_exp() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let now = Arc::new(AtomicU64::new(NOW as u64));
    let clock_now = Arc::clone(&now);
    let v = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API)
        .with_clock(move || {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(clock_now.load(Ordering::SeqCst))
        })
        .cache(100);
    let token = hs256(&with(access_claims(), json!({"exp": NOW + 100})));
    let first = v.verify(&token).await.unwrap();
    let again = v.verify(&token).await.unwrap();
    assert_eq!(first.sub, again.sub);
    // Another text (a tampered signature) is never taken from the cache.
    let tampered = format!("{}x", token);
    assert!(v.verify(&tampered).await.is_err());
    // At `exp` the cache no longer answers; the verifier's leeway still applies.
    now.store((NOW + 100) as u64, Ordering::SeqCst);
    v.verify(&token).await.unwrap();
    now.store((NOW + 100 + 61) as u64, Ordering::SeqCst);
    let err = v.verify(&token).await.unwrap_err();
    assert!(matches!(err, TokenValidationError::Expired { .. }), "{err}");
}

#[tokio::test]
async fn a_repeated_token_is_checked_once_with_the_cache() {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    // A key cache that keeps nothing: every signature check fetches the keys again.
    let keys =
        || AsymmetricSignatureVerifier::new(url.clone()).cache_ttl(std::time::Duration::ZERO);
    let token = rs256(&access_claims());
    let uncached = AccessTokenVerifier::new(keys(), ISS, API).with_clock(clock);
    for _ in 0..3 {
        uncached.verify(&token).await.unwrap();
    }
    let fetches = hits(&server).await;
    assert!(fetches >= 3, "{fetches}");
    let cached = AccessTokenVerifier::new(keys(), ISS, API)
        .with_clock(clock)
        .cache(10);
    for _ in 0..3 {
        cached.verify(&token).await.unwrap();
    }
    assert_eq!(
        hits(&server).await,
        fetches + 1,
        "one check, then the cache"
    );
}
