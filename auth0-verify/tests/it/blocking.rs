//! The blocking verifiers.

use auth0_verify::blocking::{AccessTokenVerifier, TokenVerifier};
use auth0_verify::{AsymmetricSignatureVerifier, TokenValidationError, VerifyOptions};

use crate::common::*;

#[test]
fn blocking_verifiers_fetch_the_jwks_and_verify() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (server, url) = rt.block_on(jwks_server(jwks(&[rsa_a_jwk()])));
    let keys = AsymmetricSignatureVerifier::new(url);
    let id = TokenVerifier::new(keys.clone(), ISS, AUD).with_clock(clock);
    let claims = id
        .verify(
            &rs256(&id_claims()),
            &VerifyOptions::default().nonce("nonce-1"),
        )
        .unwrap();
    assert_eq!(claims.sub, "auth0|user-1");
    let err = id
        .verify(&rs256(&id_claims()), &VerifyOptions::default().nonce("x"))
        .unwrap_err();
    assert!(matches!(
        err,
        TokenValidationError::ClaimMismatch { claim: "nonce", .. }
    ));

    let api = AccessTokenVerifier::new(keys, ISS, API)
        .with_clock(clock)
        .allowed_organizations(["org_1"]);
    let token = rs256(&with(
        access_claims(),
        serde_json::json!({"org_id": "org_1"}),
    ));
    api.verify(&token).unwrap();
    assert_eq!(rt.block_on(hits(&server)), 1, "the key cache is shared");
    drop(id);
    drop(api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_verifiers_work_from_spawn_blocking_and_drop_in_async_code() {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let id = TokenVerifier::new(AsymmetricSignatureVerifier::new(url), ISS, AUD).with_clock(clock);
    let id = tokio::task::spawn_blocking(move || {
        id.verify(&rs256(&id_claims()), &VerifyOptions::default())
            .unwrap();
        id
    })
    .await
    .unwrap();
    assert_eq!(hits(&server).await, 1);
    drop(id); // Must not panic inside the runtime.
}

#[test]
fn the_blocking_access_token_verifier_shares_the_verified_token_cache() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (server, url) = rt.block_on(jwks_server(jwks(&[rsa_a_jwk()])));
    // A key cache that keeps nothing: every signature check fetches the keys.
    let keys = AsymmetricSignatureVerifier::new(url)
        .cache_ttl(std::time::Duration::ZERO)
        .refetch_cooldown(std::time::Duration::ZERO);
    let async_verifier = auth0_verify::AccessTokenVerifier::new(keys, ISS, API)
        .with_clock(clock)
        .cache(10);
    let api = AccessTokenVerifier::from(async_verifier.clone());
    let token = rs256(&access_claims());
    let claims = api.verify(&token).unwrap();
    assert_eq!(claims.sub.as_deref(), Some("auth0|user-1"));
    assert_eq!(rt.block_on(hits(&server)), 1, "checked once");
    for _ in 0..3 {
        api.verify(&token).unwrap();
    }
    // The async verifier it was made from answers from the same cache.
    rt.block_on(async_verifier.verify(&token)).unwrap();
    assert_eq!(rt.block_on(hits(&server)), 1, "then answered by the cache");
    let other = rs256(&with(
        access_claims(),
        serde_json::json!({"sub": "auth0|user-2"}),
    ));
    api.verify(&other).unwrap();
    assert_eq!(rt.block_on(hits(&server)), 2, "another token is checked");
    drop(api);
}
