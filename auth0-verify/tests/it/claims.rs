//! Claims beyond the standard ones, through the layer over a real axum router: a handler's
//! own claims type (namespaced claims included), claim rules on the layer and per route,
//! required claims and a maximum token age. RS256 tokens, keys from a JWKS on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_verify::protect::{AuthLayer, Authenticated, require_claim, require_scopes};
use auth0_verify::{
    AccessTokenVerifier, AsymmetricSignatureVerifier, ClaimRule, TokenValidationError,
};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::*;

const ROLES: &str = "https://example.test/roles";
const TENANT: &str = "https://example.test/tenant";

/// The claims a handler of this API works with.
#[derive(Debug, Deserialize)]
struct ApiClaims {
    sub: String,
    #[serde(rename = "https://example.test/roles")]
    roles: Vec<String>,
    #[serde(rename = "https://example.test/tenant")]
    tenant: String,
}

fn claims() -> Value {
    with(
        access_claims(),
        json!({ROLES: ["editor", "viewer"], TENANT: "acme"}),
    )
}

async fn verifier() -> (wiremock::MockServer, AccessTokenVerifier) {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url);
    (
        server,
        AccessTokenVerifier::new(keys, ISS, API).with_clock(clock),
    )
}

fn app(layer: AuthLayer) -> Router {
    Router::new()
        .route(
            "/custom",
            get(|who: Authenticated<ApiClaims>| async move {
                format!(
                    "{} of {} as {:?}, issued by {}",
                    who.sub,
                    who.tenant,
                    who.roles,
                    who.standard_claims().iss
                )
            }),
        )
        .route(
            "/maybe",
            get(|who: Option<Authenticated<ApiClaims>>| async move {
                who.map_or("anonymous".to_owned(), |w| w.claims().tenant.clone())
            }),
        )
        .route(
            "/standard",
            get(|who: Authenticated| async move {
                // What a tower service reads from the request's extensions, on demand.
                match who.claims_as::<ApiClaims>() {
                    Ok(c) => c.tenant,
                    Err(e) => format!("{:?}", e.claim()),
                }
            }),
        )
        .route(
            "/editors",
            get(|| async { "edit" })
                .route_layer(require_claim(ClaimRule::includes(ROLES, ["editor"]))),
        )
        .route(
            "/acme",
            get(|| async { "acme" }).route_layer(require_claim(ClaimRule::equals(TENANT, "acme"))),
        )
        .route(
            "/humans",
            get(|| async { "human" }).route_layer(require_claim(ClaimRule::check(
                "a user, not a machine",
                |c| !c.sub.as_deref().unwrap_or("").ends_with("@clients"),
            ))),
        )
        .route(
            "/scoped",
            get(|| async { "scoped" }).route_layer(require_scopes(["admin"])),
        )
        .layer(layer)
}

#[tokio::test]
async fn a_handler_takes_the_claims_as_its_own_type() {
    let (_server, verifier) = verifier().await;
    let app = app(AuthLayer::new(verifier));

    let a = get_with(&app, "/custom", Some(&rs256(&claims()))).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            StatusCode::OK,
            "auth0|user-1 of acme as [\"editor\", \"viewer\"], issued by https://tenant.example.test/"
        )
    );
    let a = get_with(&app, "/standard", Some(&rs256(&claims()))).await;
    assert_eq!(a.body, "acme");

    // The standard claims are still checked: an expired or foreign token never reaches it.
    for bad in [
        with(claims(), json!({"exp": NOW - 3600})),
        with(claims(), json!({"aud": "https://other.example"})),
        with(claims(), json!({"iss": "https://other.example/"})),
    ] {
        get_with(&app, "/custom", Some(&rs256(&bad)))
            .await
            .assert_invalid_token(&[]);
    }

    // Claims that do not fit the handler's type: 401 invalid_token, nothing echoed.
    for (unfit, secret) in [
        (with(claims(), json!({ROLES: "editor"})), ROLES),
        (with(claims(), json!({TENANT: null})), TENANT),
        (with(claims(), json!({TENANT: 42})), TENANT),
    ] {
        let a = get_with(&app, "/custom", Some(&rs256(&unfit))).await;
        a.assert_invalid_token(&[secret, "editor", "42", "ApiClaims"]);
    }
    let a = get_with(
        &app,
        "/standard",
        Some(&rs256(&with(claims(), json!({ROLES: "x"})))),
    )
    .await;
    assert_eq!(
        a.body,
        format!("Some({ROLES:?})"),
        "the error names the claim"
    );

    // Required without a token: the plain challenge.
    let a = get_with(&app, "/custom", None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.challenge.as_deref(), Some("Bearer realm=\"api\""));
    assert_eq!(a.json()["error"], "unauthorized");

    // Optional: anonymous without a token, the claims with one, refused when they do not fit.
    let (_server, verifier) = self::verifier().await;
    let optional = self::app(AuthLayer::new(verifier).optional());
    assert_eq!(get_with(&optional, "/maybe", None).await.body, "anonymous");
    assert_eq!(
        get_with(&optional, "/maybe", Some(&rs256(&claims())))
            .await
            .body,
        "acme"
    );
    get_with(
        &optional,
        "/maybe",
        Some(&rs256(&with(claims(), json!({TENANT: null})))),
    )
    .await
    .assert_invalid_token(&[TENANT]);
}

