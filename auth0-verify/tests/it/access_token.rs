//! Access-token verification for APIs.

use auth0_verify::{
    AccessTokenVerifier, AsymmetricSignatureVerifier, SymmetricSignatureVerifier,
    TokenValidationError, VerifyOptions,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// A clock the test moves: seconds since the epoch.
fn movable_clock() -> (
    Arc<AtomicI64>,
    impl Fn() -> SystemTime + Send + Sync + 'static,
) {
    let now = Arc::new(AtomicI64::new(NOW));
    let read = Arc::clone(&now);
    (now, move || {
        UNIX_EPOCH + Duration::from_secs(read.load(Ordering::SeqCst) as u64)
    })
}

/// A JWKS server and keys that keep nothing: every signature check fetches the key set, so
/// the server's count of requests tells checked tokens from answers of the verified-token
/// cache.
async fn counted_keys() -> (wiremock::MockServer, AsymmetricSignatureVerifier) {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url)
        .cache_ttl(Duration::ZERO)
        .refetch_cooldown(Duration::ZERO);
    (server, keys)
}

#[tokio::test]
async fn the_verified_token_cache_answers_until_exp_and_never_at_or_after_it() {
    const EXP: i64 = NOW + 100;
    let (server, keys) = counted_keys().await;
    let (now, clock) = movable_clock();
    let v = AccessTokenVerifier::new(keys, ISS, API)
        .with_clock(clock)
        .cache(100);
    let token = rs256(&with(access_claims(), json!({"exp": EXP})));

    v.verify(&token).await.unwrap();
    assert_eq!(hits(&server).await, 1, "checked once");
    v.verify(&token).await.unwrap();
    now.store(EXP - 1, Ordering::SeqCst);
    let cached = v.verify(&token).await.unwrap();
    assert_eq!(cached.exp, EXP);
    assert_eq!(
        hits(&server).await,
        1,
        "then answered by the cache until exp"
    );

    // Another text (a tampered signature) is never taken from the cache.
    assert!(v.verify(&format!("{token}x")).await.is_err());

    // At `exp` exactly, and after it, every answer is a full check (within the leeway, an
    // accepted one), and none is remembered.
    let before = hits(&server).await;
    now.store(EXP, Ordering::SeqCst);
    v.verify(&token).await.unwrap();
    assert_eq!(
        hits(&server).await,
        before + 1,
        "at exp: checked, not cached"
    );
    v.verify(&token).await.unwrap();
    assert_eq!(
        hits(&server).await,
        before + 2,
        "at exp: not remembered either"
    );
    now.store(EXP + 1, Ordering::SeqCst);
    v.verify(&token).await.unwrap();
    assert_eq!(hits(&server).await, before + 3, "after exp: checked");
    now.store(EXP + 61, Ordering::SeqCst);
    let err = v.verify(&token).await.unwrap_err();
    assert!(matches!(err, TokenValidationError::Expired { .. }), "{err}");
}

#[tokio::test]
async fn an_unchanged_clone_shares_the_verified_token_cache() {
    let (server, keys) = counted_keys().await;
    let v = AccessTokenVerifier::new(keys, ISS, API)
        .with_clock(clock)
        .cache(10);
    let token = rs256(&access_claims());
    v.verify(&token).await.unwrap();
    v.clone().verify(&token).await.unwrap();
    assert_eq!(hits(&server).await, 1);
}

