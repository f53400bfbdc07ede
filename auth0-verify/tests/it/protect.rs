//! The tower layer, the per-route requirements and the axum extractors, through a real axum
//! router with real signed tokens (HS256 here; RS256 through a JWKS in `protect_rs256`).

use auth0_verify::protect::{
    AuthLayer, Authenticated, require_any_permission, require_any_scope, require_permissions,
    require_scopes,
};
use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier, SymmetricSignatureVerifier};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::common::*;

fn verifier() -> AccessTokenVerifier {
    AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API).with_clock(clock)
}

fn app(layer: AuthLayer) -> Router {
    Router::new()
        .route(
            "/private",
            get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
        )
        .route(
            "/maybe",
            get(|who: Option<Authenticated>| async move {
                who.map_or("anonymous".to_owned(), |w| {
                    w.sub.clone().unwrap_or_default()
                })
            }),
        )
        .route(
            "/scoped",
            get(|| async { "scoped" })
                .route_layer(require_scopes(["read:messages", "write:messages"])),
        )
        .route(
            "/any-scope",
            get(|| async { "any" }).route_layer(require_any_scope(["admin", "read:messages"])),
        )
        .route(
            "/perm",
            get(|| async { "perm" }).route_layer(require_permissions(["delete:users"])),
        )
        .route(
            "/any-perm",
            get(|| async { "any-perm" })
                .route_layer(require_any_permission(["nope", "read:users"])),
        )
        .layer(layer)
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn call(app: &Router, path: &str, authorization: &[&str]) -> Answer {
    let mut request = Request::get(path);
    for value in authorization {
        request = request.header(header::AUTHORIZATION, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        challenge,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn bearer(claims: &Value) -> String {
    format!("Bearer {}", hs256(claims))
}

#[tokio::test]
async fn answers_follow_rfc_6750() {
    let app = app(AuthLayer::new(verifier()).realm("api.example.test"));

    // No credentials, or another scheme: a challenge without an error code.
    for auth in [&[][..], &["Basic dXNlcjpwdw=="][..]] {
        let a = call(&app, "/private", auth).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            a.challenge.as_deref(),
            Some("Bearer realm=\"api.example.test\"")
        );
        assert_eq!(a.json()["error"], "unauthorized");
    }

    // A bad, expired or foreign token.
    let forged = format!("{}x", hs256(&access_claims()));
    let expired = with(access_claims(), json!({"exp": NOW - 3600}));
    let foreign = with(access_claims(), json!({"aud": "https://other-api.example"}));
    for (auth, description) in [
        (format!("Bearer {forged}"), "not valid"),
        (bearer(&expired), "expired"),
        (bearer(&foreign), "not valid"),
        ("Bearer not-a-jwt".to_owned(), "not valid"),
    ] {
        let a = call(&app, "/private", &[&auth]).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth}");
        let challenge = a.challenge.clone().unwrap();
        assert!(
            challenge.starts_with("Bearer realm=\"api.example.test\", error=\"invalid_token\""),
            "{challenge}"
        );
        assert_eq!(a.json()["error"], "invalid_token");
        assert!(
            a.json()["error_description"]
                .as_str()
                .unwrap()
                .contains(description)
        );
        // The token is never echoed, nor is the API's configuration.
        let token = auth.trim_start_matches("Bearer ");
        assert!(!a.body.contains(token) && !challenge.contains(token));
        assert!(!a.body.contains(API) && !a.body.contains(ISS), "{}", a.body);
    }

    // Malformed credentials.
    let good = bearer(&access_claims());
    for auth in [
        &["Bearer "][..],
        &["Bearer a b"][..],
        &[good.as_str(), good.as_str()][..],
    ] {
        let a = call(&app, "/private", auth).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{auth:?}");
        assert!(a.challenge.unwrap().contains("error=\"invalid_request\""));
    }

    // A valid token reaches the handler with its claims.
    let a = call(&app, "/private", &[&good]).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::OK, "auth0|user-1")
    );
    let a = call(&app, "/private", &[&good.replacen("Bearer", "bearer", 1)]).await;
    assert_eq!(a.status, StatusCode::OK, "the scheme is case-insensitive");
}

