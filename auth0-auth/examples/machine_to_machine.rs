//! A machine-to-machine token: the client-credentials grant for an API, authenticated with
//! the client secret or, when `AUTH0_PRIVATE_KEY` names a PEM file, a private-key JWT
//! (RS256).
//!
//! Needs a tenant: set `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_AUDIENCE` and either
//! `AUTH0_CLIENT_SECRET` or `AUTH0_PRIVATE_KEY`, then run
//!
//! ```text
//! cargo run -p auth0-auth --example machine_to_machine
//! ```

use auth0_auth::http::RetryPolicy;
use auth0_auth::{AssertionAlgorithm, Client};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(domain), Some(client_id), Some(audience)) = (
        env("AUTH0_DOMAIN"),
        env("AUTH0_CLIENT_ID"),
        env("AUTH0_AUDIENCE"),
    ) else {
        eprintln!(
            "This example needs a tenant: set AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_AUDIENCE \
             and AUTH0_CLIENT_SECRET or AUTH0_PRIVATE_KEY (a PEM file)."
        );
        std::process::exit(2);
    };

    let mut builder = Client::builder(domain)
        .client_id(client_id)
        // The client-credentials grant spends no one-time code: retrying a 429 is safe.
        .token_retry_policy(RetryPolicy::default());
    builder = match (env("AUTH0_PRIVATE_KEY"), env("AUTH0_CLIENT_SECRET")) {
        (Some(path), _) => {
            builder.client_assertion_signing_key(std::fs::read(path)?, AssertionAlgorithm::RS256)
        }
        (None, Some(secret)) => builder.client_secret(secret),
        (None, None) => {
            eprintln!("Set AUTH0_CLIENT_SECRET or AUTH0_PRIVATE_KEY.");
            std::process::exit(2);
        }
    };
    let auth0 = builder.build()?;

    match auth0.client_credentials().audience(audience).send().await {
        Ok(tokens) => {
            println!(
                "Got a {} token with scopes {:?}, valid until {:?}",
                tokens.token_type.as_deref().unwrap_or("Bearer"),
                tokens.scope.as_deref().unwrap_or(""),
                tokens.expires_at()
            );
            Ok(())
        }
        Err(e) => {
            eprintln!("Auth0 said no: {e}");
            if let Some(reset) = e.rate_limit_reset() {
                eprintln!("The rate limit resets at {reset:?}");
            }
            std::process::exit(1);
        }
    }
}
