//! A confidential web application's login: the authorize URL (with PKCE, `state` and
//! `nonce`), the code exchange, the ID-token check and the user's profile.
//!
//! Needs a tenant: set `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET` and optionally
//! `AUTH0_REDIRECT_URI` (default `http://localhost:3000/callback`, which must be an allowed
//! callback URL of the application), then run
//!
//! ```text
//! cargo run -p auth0-auth --example web_app
//! ```
//!
//! open the printed URL, log in, and paste the URL the browser was redirected to.

use std::io::BufRead as _;

use auth0_auth::verify::{AsymmetricSignatureVerifier, TokenVerifier, VerifyOptions};
use auth0_auth::{Client, Pkce, random_string};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(domain), Some(client_id), Some(secret)) = (
        env("AUTH0_DOMAIN"),
        env("AUTH0_CLIENT_ID"),
        env("AUTH0_CLIENT_SECRET"),
    ) else {
        eprintln!(
            "This example needs a tenant: set AUTH0_DOMAIN, AUTH0_CLIENT_ID and \
             AUTH0_CLIENT_SECRET (and optionally AUTH0_REDIRECT_URI)."
        );
        std::process::exit(2);
    };
    let redirect_uri =
        env("AUTH0_REDIRECT_URI").unwrap_or_else(|| "http://localhost:3000/callback".into());

    let auth0 = Client::builder(domain)
        .client_id(client_id.clone())
        .client_secret(secret)
        .build()?;

    // 1. Send the browser to Auth0. Keep `pkce`, `state` and `nonce` in the session.
    let pkce = Pkce::new();
    let (state, nonce) = (random_string(), random_string());
    let url = auth0
        .authorize_url(&redirect_uri)
        .scope("openid profile email")
        .state(&state)
        .nonce(&nonce)
        .pkce(&pkce)
        .build();
    println!("Open this URL and log in:\n\n  {url}\n");
    println!("Then paste the URL you were redirected to:");

    // 2. The callback: check `state`, take `code`.
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let callback = url::Url::parse(line.trim())?;
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state.as_str()) {
        return Err("the state does not match: not our login".into());
    }
    let code = param("code").ok_or("the callback carries no code")?;

    // 3. Exchange the code, verifying the ID token (RS256 keys from the tenant's JWKS).
    let keys = AsymmetricSignatureVerifier::new(format!("{}.well-known/jwks.json", auth0.issuer()));
    let verifier = TokenVerifier::new(keys, auth0.issuer(), client_id);
    let tokens = auth0
        .authorization_code(code, &redirect_uri)
        .pkce(&pkce)
        .verify_id_token(&verifier)
        .verify_options(VerifyOptions::default().nonce(nonce))
        .send()
        .await?;
    if let Some(claims) = tokens.id_token_claims() {
        println!("ID token verified for {}", claims.sub);
    }

    // 4. The user's profile.
    let profile = auth0.userinfo(&tokens.access_token).send().await?;
    println!(
        "Hello {} ({})",
        profile.name.as_deref().unwrap_or(&profile.sub),
        profile.email.as_deref().unwrap_or("no email")
    );
    println!(
        "Log out at {}",
        auth0
            .logout_url()
            .return_to("http://localhost:3000/")
            .build()
    );
    Ok(())
}
