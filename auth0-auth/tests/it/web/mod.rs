//! Web login (features `web`, `axum`), over HTTP: an axum application with the SDK's router,
//! session layer and extractors on 127.0.0.1, a small tenant (`tenant.rs`) signing real RS256
//! tokens, and a browser that keeps cookies by hand.

mod flows;
mod sessions;
mod tenant;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth0_auth::web::{AccessToken, Session, User, WebAuth, WebAuthBuilder};
use auth0_http::ManualClock;
use axum::Router;
use axum::routing::get;
use reqwest::header::{HeaderMap, SET_COOKIE};
use url::Url;

use tenant::{CLIENT_ID, CLIENT_SECRET, Tenant};

pub const SECRET: &str = "a cookie secret of more than thirty-two bytes";
pub const OTHER_SECRET: &str = "another cookie secret, also more than 32 bytes";

/// The tenant, the application and its [`WebAuth`], one clock for both.
pub struct Fixture {
    pub tenant: Tenant,
    pub auth: WebAuth,
    /// `http://127.0.0.1:PORT` of the application.
    pub app: String,
    pub clock: ManualClock,
    /// Requests that reached the application's `/api/token` route (before its extractor).
    pub token_calls: Arc<AtomicUsize>,
}

impl Fixture {
    pub async fn start() -> Fixture {
        Fixture::start_with(|b| b).await
    }

    pub async fn start_with(configure: impl FnOnce(WebAuthBuilder) -> WebAuthBuilder) -> Fixture {
        let clock = ManualClock::new();
        let tenant = Tenant::start(clock.clone()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = format!("http://{}", listener.local_addr().unwrap());
        let builder = WebAuth::builder(&tenant.url)
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .base_url(&app)
            .secret(SECRET)
            .clock(clock.shared());
        let auth = configure(builder).build().unwrap();
        let token_calls = Arc::new(AtomicUsize::new(0));
        let router = application(&auth, token_calls.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Fixture {
            tenant,
            auth,
            app,
            clock,
            token_calls,
        }
    }

    /// Serves another application with `auth` (another configuration, same tenant).
    pub async fn serve(&self, auth: &WebAuth) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = format!("http://{}", listener.local_addr().unwrap());
        let router = application(auth, Arc::new(AtomicUsize::new(0)));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        app
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.app)
    }

    /// Logs `sub` in with session `sid`: login, the tenant's code, callback. The browser then
    /// holds the session cookie.
    pub async fn log_in(&self, browser: &mut Browser, sub: &str, sid: &str) {
        let authorize = browser.start_login("/auth/login?returnTo=/profile").await;
        let code = self.tenant.issue_code(&authorize, sub, sid);
        let state = query(&authorize, "state").unwrap();
        let done = browser
            .get(&format!("/auth/callback?code={code}&state={state}"))
            .await;
        assert_eq!(done.status, 302, "{}", done.body);
        assert_eq!(done.location(), Some("/profile"));
    }
}

/// The application under test: public `/`, `/profile` behind `require_login()`, `/api/token`
/// with the `AccessToken` extractor alone, `/api/token-for?audience=…` through `Session`.
fn application(auth: &WebAuth, token_calls: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route(
            "/",
            get(|user: Option<User>| async move {
                user.map_or_else(|| "anonymous".to_owned(), |u| format!("hello {}", u.sub))
            }),
        )
        .route(
            "/profile",
            get(|user: User| async move { axum::Json(user) }).layer(auth.require_login()),
        )
        .route(
            "/api/token",
            get(|token: AccessToken| async move { token.expose_secret().to_owned() }).layer(
                tower::util::MapRequestLayer::new(move |request: axum::extract::Request| {
                    token_calls.fetch_add(1, Ordering::SeqCst);
                    request
                }),
            ),
        )
        .route(
            "/api/token-for",
            get(
                |session: Session, query: axum::extract::RawQuery| async move {
                    let query = query.0.unwrap_or_default();
                    let audience = url::form_urlencoded::parse(query.as_bytes())
                        .find(|(k, _)| k == "audience")
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    match session.access_token_for(&audience).await {
                        Ok(t) => (http::StatusCode::OK, t.expose_secret().to_owned()),
                        Err(e) => (e.status(), e.to_string()),
                    }
                },
            ),
        )
        .merge(auth.router())
        .layer(auth.layer())
}

