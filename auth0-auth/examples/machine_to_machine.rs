//! A machine-to-machine token: the client-credentials grant for an API, authenticated with
//! the client secret or, when `AUTH0_PRIVATE_KEY` names a PEM file, a private-key JWT
//! (RS256); then the token is verified the way the API receiving it would (`auth0-verify`,
//! against the tenant's JWKS).
//!
//! With a tenant: set `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_AUDIENCE` and either
//! `AUTH0_CLIENT_SECRET` or `AUTH0_PRIVATE_KEY`. Without them it runs against a local stand-in
//! tenant (`auth0-standin`) and says so.
//!
//! ```text
//! cargo run -p auth0-auth --example machine_to_machine
//! ```

use auth0_auth::http::RetryPolicy;
use auth0_auth::{AssertionAlgorithm, Client};
use auth0_verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Where the token comes from and how the application proves who it is.
struct Tenant {
    domain: String,
    client_id: String,
    audience: String,
    proof: Proof,
}

enum Proof {
    Secret(String),
    PrivateKey(Vec<u8>),
}

fn tenant_from_env() -> Result<Option<Tenant>, Box<dyn std::error::Error>> {
    let (Some(domain), Some(client_id), Some(audience)) = (
        env("AUTH0_DOMAIN"),
        env("AUTH0_CLIENT_ID"),
        env("AUTH0_AUDIENCE"),
    ) else {
        return Ok(None);
    };
    let proof = match (env("AUTH0_PRIVATE_KEY"), env("AUTH0_CLIENT_SECRET")) {
        (Some(path), _) => Proof::PrivateKey(std::fs::read(path)?),
        (None, Some(secret)) => Proof::Secret(secret),
        (None, None) => return Err("set AUTH0_CLIENT_SECRET or AUTH0_PRIVATE_KEY".into()),
    };
    Ok(Some(Tenant {
        domain,
        client_id,
        audience,
        proof,
    }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keeps the stand-in running until the end of `main` when there is no tenant.
    let mut _standin = None;
    let tenant = match tenant_from_env()? {
        Some(tenant) => tenant,
        None => {
            let standin = auth0_standin::Standin::start().await?;
            println!(
                "No AUTH0_DOMAIN/AUTH0_CLIENT_ID/AUTH0_AUDIENCE set: using a local stand-in \
                 tenant at {}",
                standin.url()
            );
            let tenant = Tenant {
                domain: standin.url(),
                client_id: auth0_standin::CLIENT_ID.into(),
                audience: standin.management_audience(),
                proof: Proof::Secret(auth0_standin::CLIENT_SECRET.into()),
            };
            _standin = Some(standin);
            tenant
        }
    };

    let mut builder = Client::builder(tenant.domain.as_str())
        .client_id(tenant.client_id.as_str())
        // The client-credentials grant spends no one-time code: retrying a 429 is safe.
        .token_retry_policy(RetryPolicy::default());
    builder = match tenant.proof {
        Proof::PrivateKey(pem) => {
            builder.client_assertion_signing_key(pem, AssertionAlgorithm::RS256)
        }
        Proof::Secret(secret) => builder.client_secret(secret),
    };
    let auth0 = builder.build()?;

    let tokens = match auth0
        .client_credentials()
        .audience(tenant.audience.as_str())
        .send()
        .await
    {
        Ok(tokens) => tokens,
        Err(e) => {
            eprintln!("Auth0 said no: {e}");
            if let Some(reset) = e.rate_limit_reset() {
                eprintln!("The rate limit resets at {reset:?}");
            }
            std::process::exit(1);
        }
    };
    println!(
        "Got a {} token with scopes {:?}, valid for {} s",
        tokens.token_type.as_deref().unwrap_or("Bearer"),
        tokens.scope.as_deref().unwrap_or(""),
        tokens
            .expires_in
            .map_or_else(|| "an unstated number of".to_owned(), |s| s.to_string())
    );

    // What the API receiving the token does: check it against the tenant's published keys.
    let issuer = auth0.issuer().to_owned();
    let jwks = format!("{issuer}.well-known/jwks.json");
    let verifier = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(jwks),
        issuer,
        tenant.audience,
    );
    let claims = verifier.verify(tokens.access_token.expose_secret()).await?;
    println!(
        "The token verifies: issued to {} for {:?}",
        claims.sub.as_deref().unwrap_or("?"),
        claims.aud
    );
    Ok(())
}
