//! A web application that logs users in with Auth0: the SDK's login, callback, logout and
//! back-channel logout routes, a session cookie, and access tokens refreshed as they expire.
//!
//! ```sh
//! cargo run -p auth0-auth --example web_app --features axum
//! ```
//!
//! Settings, from the environment:
//!
//! - `AUTH0_DOMAIN`: the tenant (`my-tenant.us.auth0.com`). Without it, a local stand-in
//!   tenant is started with this application, an API, a user and an organization, and one
//!   line says where it is and how to log in.
//! - `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`: the application's credentials (required with
//!   `AUTH0_DOMAIN`).
//! - `AUTH0_SECRET`: the cookie secret, 32 bytes or more (`openssl rand -hex 32`; required
//!   with `AUTH0_DOMAIN`, drawn at random for the stand-in).
//! - `APP_BASE_URL`: where the browser reaches the application (default
//!   `http://localhost:3000`). Open the application there: cookies are kept per host, so a
//!   login started on `127.0.0.1` would not find its cookie back on `localhost`.
//! - `AUTH0_AUDIENCE`: the API of `/api/token`'s access tokens (the stand-in's default:
//!   `https://api.example.com/`).
//! - `PORT`: the port on 127.0.0.1 (default 3000).
//! - `REDIS_URL` (`redis://127.0.0.1:6379/`): keeps the sessions and the back-channel logouts
//!   in that Redis, so that several instances of the application serve the same users (the
//!   first line printed says so). Without it, sessions are stateless cookies and logouts are
//!   remembered by this process only.
//! - `AUTH0_STANDIN_TOKEN_LIFETIME`: with the stand-in, the access tokens' lifetime in
//!   seconds. Tokens are refreshed within a minute of expiry: with `90`, `/api/token` hands
//!   out the login's token for half a minute and a fresh one on each request after that.
//!
//! On a real tenant, register `APP_BASE_URL/auth/callback` as an allowed callback URL,
//! `APP_BASE_URL/` as an allowed logout URL and `APP_BASE_URL/auth/backchannel-logout` as the
//! back-channel logout URL (reachable by Auth0 only if the application is).
//!
//! Routes: `GET /` (public: a log-in link, or the user's name and a log-out link),
//! `GET /profile` (login required; HTML, or JSON `{"sub", "email", "name", "org_id"?}` when
//! the request accepts `application/json`), `GET /api/token` (login required; JSON
//! `{"access_token", "expires_at"}`), and the SDK's `/auth/login` (with `returnTo`,
//! `organization`, `invitation`, …), `/auth/callback`, `/auth/logout` and
//! `/auth/backchannel-logout`.

mod app;

use std::process::ExitCode;
use std::time::Duration;

use app::Settings;
use auth0_auth::web::Redis;

type Failure = Box<dyn std::error::Error>;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `name`'s value read as a number, or `default` when unset.
fn number<T: std::str::FromStr>(name: &str, default: Option<T>) -> Result<Option<T>, Failure> {
    match env(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse() {
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(format!("{name}: expected a whole number, found {v:?}").into()),
        },
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("web_app: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let port: u16 = number("PORT", Some(3000))?.unwrap_or(3000);
    let base_url = env("APP_BASE_URL").unwrap_or_else(|| "http://localhost:3000".to_owned());

    // The tenant: the one named, or a stand-in (kept alive while the application runs).
    let (settings, _standin) = match env("AUTH0_DOMAIN") {
        Some(domain) => {
            let required = |name: &str| {
                env(name).ok_or_else(|| format!("{name} is required with AUTH0_DOMAIN"))
            };
            let settings = Settings {
                domain,
                client_id: required("AUTH0_CLIENT_ID")?,
                client_secret: required("AUTH0_CLIENT_SECRET")?,
                secret: required("AUTH0_SECRET")?,
                base_url,
                audience: env("AUTH0_AUDIENCE"),
            };
            (settings, None)
        }
        None => {
            let client_id =
                env("AUTH0_CLIENT_ID").unwrap_or_else(|| auth0_standin::CLIENT_ID.to_owned());
            let client_secret = env("AUTH0_CLIENT_SECRET")
                .unwrap_or_else(|| auth0_standin::CLIENT_SECRET.to_owned());
            let audience = env("AUTH0_AUDIENCE").unwrap_or_else(|| app::DEFAULT_AUDIENCE.into());
            let lifetime =
                number::<u64>("AUTH0_STANDIN_TOKEN_LIFETIME", None)?.map(Duration::from_secs);
            let standin = app::standin(&base_url, &client_id, &client_secret, &audience, lifetime)
                .start()
                .await?;
            println!("{}", app::standin_line(&standin.url()));
            let settings = Settings {
                domain: standin.url(),
                client_id,
                client_secret,
                secret: env("AUTH0_SECRET").unwrap_or_else(auth0_auth::random_string),
                base_url,
                audience: Some(audience),
            };
            (settings, Some(standin))
        }
    };

    // Several instances: the sessions and back-channel logouts in the Redis they share.
    let auth = match env("REDIS_URL") {
        Some(url) => {
            let redis = Redis::new(&url)?;
            println!(
                "sessions and back-channel logouts kept in Redis at {}",
                redis.address()
            );
            if let Err(e) = redis.ping().await {
                eprintln!("web_app: Redis does not answer yet ({e}); sessions wait for it");
            }
            settings.shared_web_auth(&redis)?
        }
        None => settings.web_auth()?,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    println!("listening on http://{address}");
    axum::serve(listener, app::router(&auth)).await?;
    Ok(())
}