/// The value of a query parameter of `url`.
pub fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A cookie as the browser keeps it.
#[derive(Clone, Debug)]
pub struct Cookie {
    pub value: String,
    pub path: String,
}

/// A browser: no redirects followed (each one is looked at), cookies kept by name as
/// `Set-Cookie` says (path-matched when sent; removed by `Max-Age=0`).
pub struct Browser {
    base: String,
    http: reqwest::Client,
    pub jar: BTreeMap<String, Cookie>,
    pub accept: &'static str,
}

/// An answer as the browser saw it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").map(|v| v.to_str().unwrap())
    }

    /// The `Set-Cookie` lines.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The `Set-Cookie` line of `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
            accept: "text/html,application/xhtml+xml,*/*;q=0.8",
        }
    }

    /// The `Cookie` header for a request to `path`.
    pub fn cookie_header(&self, path: &str) -> String {
        self.jar
            .iter()
            .filter(|(_, c)| {
                path == c.path
                    || (path.starts_with(&c.path)
                        && (c.path.ends_with('/') || path[c.path.len()..].starts_with('/')))
            })
            .map(|(n, c)| format!("{n}={}", c.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path_and_query: &str) -> Answer {
        self.send(reqwest::Method::GET, path_and_query, None).await
    }

    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn send(
        &mut self,
        method: reqwest::Method,
        path_and_query: &str,
        form: Option<String>,
    ) -> Answer {
        let path = path_and_query.split('?').next().unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path_and_query}", self.base))
            .header("accept", self.accept);
        let cookies = self.cookie_header(path);
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        if let Some(body) = form {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let answer = Answer {
            status,
            headers,
            body,
        };
        for line in answer.set_cookies() {
            self.keep(&line);
        }
        answer
    }

    /// Applies one `Set-Cookie` line to the jar.
    pub fn keep(&mut self, line: &str) {
        let mut parts = line.split(';').map(str::trim);
        let (name, value) = parts.next().unwrap().split_once('=').unwrap();
        let mut path = "/".to_owned();
        let mut gone = false;
        for attr in parts {
            if let Some(p) = attr.strip_prefix("Path=") {
                path = p.to_owned();
            }
            if attr == "Max-Age=0" {
                gone = true;
            }
        }
        if gone {
            self.jar.remove(name);
        } else {
            self.jar.insert(
                name.to_owned(),
                Cookie {
                    value: value.to_owned(),
                    path,
                },
            );
        }
    }

    /// `GET /auth/login…`: checks the redirect and returns the `/authorize` URL.
    pub async fn start_login(&mut self, path_and_query: &str) -> Url {
        let answer = self.get(path_and_query).await;
        assert_eq!(answer.status, 302, "{}", answer.body);
        Url::parse(answer.location().unwrap()).unwrap()
    }

    /// The session cookie's value (whole or reassembled from chunks), if any.
    pub fn session_value(&self) -> Option<String> {
        if let Some(c) = self.jar.get("appSession") {
            return Some(c.value.clone());
        }
        let mut value = String::new();
        for i in 0.. {
            match self.jar.get(&format!("appSession.{i}")) {
                Some(c) => value.push_str(&c.value),
                None if i == 0 => return None,
                None => break,
            }
        }
        Some(value)
    }

    /// The names of the cookies kept.
    pub fn names(&self) -> Vec<String> {
        self.jar.keys().cloned().collect()
    }
}

/// Long enough to pass any grace period.
pub const LATER: Duration = Duration::from_secs(120);