#[tokio::test]
async fn routes_require_scopes_and_permissions() {
    let app = app(AuthLayer::new(verifier()).realm("api"));
    let token = |scope: &str, permissions: &[&str]| {
        bearer(&with(
            access_claims(),
            json!({"scope": scope, "permissions": permissions}),
        ))
    };
    let cases = [
        (
            "/scoped",
            token("read:messages write:messages", &[]),
            StatusCode::OK,
        ),
        (
            "/scoped",
            token("read:messages", &[]),
            StatusCode::FORBIDDEN,
        ),
        ("/any-scope", token("read:messages", &[]), StatusCode::OK),
        (
            "/any-scope",
            token("write:messages", &[]),
            StatusCode::FORBIDDEN,
        ),
        ("/perm", token("", &["delete:users"]), StatusCode::OK),
        ("/perm", token("delete:users", &[]), StatusCode::FORBIDDEN),
        ("/any-perm", token("", &["read:users"]), StatusCode::OK),
        ("/any-perm", token("", &[]), StatusCode::FORBIDDEN),
    ];
    for (path, auth, status) in cases {
        let a = call(&app, path, &[&auth]).await;
        assert_eq!(a.status, status, "{path}");
        if status == StatusCode::FORBIDDEN {
            let challenge = a.challenge.clone().unwrap();
            assert!(
                challenge.contains("error=\"insufficient_scope\""),
                "{challenge}"
            );
            assert!(challenge.contains("scope=\""), "{challenge}");
            assert_eq!(a.json()["error"], "insufficient_scope");
        }
    }
    let a = call(&app, "/scoped", &[&token("read:messages", &[])]).await;
    assert!(
        a.challenge
            .unwrap()
            .ends_with("scope=\"read:messages write:messages\""),
        "the challenge names what the route needs"
    );
    // Without a token, a scoped route is a 401 like any other.
    assert_eq!(
        call(&app, "/scoped", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn optional_authentication_and_resource_metadata() {
    let layer = AuthLayer::new(verifier())
        .optional()
        .resource_metadata("https://api.example.test/.well-known/oauth-protected-resource");
    let app = app(layer);
    let a = call(&app, "/maybe", &[]).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "anonymous"));
    let a = call(&app, "/maybe", &[&bearer(&access_claims())]).await;
    assert_eq!(a.body, "auth0|user-1");
    // A token that is sent must be valid.
    let a = call(&app, "/maybe", &["Bearer forged.token.here"]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.challenge.unwrap().contains(
        "resource_metadata=\"https://api.example.test/.well-known/oauth-protected-resource\""
    ));
    // A handler that needs a token still refuses anonymous requests.
    let a = call(&app, "/private", &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rs256_tokens_through_a_jwks_and_an_unreachable_one() {
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url);
    let router = app(AuthLayer::new(
        AccessTokenVerifier::new(keys, ISS, API).with_clock(clock),
    ));
    let a = call(
        &router,
        "/private",
        &[&format!("Bearer {}", rs256(&access_claims()))],
    )
    .await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::OK, "auth0|user-1")
    );

    // Keys that cannot be fetched: the API's problem, not the caller's.
    let down =
        AsymmetricSignatureVerifier::new("http://127.0.0.1:9/.well-known/jwks.json").retries(0);
    let router = app(AuthLayer::new(
        AccessTokenVerifier::new(down, ISS, API).with_clock(clock),
    ));
    let a = call(
        &router,
        "/private",
        &[&format!("Bearer {}", rs256(&access_claims()))],
    )
    .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json()["error"], "temporarily_unavailable");
}

