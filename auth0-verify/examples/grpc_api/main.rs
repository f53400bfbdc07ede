//! A gRPC API protected by Auth0 access tokens, with tonic: `AuthLayer` in front of the
//! server, refusals as gRPC statuses.
//!
//! ```sh
//! AUTH0_DOMAIN=my-tenant.us.auth0.com AUTH0_AUDIENCE=https://api.example.com \
//!     cargo run -p auth0-verify --example grpc_api --features tower
//! ```
//!
//! - `AUTH0_DOMAIN`: the tenant's domain (a full URL, `http://127.0.0.1:PORT`, for a local
//!   issuer). Without it, a local stand-in tenant is started, and the example calls itself
//!   with a token of scope `read:messages`, without a token and with a token lacking the
//!   scope, printing each answer.
//! - `AUTH0_AUDIENCE`: the API's identifier.
//! - `PORT`: default 50051.
//!
//! The service `greet.Greeter/SayHello` (see `greeter.rs`) needs a token with the scope
//! `read:messages`: without a token the call fails with `UNAUTHENTICATED`, without the scope
//! with `PERMISSION_DENIED`, the RFC 6750 challenge in the `www-authenticate` metadata.

mod greeter;

use std::net::SocketAddr;

use auth0_verify::protect::{AuthLayer, require_scopes};
use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
use greeter::{GreeterServer, HelloRequest, say_hello};
use serde_json::json;
use tonic::transport::{Channel, Server};

/// Calls `SayHello` with `token` (if any) and prints what comes back.
async fn call(base: &str, token: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    let channel = Channel::from_shared(base.to_owned())?.connect().await?;
    let mut request = tonic::Request::new(HelloRequest {
        name: "example".to_owned(),
    });
    if let Some(token) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
    }
    match say_hello(channel, request).await {
        Ok(reply) => println!("OK: {:?}", reply.into_inner()),
        Err(status) => {
            let challenge = status.metadata().get("www-authenticate");
            println!(
                "{:?}: {} (www-authenticate: {})",
                status.code(),
                status.message(),
                challenge.and_then(|c| c.to_str().ok()).unwrap_or("none")
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let port: u16 = env("PORT").map_or(Ok(50051), |p| p.parse())?;
    let (issuer, audience, standin) = match env("AUTH0_DOMAIN") {
        Some(domain) => {
            let audience = env("AUTH0_AUDIENCE").ok_or("AUTH0_AUDIENCE is required")?;
            (auth0_http::base_url(&domain)?.to_string(), audience, None)
        }
        None => {
            let standin = auth0_standin::Standin::start().await?;
            let audience =
                env("AUTH0_AUDIENCE").unwrap_or_else(|| "https://api.example.com".to_owned());
            eprintln!(
                "AUTH0_DOMAIN is not set: using a local stand-in tenant at {}",
                standin.url()
            );
            (standin.issuer(), audience, Some(standin))
        }
    };
    let keys = AsymmetricSignatureVerifier::new(format!("{issuer}.well-known/jwks.json"));
    let verifier = AccessTokenVerifier::new(keys, issuer, audience.clone());

    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let server = Server::builder()
        .layer(AuthLayer::new(verifier).realm(audience.clone()).grpc())
        .layer(require_scopes(["read:messages"]).grpc())
        .add_service(GreeterServer)
        .serve_with_incoming(incoming);
    println!("listening on {base}");

    let Some(standin) = standin else {
        server.await?;
        return Ok(());
    };
    let server = tokio::spawn(server);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let token = |scope: &str| {
        standin.sign(&json!({
            "iss": standin.issuer(), "sub": "auth0|example-user", "aud": audience,
            "iat": now, "exp": now + 3600, "scope": scope,
        }))
    };
    call(&base, Some(&token("read:messages")?)).await?;
    call(&base, None).await?;
    call(&base, Some(&token("openid")?)).await?;
    eprintln!("serving until stopped (Ctrl-C)");
    server.await??;
    Ok(())
}
