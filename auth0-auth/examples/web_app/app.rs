//! The application of `main.rs`: its settings, its routes, and the stand-in tenant it logs
//! users in to when no tenant is named. A module of its own so that the end-to-end tests
//! (`tests/browser/`) serve this very router against this very tenant.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use auth0_auth::web::{
    AccessToken, Redis, RedisLogoutRecord, RedisSessionStore, User, WebAuth, WebAuthBuilder,
    WebError,
};
use auth0_standin::{Api, Application, Organization, StandinBuilder};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

/// The API whose access tokens `/api/token` hands out when `AUTH0_AUDIENCE` is not set (the
/// stand-in registers it).
pub const DEFAULT_AUDIENCE: &str = "https://api.example.com/";
/// The stand-in's user.
pub const USER_EMAIL: &str = "zoe@example.com";
/// The stand-in user's password.
pub const USER_PASSWORD: &str = "correct horse battery staple";
/// The stand-in user's name.
pub const USER_NAME: &str = "Zoë O'Brien";
/// The stand-in's organization, which the user belongs to.
pub const ORGANIZATION_ID: &str = "org_example1";
/// The organization's name.
pub const ORGANIZATION_NAME: &str = "example";

/// What the application needs to know. `Debug` hides the secrets.
#[derive(Clone)]
pub struct Settings {
    /// The tenant: `my-tenant.us.auth0.com`, or the stand-in's `http://127.0.0.1:PORT`.
    pub domain: String,
    pub client_id: String,
    pub client_secret: String,
    /// The cookie secret (32 bytes or more).
    pub secret: String,
    /// Where the browser reaches the application (`http://localhost:3000`).
    pub base_url: String,
    /// The API of `/api/token`'s access tokens.
    pub audience: Option<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("secret", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("audience", &self.audience)
            .finish()
    }
}

impl Settings {
    /// The login handling: the SDK's defaults (routes under `/auth`, a stateless session
    /// cookie, scope `openid profile email offline_access`) with the audience.
    pub fn web_auth(&self) -> Result<WebAuth, WebError> {
        self.builder().build()
    }

    /// The login handling of one instance among several: [`web_auth`](Self::web_auth)'s,
    /// with the sessions (the cookie then holds only an id) and the back-channel logouts kept
    /// in `redis`, which every instance reads.
    pub fn shared_web_auth(&self, redis: &Redis) -> Result<WebAuth, WebError> {
        self.builder()
            .session_store(RedisSessionStore::new(redis.clone()))
            .logout_record(RedisLogoutRecord::new(redis.clone()))
            .build()
    }

    fn builder(&self) -> WebAuthBuilder {
        let mut builder = WebAuth::builder(&self.domain)
            .client_id(&self.client_id)
            .client_secret(self.client_secret.as_str())
            .base_url(&self.base_url)
            .secret(self.secret.as_str());
        if let Some(audience) = &self.audience {
            builder = builder.audience(audience);
        }
        builder
    }
}

/// The stand-in tenant of the example: the application (its callback, logout and back-channel
/// logout URLs on `base_url`), an API for `audience`, the user [`USER_EMAIL`], member of the
/// organization [`ORGANIZATION_ID`], and access tokens of `token_lifetime` when given.
pub fn standin(
    base_url: &str,
    client_id: &str,
    client_secret: &str,
    audience: &str,
    token_lifetime: Option<Duration>,
) -> StandinBuilder {
    let base = base_url.trim_end_matches('/');
    let mut builder = auth0_standin::Standin::builder()
        .application(
            Application::new(client_id, client_secret)
                .name("Web app example")
                .callback(format!("{base}/auth/callback"))
                .logout_url(format!("{base}/"))
                .backchannel_logout_url(format!("{base}/auth/backchannel-logout")),
        )
        .user(auth0_standin::User::new(USER_EMAIL, USER_PASSWORD).name(USER_NAME))
        .api(Api::new(audience).scopes(["read:messages"]))
        .organization(
            Organization::new(ORGANIZATION_ID, ORGANIZATION_NAME)
                .display_name("Example Inc.")
                .member(USER_EMAIL),
        );
    if let Some(lifetime) = token_lifetime {
        builder = builder.access_token_lifetime(lifetime);
    }
    builder
}