/// `token` is accepted by one of `original` and `change(original)` (a clone with one setting
/// changed) and refused by the other (`accepted_by_changed` says which), whichever verifies
/// first with a verified-token cache: a verdict cached under one configuration never answers
/// for another.
async fn verdicts_stay_apart(
    original: &AccessTokenVerifier,
    change: impl Fn(AccessTokenVerifier) -> AccessTokenVerifier,
    token: &str,
    accepted_by_changed: bool,
    what: &str,
) {
    for changed_first in [true, false] {
        let original = original.clone().cache(100);
        let changed = change(original.clone());
        let (by_changed, by_original) = if changed_first {
            let c = changed.verify(token).await.is_ok();
            (c, original.verify(token).await.is_ok())
        } else {
            let o = original.verify(token).await.is_ok();
            (changed.verify(token).await.is_ok(), o)
        };
        assert_eq!(
            (by_changed, by_original),
            (accepted_by_changed, !accepted_by_changed),
            "{what} (the changed clone first: {changed_first})"
        );
    }
}

#[tokio::test]
async fn a_clone_with_other_settings_never_shares_cached_verdicts() {
    const OTHER_ISS: &str = "https://other-tenant.example.test/";
    const OTHER_SECRET: &str = "another-tenant-secret";
    const OTHER_API: &str = "https://other-api.example.test";
    let original = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API)
        .with_clock(clock);
    let plain = hs256(&access_claims());

    // Another audience.
    let other_api = hs256(&with(access_claims(), json!({"aud": OTHER_API})));
    verdicts_stay_apart(
        &original,
        |v| v.audience(OTHER_API),
        &other_api,
        true,
        "audience",
    )
    .await;

    // Another tenant, with its own key.
    let other_tenant = sign(
        jsonwebtoken::Algorithm::HS256,
        None,
        &jsonwebtoken::EncodingKey::from_secret(OTHER_SECRET.as_bytes()),
        &with(access_claims(), json!({"iss": OTHER_ISS})),
    );
    verdicts_stay_apart(
        &original,
        |v| v.issuer(SymmetricSignatureVerifier::new(OTHER_SECRET), OTHER_ISS),
        &other_tenant,
        true,
        "issuer",
    )
    .await;

    // An organization allow-list, added or lifted.
    let member = hs256(&with(access_claims(), json!({"org_id": "org_123"})));
    let outsider = hs256(&with(access_claims(), json!({"org_id": "org_999"})));
    let strict = original.clone().allowed_organizations(["org_123"]);
    verdicts_stay_apart(
        &strict,
        |v| v.allowed_organizations(Vec::<String>::new()),
        &outsider,
        true,
        "organizations lifted",
    )
    .await;
    verdicts_stay_apart(
        &original,
        |v| v.allowed_organizations(["org_123"]),
        &outsider,
        false,
        "organizations required",
    )
    .await;
    // A member passes both.
    let both = original.clone().cache(10);
    assert!(both.verify(&member).await.is_ok());
    assert!(
        both.allowed_organizations(["org_123"])
            .verify(&member)
            .await
            .is_ok()
    );

    // Time settings: a token not valid before NOW + 1000.
    let later = hs256(&with(access_claims(), json!({"nbf": NOW + 1000})));
    verdicts_stay_apart(
        &original,
        |v| v.leeway(Duration::from_secs(2000)),
        &later,
        true,
        "leeway",
    )
    .await;
    verdicts_stay_apart(
        &original.clone().leeway(Duration::from_secs(2000)),
        |v| v.leeway(Duration::ZERO),
        &later,
        false,
        "leeway tightened",
    )
    .await;
    verdicts_stay_apart(
        &original,
        |v| v.with_clock(|| UNIX_EPOCH + Duration::from_secs(NOW as u64 + 1000)),
        &later,
        true,
        "clock",
    )
    .await;
    assert!(original.verify(&plain).await.is_ok());
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

