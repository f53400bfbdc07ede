//! Quickstart: the SDK end to end against one tenant.
//!
//! 1. a Management API token by client credentials (`auth0::authentication`),
//! 2. a new user (`auth0::management`),
//! 3. users listed page by page,
//! 4. a role given to the user (when the token's scopes allow it and the tenant has roles),
//! 5. the user logs in with the password-realm grant,
//! 6. the ID token is verified against the tenant's JWKS (`auth0::verify`),
//! 7. the user's profile from `/userinfo`,
//! 8. the user is deleted (also when a step after its creation failed),
//! 9. the connections are listed,
//! 10. the connection gets a new `display_name`, read back, and its old one back,
//! 11. an organization's members: a new organization and a new user, the user added as a
//!     member, the members listed, the user removed, both deleted again.
//!
//! With `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID` and `AUTH0_CLIENT_SECRET` set it runs against that
//! tenant: the application must be a machine-to-machine application authorized for the
//! Management API (`read:users create:users delete:users`; `read:roles create:role_members`
//! for step 4, `read:connections` for step 9, `update:connections` for step 10,
//! `create:organizations delete:organizations create:organization_members
//! read:organization_members delete:organization_members` for step 11: a step whose scopes
//! the token has not is skipped), allowed to use the Password grant, with the database
//! connection `AUTH0_CONNECTION` (default `Username-Password-Authentication`) enabled and its
//! JSON Web Token signature algorithm RS256. Without them it starts a local stand-in tenant on
//! 127.0.0.1 and says so.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

mod flow;

use std::error::Error;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let tenant = match flow::Tenant::from_env() {
        Ok(t) => t,
        Err(message) => {
            eprintln!("quickstart: {message}");
            return ExitCode::FAILURE;
        }
    };
    let (tenant, _standin) = match tenant {
        Some(tenant) => {
            println!("Using the Auth0 tenant {}", tenant.domain);
            (tenant, None)
        }
        None => match auth0_standin::Standin::start().await {
            Ok(standin) => {
                println!(
                    "AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are not set:\n\
                     using a local stand-in tenant at {} (see auth0-standin)",
                    standin.url()
                );
                (flow::Tenant::standin(&standin), Some(standin))
            }
            Err(e) => {
                eprintln!("quickstart: {e}");
                return ExitCode::FAILURE;
            }
        },
    };

    match flow::run(&tenant, &mut |line| println!("{line}")).await {
        Ok(_) => {
            println!("\nquickstart finished: every step succeeded");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nquickstart failed at step {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