/// The line printed when the stand-in is started.
pub fn standin_line(url: &str) -> String {
    format!(
        "stand-in tenant at {url}; log in as {USER_EMAIL} with password {USER_PASSWORD}; \
         organization {ORGANIZATION_ID}"
    )
}

/// The routes: `GET /` (public), `GET /profile` and `GET /api/token` (login required), the
/// SDK's login routes, and the session layer around them all.
pub fn router(auth: &WebAuth) -> Router {
    // Answers with a user's data or tokens are kept by no cache.
    let private = Router::new()
        .route("/profile", get(profile))
        .route("/api/token", get(token))
        .route_layer(axum::middleware::map_response(no_store))
        .route_layer(auth.require_login());
    Router::new()
        .route("/", get(home))
        .merge(private)
        .merge(auth.router())
        .layer(auth.layer())
}

/// The home page: a log-in link, or the user's name and a log-out link.
async fn home(user: Option<User>) -> Html<String> {
    let body = match user {
        Some(user) => format!(
            "<p>Logged in as <strong id=\"name\">{}</strong>.</p>\n\
             <p><a id=\"profile\" href=\"/profile\">Profile</a> \
             <a id=\"logout\" href=\"/auth/logout\">Log out</a></p>",
            escape(display_name(&user))
        ),
        None => "<p>You are not logged in.</p>\n\
                 <p><a id=\"login\" href=\"/auth/login\">Log in</a></p>"
            .to_owned(),
    };
    page("Home", &body)
}

/// The user's profile: JSON `{"sub", "email", "name", "org_id"?}` for a request that
/// prefers `application/json`, a page otherwise.
async fn profile(user: User, headers: HeaderMap) -> Response {
    if prefers_json(&headers) {
        let mut body = json!({ "sub": user.sub, "email": user.email, "name": user.name });
        if let Some(org) = &user.org_id {
            body["org_id"] = json!(org);
        }
        return Json(body).into_response();
    }
    let mut rows = vec![
        ("name", display_name(&user).to_owned()),
        ("email", user.email.clone().unwrap_or_default()),
        ("sub", user.sub.clone()),
    ];
    if let Some(org) = &user.org_id {
        rows.push(("org_id", org.clone()));
    }
    let mut body = String::from("<h1>Profile</h1>\n<dl>\n");
    for (key, value) in rows {
        body.push_str(&format!(
            "<dt>{key}</dt><dd id=\"{key}\">{}</dd>\n",
            escape(&value)
        ));
    }
    body.push_str("</dl>\n<p><a href=\"/\">Home</a> <a href=\"/auth/logout\">Log out</a></p>");
    page("Profile", &body).into_response()
}

/// An access token for the configured audience, refreshed by the extractor when it is about
/// to expire: `{"access_token", "expires_at"}` (seconds since the Unix epoch, or `null`).
async fn token(token: AccessToken) -> Json<serde_json::Value> {
    let expires_at = token
        .expires_at()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    Json(json!({ "access_token": token.expose_secret(), "expires_at": expires_at }))
}

async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn display_name(user: &User) -> &str {
    user.name
        .as_deref()
        .or(user.email.as_deref())
        .unwrap_or(&user.sub)
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>{title} | Web app example</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    ))
}

/// Whether the request's `Accept` ranks `application/json` above zero and at least as high
/// as `text/html`.
fn prefers_json(headers: &HeaderMap) -> bool {
    let (mut json, mut html) = (0.0_f32, 0.0_f32);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/json" => json = json.max(q),
                "text/html" => html = html.max(q),
                _ => {}
            }
        }
    }
    json > 0.0 && json >= html
}

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
