//! Certificate-bound access tokens (RFC 8705, `cnf.x5t#S256`) through the layer: the client
//! certificate from the `ClientCertificate` extension a TLS layer sets, or from a trusted
//! proxy's header (URL-encoded PEM) when the layer is told to read it. (A real TLS server and
//! client certificates: `auth0-auth`'s `tests/it/mtls.rs`.)

use auth0_verify::protect::{AuthLayer, Authenticated, ClientCertificate};
use auth0_verify::{AccessTokenVerifier, SymmetricSignatureVerifier};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use serde_json::json;

use crate::common::*;

const CERT: &str = include_str!("../fixtures/rsa_b.cert.pem");
const OTHER_CERT: &str = include_str!("../fixtures/rsa_1024.cert.pem");

fn app(layer: AuthLayer) -> Router {
    Router::new()
        .route(
            "/api",
            get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
        )
        .layer(layer)
}

fn layer() -> AuthLayer {
    AuthLayer::new(
        AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API)
            .with_clock(clock),
    )
}

fn bound_to(pem: &str) -> String {
    let thumbprint = ClientCertificate::from_pem(pem).unwrap().thumbprint();
    hs256(&with(
        access_claims(),
        json!({"cnf": {"x5t#S256": thumbprint}}),
    ))
}

fn request(token: &str) -> axum::http::request::Builder {
    Request::get("/api").header("authorization", format!("Bearer {token}"))
}

fn with_certificate(token: &str, pem: Option<&str>) -> Request<Body> {
    let mut request = request(token).body(Body::empty()).unwrap();
    if let Some(pem) = pem {
        request
            .extensions_mut()
            .insert(ClientCertificate::from_pem(pem).unwrap());
    }
    request
}

/// `%`-encoded as nginx's `$ssl_client_escaped_cert` sends it.
fn escaped(pem: &str) -> String {
    url::form_urlencoded::byte_serialize(pem.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[test]
fn the_thumbprint_is_base64url_sha256_of_the_der() {
    let certificate = ClientCertificate::from_pem(CERT).unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, certificate.der());
    let expected = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        digest.as_ref(),
    );
    assert_eq!(certificate.thumbprint(), expected);
    assert_eq!(certificate.thumbprint().len(), 43);
    assert!(format!("{certificate:?}").contains(&expected));
    assert!(ClientCertificate::from_pem("no certificate here").is_none());
    assert_ne!(
        ClientCertificate::from_pem(OTHER_CERT)
            .unwrap()
            .thumbprint(),
        expected
    );
}

#[tokio::test]
async fn a_bound_token_passes_only_with_its_certificate_from_the_tls_layer() {
    let app = app(layer());
    let token = bound_to(CERT);
    let ok = send(&app, with_certificate(&token, Some(CERT))).await;
    assert_eq!(
        (ok.status, ok.body.as_str()),
        (StatusCode::OK, "auth0|user-1")
    );
    send(&app, with_certificate(&token, Some(OTHER_CERT)))
        .await
        .assert_invalid_token(&[&token]);
    send(&app, with_certificate(&token, None))
        .await
        .assert_invalid_token(&[&token]);
    // An unbound token needs no certificate, and ignores one.
    let unbound = hs256(&access_claims());
    for pem in [None, Some(CERT)] {
        let answer = send(&app, with_certificate(&unbound, pem)).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_trusted_proxy_header_is_read_only_when_configured() {
    let token = bound_to(CERT);
    let header = |pem: &str| {
        request(&token)
            .header("x-client-cert", escaped(pem))
            .body(Body::empty())
            .unwrap()
    };
    // Off by default: the header is not believed.
    send(&app(layer()), header(CERT))
        .await
        .assert_invalid_token(&[&token]);

    let app = app(
        layer().client_certificate_header(axum::http::HeaderName::from_static("x-client-cert"))
    );
    let ok = send(&app, header(CERT)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    send(&app, header(OTHER_CERT))
        .await
        .assert_invalid_token(&[&token]);
    // Then the header is the only source: a TLS layer's certificate does not count.
    send(&app, with_certificate(&token, Some(CERT)))
        .await
        .assert_invalid_token(&[&token]);
    // Not URL-encoded PEM, or two of them: refused.
    let garbage = request(&token)
        .header("x-client-cert", "%ZZnot-a-certificate")
        .body(Body::empty())
        .unwrap();
    send(&app, garbage).await.assert_invalid_token(&[&token]);
    let two = request(&token)
        .header("x-client-cert", escaped(CERT))
        .header("x-client-cert", escaped(CERT))
        .body(Body::empty())
        .unwrap();
    send(&app, two).await.assert_invalid_token(&[&token]);
}
