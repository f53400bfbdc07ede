//! Quickstart: a Management API token by client credentials, then users through the
//! generated Management API.
//!
//! With `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID` and `AUTH0_CLIENT_SECRET` set (a machine-to-machine
//! application authorized for the Management API with `read:users create:users delete:users
//! read:roles`), it runs against that tenant. Without them it starts a local stand-in tenant on
//! 127.0.0.1 and says so.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use std::error::Error;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use auth0::management::{Client, types};

type BoxError = Box<dyn Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("\nquickstart finished");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nquickstart failed: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

struct Tenant {
    /// `https://tenant.auth0.com` or the stand-in's `http://127.0.0.1:PORT`.
    base: String,
    /// The Management API audience.
    audience: String,
    client_id: String,
    client_secret: String,
    _standin: Option<auth0_standin::Standin>,
}

async fn tenant() -> Result<Tenant, BoxError> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match (
        var("AUTH0_DOMAIN"),
        var("AUTH0_CLIENT_ID"),
        var("AUTH0_CLIENT_SECRET"),
    ) {
        (Some(domain), Some(client_id), Some(client_secret)) => {
            let domain = domain.trim_end_matches('/').to_string();
            let base = if domain.contains("://") {
                domain.clone()
            } else {
                format!("https://{domain}")
            };
            println!("Using the Auth0 tenant at {base}");
            Ok(Tenant {
                audience: format!("{base}/api/v2/"),
                base,
                client_id,
                client_secret,
                _standin: None,
            })
        }
        _ => {
            let standin = auth0_standin::Standin::start().await?;
            let base = standin.url();
            println!(
                "AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are not all set:\n\
                 using a local stand-in tenant at {base}"
            );
            Ok(Tenant {
                audience: format!("{base}/api/v2/"),
                base,
                client_id: auth0_standin::CLIENT_ID.into(),
                client_secret: auth0_standin::CLIENT_SECRET.into(),
                _standin: Some(standin),
            })
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let tenant = tenant().await?;

    println!("\n1. Getting a Management API token by client credentials");
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", tenant.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", tenant.client_id.as_str()),
            ("client_secret", tenant.client_secret.as_str()),
            ("audience", tenant.audience.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = answer["access_token"]
        .as_str()
        .ok_or_else(|| format!("no access_token in the token answer: {answer}"))?;
    println!(
        "   got a {} token",
        answer["token_type"].as_str().unwrap_or("bearer")
    );

    let mgmt = Client::builder(tenant.base.as_str()).token(token).build()?;

    println!("\n2. Creating a user");
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let email = format!("quickstart+{stamp}@example.com");
    let new_user = types::CreateUserRequestContent {
        connection: "Username-Password-Authentication".into(),
        email: Some(email.clone()),
        password: Some(format!("Qs-{stamp}-pw!")),
        ..Default::default()
    };
    let created = mgmt.users().create().body(new_user).send().await?;
    let user_id = created
        .user_id
        .clone()
        .ok_or("the created user has no user_id")?;
    println!("   created {user_id} <{email}>");

    println!("\n3. Listing users page by page");
    let mut page = 0;
    loop {
        let answer = mgmt
            .users()
            .list()
            .page(page)
            .per_page(2)
            .include_totals(true)
            .send()
            .await?;
        let (users, total) = match answer {
            types::ListUsersResponseContent::ListUsersOffsetPaginatedResponseContent(p) => (
                p.users.unwrap_or_default(),
                p.total.unwrap_or_default() as usize,
            ),
            types::ListUsersResponseContent::Array(users) => {
                let n = users.len();
                (users, n)
            }
            other => return Err(format!("unexpected list answer: {other:?}").into()),
        };
        for u in &users {
            println!(
                "   page {page}: {} {}",
                u.user_id.as_deref().unwrap_or("?"),
                u.email.as_deref().unwrap_or("")
            );
        }
        if users.is_empty() || (page as usize + 1) * 2 >= total || page >= 4 {
            break;
        }
        page += 1;
    }

    println!("\n4. Reading the user back");
    let user = mgmt.users().get(&user_id).send().await?;
    println!(
        "   {} created at {}",
        user.email.as_deref().unwrap_or("?"),
        user.created_at.as_deref().unwrap_or("?")
    );

    println!("\n5. Deleting the user");
    mgmt.users().delete(&user_id).send().await?;
    match mgmt.users().get(&user_id).send().await {
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => {
            println!("   deleted (a second read answers 404: {e})")
        }
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("the user is still there after delete".into()),
    }
    Ok(())
}
