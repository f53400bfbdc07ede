//! Verifying an ID token after login, offline.
//!
//! A real app receives the ID token from Auth0's `/oauth/token` response and verifies it
//! against `https://YOUR_DOMAIN/.well-known/jwks.json`. To run without a tenant, this example
//! plays Auth0's part: it serves a JWKS on 127.0.0.1 and signs a token with a test-only key.
//!
//! Run with `cargo run -p auth0-verify --example id_token`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_verify::{AsymmetricSignatureVerifier, TokenVerifier, VerifyOptions};
use axum::Router;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::Jwk};
use serde_json::json;

const CLIENT_ID: &str = "my-client-id";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // --- Auth0's side: a signing key, its JWKS, and an ID token issued at login. ---
    let signing_key = EncodingKey::from_rsa_pem(include_bytes!("../tests/fixtures/rsa_a.pem"))?;
    let mut public = serde_json::to_value(Jwk::from_encoding_key(&signing_key, Algorithm::RS256)?)?;
    public["kid"] = json!("demo-key");
    public["use"] = json!("sig");
    let jwks = json!({ "keys": [public] }).to_string();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let domain = format!("http://{}", listener.local_addr()?);
    let app = Router::new().route("/.well-known/jwks.json", get(move || async move { jwks }));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let issuer = format!("{domain}/");
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("demo-key".into());
    let id_token = jsonwebtoken::encode(
        &header,
        &json!({
            "iss": issuer, "sub": "auth0|64f1c0ffee", "aud": CLIENT_ID,
            "iat": now, "exp": now + 36_000, "auth_time": now - 30,
            "nonce": "nonce-from-the-login-request",
            "name": "Ana Example", "email": "ana@example.com",
        }),
        &signing_key,
    )?;

    // --- The app's side: verify the ID token from the login callback. ---
    let verifier = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(format!("{domain}/.well-known/jwks.json")),
        issuer,
        CLIENT_ID,
    );
    let options = VerifyOptions::default()
        .nonce("nonce-from-the-login-request")
        .max_age(Duration::from_secs(300));
    let claims = verifier.verify(&id_token, &options).await?;
    println!(
        "verified: sub={} email={}",
        claims.sub,
        claims.email.as_deref().unwrap_or("(none)")
    );

    // A replayed token from another login attempt carries another nonce and is refused.
    let replay = VerifyOptions::default().nonce("a-different-login");
    match verifier.verify(&id_token, &replay).await {
        Ok(_) => println!("unexpected: accepted"),
        Err(e) => println!("rejected as expected: {e}"),
    }
    Ok(())
}