#[tokio::test]
async fn the_longest_durations_are_settings_not_panics() {
    // Every verifier with the longest leeway, and an ID token's longest `max_age`: tokens
    // are checked (and pass, however old), nothing overflows.
    let long_ago = with(
        id_claims(),
        json!({"exp": NOW - 1_000_000_000, "auth_time": 0, "iat": 0}),
    );
    let options = VerifyOptions::default().max_age(Duration::MAX);
    id_verifier()
        .leeway(Duration::MAX)
        .verify(&hs256(&long_ago), &options)
        .await
        .unwrap();
    let err = id_verifier()
        .verify(&hs256(&long_ago), &options)
        .await
        .unwrap_err();
    assert!(matches!(err, TokenValidationError::Expired { .. }), "{err}");
    let blocking = auth0_verify::blocking::TokenVerifier::from(id_verifier()).leeway(Duration::MAX);
    blocking.verify(&hs256(&long_ago), &options).unwrap();

    let access = with(access_claims(), json!({"exp": NOW - 1_000_000_000}));
    let v = api_verifier().leeway(Duration::MAX).cache(10);
    for _ in 0..2 {
        v.verify(&hs256(&access)).await.unwrap();
    }
    let v = api_verifier().cache(10);
    assert!(v.verify(&hs256(&access)).await.is_err());

    let logout = with(
        id_claims(),
        json!({
            "nonce": null, "sid": "sid-1", "jti": "jti-1", "exp": NOW - 1_000_000_000,
            "events": {auth0_verify::BACKCHANNEL_LOGOUT_EVENT: {}},
        }),
    );
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("logout+jwt".to_owned());
    let logout = jsonwebtoken::encode(&header, &logout, &hmac()).unwrap();
    auth0_verify::LogoutTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, AUD)
        .with_clock(clock)
        .leeway(Duration::MAX)
        .verify(&logout)
        .await
        .unwrap();

    // The key cache's longest lifetimes.
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url)
        .cache_ttl(Duration::MAX)
        .refetch_cooldown(Duration::MAX)
        .timeout(Duration::MAX);
    let v = AccessTokenVerifier::new(keys, ISS, API)
        .with_clock(clock)
        .leeway(Duration::MAX);
    for _ in 0..2 {
        v.verify(&rs256(&access_claims())).await.unwrap();
    }
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn a_delegated_tokens_actors_read_from_the_current_one_outward() {
    let (_s, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let v =
        AccessTokenVerifier::new(AsymmetricSignatureVerifier::new(url), ISS, API).with_clock(clock);
    // RFC 8693 4.1: the service acting now, and the one it acted for.
    let exchanged = with(
        access_claims(),
        json!({"act": {
            "sub": "svc-reports@clients", "iss": ISS,
            "act": {"sub": "svc-gateway@clients", "https://example.test/team": "edge"},
        }}),
    );
    let claims = v.verify(&rs256(&exchanged)).await.unwrap();
    let actors: Vec<_> = claims.actors().collect();
    assert_eq!(actors.len(), 2);
    assert_eq!(actors[0].sub(), Some("svc-reports@clients"));
    assert_eq!(actors[0].iss(), Some(ISS));
    assert_eq!(actors[1].sub(), Some("svc-gateway@clients"));
    assert_eq!(actors[1].iss(), None);
    assert_eq!(
        actors[1].get("https://example.test/team"),
        Some(&json!("edge"))
    );
    assert!(actors[1].claims().get("act").is_none());
    // The claim itself stays readable as before.
    assert!(claims.get("act").is_some_and(|a| a.is_object()));

    let plain = v.verify(&rs256(&access_claims())).await.unwrap();
    assert_eq!(plain.actors().count(), 0);

    for (act, claim) in [
        (json!("svc-reports"), "act"),
        (json!({"sub": 7}), "act.sub"),
        (
            json!({"sub": "a", "act": {"sub": "b", "act": [1]}}),
            "act.act.act",
        ),
        (json!({"sub": "a", "act": {"iss": false}}), "act.act.iss"),
    ] {
        let token = rs256(&with(access_claims(), json!({ "act": act })));
        let err = v.verify(&token).await.expect_err("a malformed act chain");
        assert_eq!(err.claim(), Some(claim), "{err}");
        assert!(
            matches!(err, TokenValidationError::InvalidClaimType { .. }),
            "{err}"
        );
    }
}
