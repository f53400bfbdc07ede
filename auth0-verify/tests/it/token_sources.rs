//! Where the layer finds the token: the `Authorization` header, a cookie, another header, a
//! function of the request, several in order. ES256 tokens, keys from a JWKS on 127.0.0.1.

use auth0_verify::protect::{AuthLayer, Authenticated, TokenSource};
use auth0_verify::{AccessTokenVerifier, Algorithm, AsymmetricSignatureVerifier};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Request, StatusCode};
use axum::routing::get;

use crate::common::*;

async fn app(source: TokenSource) -> (wiremock::MockServer, Router) {
    let (server, url) = jwks_server(jwks(&[ec_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url).algorithms([Algorithm::ES256]);
    let verifier = AccessTokenVerifier::new(keys, ISS, API).with_clock(clock);
    let app = Router::new()
        .route(
            "/private",
            get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
        )
        .layer(AuthLayer::new(verifier).token_from(source));
    (server, app)
}

async fn call(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

fn ok(a: &Answer) {
    assert_eq!(
        (a.status, a.body.as_str()),
        (StatusCode::OK, "auth0|user-1"),
        "{:?}",
        a.challenge
    );
}

fn missing(a: &Answer) {
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);
    assert_eq!(
        a.json()["error"],
        "unauthorized",
        "no error code: {}",
        a.body
    );
}

fn malformed(a: &Answer) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert_eq!(a.json()["error"], "invalid_request");
}

#[tokio::test]
async fn a_cookie() {
    let (_server, app) = app(TokenSource::cookie("access_token")).await;
    let token = es256(&access_claims());
    let forged = format!("{token}x");

    ok(&call(
        &app,
        "/private",
        &[("cookie", &format!("a=1; access_token={token}; b=2"))],
    )
    .await);
    ok(&call(
        &app,
        "/private",
        &[("cookie", &format!("access_token=\"{token}\""))],
    )
    .await);
    ok(&call(
        &app,
        "/private",
        &[
            ("cookie", "theme=dark"),
            ("cookie", &format!("access_token={token}")),
        ],
    )
    .await);
    // No such cookie (the header is not read), or an emptied one: no credentials.
    missing(
        &call(
            &app,
            "/private",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await,
    );
    missing(
        &call(
            &app,
            "/private",
            &[("cookie", "access_token_2=x; access_token=")],
        )
        .await,
    );
    missing(&call(&app, "/private", &[]).await);
    // Two of them: which one was meant is unknown.
    malformed(
        &call(
            &app,
            "/private",
            &[(
                "cookie",
                &format!("access_token={token}; access_token={token}"),
            )],
        )
        .await,
    );
    malformed(
        &call(
            &app,
            "/private",
            &[
                ("cookie", &format!("access_token={token}")),
                ("cookie", &format!("access_token={forged}")),
            ],
        )
        .await,
    );
    call(
        &app,
        "/private",
        &[("cookie", &format!("access_token={forged}"))],
    )
    .await
    .assert_invalid_token(&[&forged]);
}

#[tokio::test]
async fn another_header() {
    let name = HeaderName::from_static("x-access-token");
    let (_server, app) = app(TokenSource::header(name)).await;
    let token = es256(&access_claims());

    ok(&call(&app, "/private", &[("x-access-token", &token)]).await);
    ok(&call(
        &app,
        "/private",
        &[("x-access-token", &format!("bearer {token}"))],
    )
    .await);
    missing(
        &call(
            &app,
            "/private",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await,
    );
    for bad in [
        &[("x-access-token", "Basic dXNlcjpwdw==")][..],
        &[("x-access-token", "")][..],
        &[("x-access-token", "Bearer a b")][..],
        &[
            ("x-access-token", token.as_str()),
            ("x-access-token", token.as_str()),
        ][..],
    ] {
        malformed(&call(&app, "/private", bad).await);
    }
    let expired = es256(&with(
        access_claims(),
        serde_json::json!({"exp": NOW - 3600}),
    ));
    call(&app, "/private", &[("x-access-token", &expired)])
        .await
        .assert_invalid_token(&[&expired]);
}

#[tokio::test]
async fn a_function_of_the_request() {
    let source = TokenSource::function(|parts| {
        let query = parts.uri.query()?;
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("access_token="))
            .map(|token| token.replace("%20", " "))
    });
    let (_server, app) = app(source).await;
    let token = es256(&access_claims());
    ok(&call(&app, &format!("/private?x=1&access_token={token}"), &[]).await);
    missing(&call(&app, "/private?x=1", &[]).await);
    missing(&call(&app, "/private?access_token=", &[]).await);
    // What it returns is trimmed; a token with spaces inside is malformed.
    ok(&call(&app, &format!("/private?access_token=%20{token}%20"), &[]).await);
    malformed(&call(&app, "/private?access_token=a%20b", &[]).await);
}

#[tokio::test]
async fn several_sources_in_order() {
    let source = TokenSource::cookie("access_token").or(TokenSource::authorization());
    let (_server, app) = app(source).await;
    let token = es256(&access_claims());
    let bearer = format!("Bearer {token}");

    ok(&call(&app, "/private", &[("authorization", &bearer)]).await);
    ok(&call(
        &app,
        "/private",
        &[("cookie", &format!("access_token={token}"))],
    )
    .await);
    // The cookie comes first: a bad one is not saved by a good header.
    call(
        &app,
        "/private",
        &[
            ("cookie", "access_token=not-a-token"),
            ("authorization", &bearer),
        ],
    )
    .await
    .assert_invalid_token(&["not-a-token"]);
    // A source that finds nothing passes to the next, a malformed one does not.
    malformed(
        &call(
            &app,
            "/private",
            &[
                ("cookie", "access_token=a; access_token=b"),
                ("authorization", &bearer),
            ],
        )
        .await,
    );
    missing(&call(&app, "/private", &[("cookie", "other=1")]).await);
}