#[tokio::test]
async fn protected_resource_metadata_is_served() {
    use auth0_verify::dpop::{DpopMode, DpopOptions};
    use auth0_verify::protect::RESOURCE_METADATA_PATH;
    let layer = AuthLayer::new(verifier().issuer(
        SymmetricSignatureVerifier::new(SECRET),
        "https://login.example.test/",
    ))
    .resource_metadata(format!("{API}{RESOURCE_METADATA_PATH}"));
    let metadata = layer.metadata(API).scopes(["read:messages"]);
    let app: Router = Router::new()
        .route(RESOURCE_METADATA_PATH, get(move || async move { metadata }))
        .route("/private", get(|| async { "ok" }).layer(layer.clone()));
    let a = call(&app, RESOURCE_METADATA_PATH, &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json(),
        json!({
            "resource": API,
            "authorization_servers": [ISS, "https://login.example.test/"],
            "scopes_supported": ["read:messages"],
            "bearer_methods_supported": ["header"],
            "dpop_signing_alg_values_supported": ["ES256", "ES384", "RS256", "PS256"],
        })
    );
    // The 401 of a protected route points at it.
    let a = call(&app, "/private", &[]).await;
    assert!(a.challenge.unwrap().contains(&format!(
        "resource_metadata=\"{API}{RESOURCE_METADATA_PATH}\""
    )));
    // DPoP required is said; disabled leaves the algorithms out.
    let required = layer
        .clone()
        .dpop(DpopOptions::new().mode(DpopMode::Required))
        .metadata(API)
        .to_json();
    assert_eq!(required["dpop_bound_access_tokens_required"], true);
    let disabled = layer
        .dpop(DpopOptions::new().mode(DpopMode::Disabled))
        .metadata(API)
        .to_json();
    assert!(disabled.get("dpop_signing_alg_values_supported").is_none());
}

/// A check of one's own: the request must name the tenant `acme`.
#[derive(Clone)]
struct TenantHeader;

impl auth0_verify::protect::Check for TenantHeader {
    async fn check(
        &self,
        request: &mut axum::http::request::Parts,
    ) -> Result<(), auth0_verify::protect::Refusal> {
        match request.headers.get("x-tenant") {
            Some(tenant) if tenant == "acme" => Ok(()),
            _ => Err(auth0_verify::protect::Refusal::invalid_token(
                "the request names no tenant",
            )),
        }
    }
}

#[tokio::test]
async fn a_check_of_ones_own_runs_in_the_same_service() {
    use auth0_verify::protect::{Json, Protected};
    let app = Router::new()
        .route("/t", get(|| async { "ok" }))
        .layer(tower::layer::layer_fn(|inner| {
            Protected::new(inner, TenantHeader, Json)
        }));
    let request = |tenant: &str| {
        Request::get("/t")
            .header("x-tenant", tenant)
            .body(Body::empty())
            .unwrap()
    };
    let ok = send(&app, request("acme")).await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "ok"));
    let refused = send(&app, request("other")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json()["error_description"],
        "the request names no tenant"
    );
    // No layer put a challenge in the request: the default realm.
    assert_eq!(
        refused.challenge.as_deref(),
        Some(
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"the request names no tenant\""
        )
    );
}

/// An answer of one's own: plain text.
#[derive(Clone)]
struct PlainText;

impl auth0_verify::protect::Answer<Body> for PlainText {
    fn answer(
        &self,
        refusal: &auth0_verify::protect::Refusal,
        challenge: &auth0_verify::protect::Challenge,
    ) -> axum::http::Response<Body> {
        let mut response = axum::http::Response::new(Body::from(refusal.description()));
        *response.status_mut() = refusal.status();
        for value in challenge.www_authenticate(refusal) {
            response
                .headers_mut()
                .append(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

#[tokio::test]
async fn refusals_are_written_by_the_layers_answer() {
    let app = Router::new()
        .route(
            "/scoped",
            get(|| async { "scoped" })
                .route_layer(require_scopes(["admin"]).answer_with(PlainText)),
        )
        .layer(
            AuthLayer::new(verifier())
                .realm("plain")
                .answer_with(PlainText),
        );
    let missing = send(&app, Request::get("/scoped").body(Body::empty()).unwrap()).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body, "an access token is required");
    assert!(
        missing
            .challenge
            .unwrap()
            .starts_with("Bearer realm=\"plain\"")
    );
    let token = hs256(&access_claims());
    let forbidden = get_with(&app, "/scoped", Some(&token)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(
        forbidden.body,
        "the access token lacks a required scope or permission"
    );
    assert!(forbidden.challenge.unwrap().contains("scope=\"admin\""));
}