#[tokio::test]
async fn route_claim_rules_answer_401_invalid_token_and_tell_only_tracing() {
    let (_server, verifier) = verifier().await;
    let app = app(AuthLayer::new(verifier));
    let logs = Logs::capture();

    let token = |changes: Value| rs256(&with(claims(), changes));
    let cases = [
        ("/editors", json!({}), true),
        ("/editors", json!({ROLES: ["viewer"]}), false),
        ("/editors", json!({ROLES: null}), false),
        ("/acme", json!({}), true),
        ("/acme", json!({TENANT: "globex"}), false),
        ("/humans", json!({}), true),
        ("/humans", json!({"sub": "machine@clients"}), false),
    ];
    for (path, changes, passes) in cases {
        let a = get_with(&app, path, Some(&token(changes.clone()))).await;
        if passes {
            assert_eq!(a.status, StatusCode::OK, "{path} {changes}: {}", a.body);
        } else {
            a.assert_invalid_token(&[ROLES, TENANT, "editor", "globex", "acme", "machine"]);
            assert_eq!(
                a.json()["error_description"],
                "the access token is not valid"
            );
        }
    }
    // The reasons went to tracing: the claim, what the rule requires and what was found.
    let logs = logs.text();
    for reason in [
        format!("claim `{ROLES}`: expected to include [\"editor\"], found array [\"viewer\"]"),
        format!("claim `{ROLES}`: expected to include [\"editor\"], found none"),
        format!("claim `{TENANT}`: expected \"acme\", found string \"globex\""),
        "claims: expected a user, not a machine".to_owned(),
    ] {
        assert!(logs.contains(&reason), "{reason} not in {logs}");
    }
    // A scope requirement is still a 403.
    let a = get_with(&app, "/scoped", Some(&token(json!({})))).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn claim_rules_and_required_claims_on_the_layer() {
    let (_server, verifier) = verifier().await;
    let verifier = verifier.required_claims([TENANT, "azp"]);
    let layer = AuthLayer::new(verifier)
        .claim_rule(ClaimRule::equals("azp", AUD))
        .claim_rule(ClaimRule::includes("scope", ["read:messages"]));
    let app = app(layer);
    let token = |changes: Value| rs256(&with(claims(), changes));

    let a = get_with(&app, "/custom", Some(&token(json!({})))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    for changes in [
        json!({"azp": "another-client"}),
        json!({"azp": null}),
        json!({TENANT: null}),
        json!({"scope": "openid write:messages"}),
    ] {
        get_with(&app, "/custom", Some(&token(changes)))
            .await
            .assert_invalid_token(&["another-client", AUD, TENANT]);
    }

    // The same rules on the verifier alone: typed errors naming the rule.
    let (_server, verifier) = self::verifier().await;
    let verifier = verifier
        .required_claims([TENANT])
        .claim_rule(ClaimRule::equals("azp", AUD));
    let err = verifier
        .verify(&token(json!({TENANT: null})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::ClaimRule { claim: Some(c), .. } if c == TENANT),
        "{err}"
    );
    assert_eq!(err.claim(), Some(TENANT));
    assert_eq!(
        err.to_string(),
        format!("claim `{TENANT}`: expected present, found none")
    );
    let err = verifier
        .verify(&token(json!({"azp": "another"})))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("claim `azp`: expected {AUD:?}, found string \"another\"")
    );
    verifier.verify(&token(json!({}))).await.unwrap();
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

#[tokio::test]
async fn the_maximum_token_age_is_checked_at_every_use_cached_or_not() {
    let (server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    // Keys kept for no time: each signature check fetches them, so the server's count tells
    // checked tokens from cached ones.
    let keys = AsymmetricSignatureVerifier::new(url)
        .cache_ttl(Duration::ZERO)
        .refetch_cooldown(Duration::ZERO);
    let (now, clock) = movable_clock();
    let verifier = AccessTokenVerifier::new(keys, ISS, API)
        .with_clock(clock)
        .max_token_age(Duration::from_secs(3600))
        .cache(10);
    let app = app(AuthLayer::new(verifier.clone()));
    let token = rs256(&with(
        claims(),
        json!({"iat": NOW - 10, "exp": NOW + 100_000}),
    ));

    assert_eq!(
        get_with(&app, "/custom", Some(&token)).await.status,
        StatusCode::OK
    );
    // Issued 3600 s + the 60 s leeway ago at most: the last accepted second, from the cache.
    now.store(NOW - 10 + 3660, Ordering::SeqCst);
    assert_eq!(
        get_with(&app, "/custom", Some(&token)).await.status,
        StatusCode::OK
    );
    assert_eq!(hits(&server).await, 1, "checked once, then cached");
    now.store(NOW - 10 + 3661, Ordering::SeqCst);
    get_with(&app, "/custom", Some(&token))
        .await
        .assert_invalid_token(&[]);
    assert_eq!(hits(&server).await, 1, "refused though cached");
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(
        matches!(
            err,
            TokenValidationError::TooOld {
                expected,
                found
            } if expected == NOW - 10 + 1 && found == NOW - 10
        ),
        "{err:?}"
    );
    assert_eq!(err.claim(), Some("iat"));

    // Without `iat`, a token cannot show its age.
    now.store(NOW, Ordering::SeqCst);
    let err = verifier
        .verify(&rs256(&with(claims(), json!({"iat": null}))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::MissingClaim { claim: "iat", .. }),
        "{err}"
    );
}
