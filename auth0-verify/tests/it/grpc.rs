//! A real tonic server on 127.0.0.1 behind `AuthLayer::grpc()` and `require_scopes(..).grpc()`,
//! called by a real tonic client: refusals come back as gRPC statuses with the RFC 6750
//! challenge in the `www-authenticate` metadata.

#[path = "../../examples/grpc_api/greeter.rs"]
mod greeter;

use auth0_verify::protect::{AuthLayer, require_scopes};
use auth0_verify::{AccessTokenVerifier, SymmetricSignatureVerifier};
use greeter::{GreeterServer, HelloReply, HelloRequest, say_hello};
use serde_json::json;
use tonic::transport::{Channel, Server};
use tonic::{Code, Status};

use crate::common::*;

/// The server's address; it serves until the test's runtime ends.
async fn serve() -> String {
    let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API)
        .with_clock(clock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = Server::builder()
        .layer(AuthLayer::new(verifier).realm("grpc-test").grpc())
        .layer(require_scopes(["read:messages"]).grpc())
        .add_service(GreeterServer)
        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener));
    tokio::spawn(server);
    base
}

async fn call(base: &str, authorization: Option<String>) -> Result<HelloReply, Status> {
    let channel = Channel::from_shared(base.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut request = tonic::Request::new(HelloRequest {
        name: "ana".to_owned(),
    });
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", value.parse().unwrap());
    }
    say_hello(channel, request).await.map(|r| r.into_inner())
}

fn challenge(status: &Status) -> String {
    let values: Vec<_> = status
        .metadata()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    values.join(" | ")
}

#[tokio::test]
async fn a_valid_token_with_the_scope_reaches_the_service_with_its_claims() {
    let base = serve().await;
    let reply = call(&base, Some(format!("Bearer {}", hs256(&access_claims()))))
        .await
        .unwrap();
    assert_eq!(reply.message, "hello, ana");
    assert_eq!(reply.sub, "auth0|user-1");
}

#[tokio::test]
async fn no_token_is_unauthenticated_with_a_challenge_without_an_error_code() {
    let base = serve().await;
    let status = call(&base, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert_eq!(status.message(), "an access token is required");
    let challenge = challenge(&status);
    assert!(
        challenge.starts_with("Bearer realm=\"grpc-test\""),
        "{challenge}"
    );
    assert!(!challenge.contains("error="), "{challenge}");
}

#[tokio::test]
async fn a_bad_or_expired_token_is_unauthenticated_with_invalid_token() {
    let base = serve().await;
    let forged = format!("Bearer {}x", hs256(&access_claims()));
    let expired = format!(
        "Bearer {}",
        hs256(&with(access_claims(), json!({"exp": NOW - 600})))
    );
    for (authorization, description) in [
        (forged, "the access token is not valid"),
        (expired, "the access token expired"),
    ] {
        let status = call(&base, Some(authorization)).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        assert_eq!(status.message(), description);
        let challenge = challenge(&status);
        assert!(
            challenge.contains("Bearer realm=\"grpc-test\", error=\"invalid_token\""),
            "{challenge}"
        );
    }
}

#[tokio::test]
async fn a_token_without_the_scope_is_permission_denied_with_insufficient_scope() {
    let base = serve().await;
    let token = hs256(&with(access_claims(), json!({"scope": "openid"})));
    let status = call(&base, Some(format!("Bearer {token}")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert_eq!(
        status.message(),
        "the access token lacks a required scope or permission"
    );
    let challenge = challenge(&status);
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains("scope=\"read:messages\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn a_malformed_authorization_is_invalid_argument() {
    let base = serve().await;
    let status = call(&base, Some("Bearer a b".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(challenge(&status).contains("error=\"invalid_request\""));
}
