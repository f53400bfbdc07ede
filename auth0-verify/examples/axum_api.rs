//! Protecting an API route with the access-token verifier (axum).
//!
//! `GET /api/messages` needs a valid access token for this API with the `read:messages`
//! scope. To run offline, the example also plays Auth0's part (a JWKS on the same local
//! server and a test-only signing key), calls its own route a few times and exits.
//! In a real API, point `AsymmetricSignatureVerifier` at `https://YOUR_DOMAIN/.well-known/jwks.json`.
//!
//! Run with `cargo run -p auth0-verify --example axum_api`.

use std::time::{SystemTime, UNIX_EPOCH};

use auth0_verify::{
    AccessTokenClaims, AccessTokenVerifier, AsymmetricSignatureVerifier, TokenValidationError,
};
use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::Jwk};
use serde_json::json;

const API_AUDIENCE: &str = "https://api.example.com";

#[derive(Clone)]
struct AppState {
    verifier: AccessTokenVerifier,
}

impl FromRef<AppState> for AccessTokenVerifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// An extractor: handlers taking `Authenticated` only run for requests with a valid token.
struct Authenticated(AccessTokenClaims);

/// A 401 (or 403 for missing scopes) with an RFC 6750 `WWW-Authenticate` header.
struct AuthError(StatusCode, String);

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let error = if self.0 == StatusCode::FORBIDDEN {
            "insufficient_scope"
        } else {
            "invalid_token"
        };
        let challenge = format!(
            "Bearer error=\"{error}\", error_description=\"{}\"",
            self.1.replace('"', "'")
        );
        (self.0, [(header::WWW_AUTHENTICATE, challenge)], self.1).into_response()
    }
}

/// The details (which claim, expected and found values) stay in the server's log; the caller
/// only learns which kind of failure it was, so the API's issuer and audience are not told to
/// whoever probes it.
impl From<TokenValidationError> for AuthError {
    fn from(e: TokenValidationError) -> Self {
        eprintln!("access denied: {e}");
        match e {
            TokenValidationError::InsufficientScope { .. } => AuthError(
                StatusCode::FORBIDDEN,
                "the token lacks a required scope".into(),
            ),
            // The JWKS could not be fetched: our problem, not the caller's.
            TokenValidationError::Jwks(_) => AuthError(
                StatusCode::SERVICE_UNAVAILABLE,
                "authorization is unavailable; try again later".into(),
            ),
            _ => AuthError(
                StatusCode::UNAUTHORIZED,
                "the access token is not valid".into(),
            ),
        }
    }
}

impl<S> FromRequestParts<S> for Authenticated
where
    AccessTokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| AuthError(StatusCode::UNAUTHORIZED, "expected a Bearer token".into()))?;
        let verifier = AccessTokenVerifier::from_ref(state);
        Ok(Authenticated(verifier.verify(token).await?))
    }
}

async fn messages(Authenticated(claims): Authenticated) -> Result<String, AuthError> {
    claims.require_scopes(["read:messages"])?;
    Ok(format!(
        "hello {}, here are your messages",
        claims.sub.as_deref().unwrap_or("client")
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Auth0's part, for the offline demo: a signing key and its JWKS.
    let signing_key = EncodingKey::from_rsa_pem(include_bytes!("../tests/fixtures/rsa_a.pem"))?;
    let mut public = serde_json::to_value(Jwk::from_encoding_key(&signing_key, Algorithm::RS256)?)?;
    public["kid"] = json!("demo-key");
    let jwks = json!({ "keys": [public] }).to_string();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let issuer = format!("{base}/");

    // The API's part.
    let verifier = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(format!("{base}/.well-known/jwks.json")),
        issuer.clone(),
        API_AUDIENCE,
    );
    let app = Router::new()
        .route("/api/messages", get(messages))
        .route("/.well-known/jwks.json", get(move || async move { jwks }))
        .with_state(AppState { verifier });
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Callers.
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let token = |scope: &str, aud: &str| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("demo-key".into());
        let claims = json!({"iss": issuer, "sub": "auth0|64f1c0ffee", "aud": aud,
                            "iat": now, "exp": now + 3600, "scope": scope});
        jsonwebtoken::encode(&h, &claims, &signing_key)
    };
    let http = reqwest::Client::new();
    let cases = [
        (
            "valid token",
            Some(token("openid read:messages", API_AUDIENCE)?),
        ),
        ("missing scope", Some(token("openid", API_AUDIENCE)?)),
        (
            "token for another API",
            Some(token("read:messages", "https://other.example.com")?),
        ),
        ("no token", None),
    ];
    for (name, bearer) in cases {
        let mut request = http.get(format!("{base}/api/messages"));
        if let Some(t) = bearer {
            request = request.bearer_auth(t);
        }
        let response = request.send().await?;
        println!("{name}: {} {}", response.status(), response.text().await?);
    }
    Ok(())
}
