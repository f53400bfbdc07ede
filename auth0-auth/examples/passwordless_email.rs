//! Passwordless login by email: Auth0 sends a one-time code, the user types it in, and it is
//! exchanged for tokens.
//!
//! Needs a tenant with the email passwordless connection enabled for the application: set
//! `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_EMAIL` and, for a confidential application,
//! `AUTH0_CLIENT_SECRET`, then run
//!
//! ```text
//! cargo run -p auth0-auth --example passwordless_email
//! ```

use std::io::BufRead as _;

use auth0_auth::{Client, PasswordlessRealm};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(domain), Some(client_id), Some(email)) = (
        env("AUTH0_DOMAIN"),
        env("AUTH0_CLIENT_ID"),
        env("AUTH0_EMAIL"),
    ) else {
        eprintln!(
            "This example needs a tenant: set AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_EMAIL \
             (and AUTH0_CLIENT_SECRET for a confidential application)."
        );
        std::process::exit(2);
    };
    let mut builder = Client::builder(domain).client_id(client_id);
    if let Some(secret) = env("AUTH0_CLIENT_SECRET") {
        builder = builder.client_secret(secret);
    }
    let auth0 = builder.build()?;

    auth0.passwordless_email(&email).send().await?;
    println!("A code was sent to {email}. Type it in:");
    let mut code = String::new();
    std::io::stdin().lock().read_line(&mut code)?;

    let tokens = auth0
        .passwordless_otp(PasswordlessRealm::Email, &email, code.trim())
        .scope("openid profile email")
        .send()
        .await?;
    let profile = auth0.userinfo(&tokens.access_token).send().await?;
    println!("Logged in as {}", profile.sub);
    Ok(())
}
