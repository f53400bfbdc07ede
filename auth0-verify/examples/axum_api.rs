//! An API protected by Auth0 access tokens, with axum: the API quickstart.
//!
//! ```sh
//! AUTH0_DOMAIN=my-tenant.us.auth0.com AUTH0_AUDIENCE=https://api.example.com \
//!     cargo run -p auth0-verify --example axum_api --features axum
//! ```
//!
//! - `AUTH0_DOMAIN`: the tenant's domain, or a comma-separated list of them (its canonical
//!   domain and custom domains); a full URL (`http://127.0.0.1:PORT`) is taken for a local
//!   issuer. Without it, a local stand-in tenant is started and a token is printed.
//! - `AUTH0_AUDIENCE`: the API's identifier.
//! - `AUTH0_DPOP`: `allowed` (default), `required` or `disabled`.
//! - `PORT`: default 3010.
//! - `REDIS_URL` (`redis://127.0.0.1:6379/`): keeps the DPoP proofs seen in that Redis, so
//!   that several instances of the API refuse each other's replays (the first line printed
//!   says so). Without it, each instance remembers its own.
//! - `LOG`: the most detailed tracing level printed, default `debug` (why a request was
//!   refused is logged at `debug`, never sent to the client).
//!
//! Routes: `GET /api/public` (no token), `GET /api/private` (any valid token; answers its
//! `sub`), `GET /api/private-scoped` (scope `read:messages`), and the protected-resource
//! metadata at `/.well-known/oauth-protected-resource`.

use auth0_verify::Redis;
use auth0_verify::dpop::{DpopMode, DpopOptions, RedisReplayCache};
use auth0_verify::protect::{AuthLayer, Authenticated, RESOURCE_METADATA_PATH, require_scopes};
use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

fn routes(layer: AuthLayer, audience: &str) -> Router {
    let metadata = layer.metadata(audience).scopes(["read:messages"]);
    let protected = Router::new()
        .route(
            "/api/private",
            get(|who: Authenticated| async move { Json(json!({ "sub": who.sub })) }),
        )
        .route(
            "/api/private-scoped",
            get(|who: Authenticated| async move {
                Json(json!({ "sub": who.sub, "messages": ["hello"] }))
            })
            .route_layer(require_scopes(["read:messages"])),
        )
        .layer(layer);
    Router::new()
        .route(
            "/api/public",
            get(|| async { Json(json!({ "message": "public" })) }),
        )
        .route(RESOURCE_METADATA_PATH, get(move || async move { metadata }))
        .merge(protected)
}

/// `my-tenant.auth0.com` -> `https://my-tenant.auth0.com/`; a URL keeps its scheme.
fn issuer(domain: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(auth0_http::base_url(domain)?.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    // Refusals are explained in tracing only (the client gets RFC 6750's short answer).
    let level: tracing::Level = env("LOG").map_or(Ok(tracing::Level::DEBUG), |l| l.parse())?;
    tracing_subscriber::fmt().with_max_level(level).init();
    let port: u16 = env("PORT").map_or(Ok(3010), |p| p.parse())?;
    let mode = match env("AUTH0_DPOP").as_deref() {
        None | Some("allowed") => DpopMode::Allowed,
        Some("required") => DpopMode::Required,
        Some("disabled") => DpopMode::Disabled,
        Some(other) => {
            return Err(format!(
                "AUTH0_DPOP: expected allowed, required or disabled, found {other:?}"
            )
            .into());
        }
    };

    // The tenant: the one named, or a local stand-in (kept alive while the server runs).
    let (domains, audience, standin) = match env("AUTH0_DOMAIN") {
        Some(domains) => {
            let audience = env("AUTH0_AUDIENCE").ok_or("AUTH0_AUDIENCE is required")?;
            let domains: Vec<String> = domains.split(',').map(|d| d.trim().to_owned()).collect();
            (domains, audience, None)
        }
        None => {
            let standin = auth0_standin::Standin::start().await?;
            let audience =
                env("AUTH0_AUDIENCE").unwrap_or_else(|| "https://api.example.com".to_owned());
            eprintln!(
                "AUTH0_DOMAIN is not set: using a local stand-in tenant at {}",
                standin.url()
            );
            (vec![standin.url()], audience, Some(standin))
        }
    };
    let mut issuers = domains.iter().map(|d| issuer(d));
    let first = issuers.next().ok_or("AUTH0_DOMAIN names no domain")??;
    let keys =
        |issuer: &str| AsymmetricSignatureVerifier::new(format!("{issuer}.well-known/jwks.json"));
    let mut verifier = AccessTokenVerifier::new(keys(&first), first.clone(), audience.clone());
    for issuer in issuers {
        let issuer = issuer?;
        verifier = verifier.issuer(keys(&issuer), issuer);
    }

    // Several instances: the DPoP proofs seen, in the Redis they share (a proof accepted by
    // one instance is refused by the others).
    let mut dpop = DpopOptions::new().mode(mode);
    if let Some(url) = env("REDIS_URL") {
        let redis = Redis::new(&url)?;
        println!("DPoP proofs' replays kept in Redis at {}", redis.address());
        if let Err(e) = redis.ping().await {
            eprintln!("Redis does not answer yet ({e}); DPoP proofs are refused until it does");
        }
        dpop = dpop.replay_cache(RedisReplayCache::new(redis));
    }

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let layer = AuthLayer::new(verifier)
        .realm(audience.clone())
        .resource_metadata(format!("{base}{RESOURCE_METADATA_PATH}"))
        .dpop(dpop);
    let app = routes(layer, &audience);

    if let Some(standin) = &standin {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        let claims: Value = json!({
            "iss": standin.issuer(), "sub": "auth0|example-user", "aud": audience,
            "iat": now, "exp": now + 3600, "scope": "read:messages",
        });
        let token = standin.sign(&claims)?;
        eprintln!(
            "a token for it (scope read:messages, one hour):\n  curl -H 'Authorization: Bearer {token}' {base}/api/private-scoped"
        );
        let mut unscoped = claims;
        unscoped["scope"] = json!("read:profile");
        let token = standin.sign(&unscoped)?;
        eprintln!(
            "a token without read:messages (answered 403 insufficient_scope, the reason logged):\n  curl -i -H 'Authorization: Bearer {token}' {base}/api/private-scoped"
        );
    }
    println!("listening on {base}");
    axum::serve(listener, app).await?;
    Ok(())
}
