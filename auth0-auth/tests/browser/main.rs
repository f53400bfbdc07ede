//! The web app example (`examples/web_app/`) tested as a person uses it: a headless chromium,
//! driven through chromedriver (WebDriver), opens the example's router, types a password
//! into the stand-in tenant's login page, follows the redirects, and reads the pages, while
//! the tests look at the cookies it keeps and at what the tenant did.
//!
//! Needs `chromium` and `chromedriver` on `PATH` (Debian: `apt-get install chromium
//! chromium-driver`). Without them each test prints `SKIPPED: …` and passes, unless
//! `AUTH0_REQUIRE_BROWSER` or `CI` is set: then it fails.
//!
//! The application and the stand-in both listen on 127.0.0.1 (on two ports), as they would on
//! a developer's machine. Browsers keep cookies per host, not per port, so each of them
//! receives the other's cookies: the application's (`appSession`, `auth0_txn.<state>`) and
//! the stand-in's (`auth0_standin_session`) are named apart, and each side reads only its
//! own. Putting one of them on `localhost` would separate the jars and hide a collision;
//! sharing the host is the harder case, so that is what is tested.

#[allow(dead_code)] // The tests use most of the example's module, not all.
#[path = "../../examples/web_app/app.rs"]
mod app;
mod driver;
mod example;
mod flows;

use std::time::Duration;

use auth0_auth::web::WebAuth;
use auth0_standin::Standin;
use fantoccini::{Client, Locator};
use serde_json::Value;
use url::Url;

use driver::{Driver, PATIENCE};

/// The stand-in tenant and the example's application, served on 127.0.0.1.
pub struct Site {
    pub standin: Standin,
    /// `http://127.0.0.1:PORT`: the application's base URL.
    pub base: String,
    pub auth: WebAuth,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Site {
    /// The example's tenant and router, with access tokens of `token_lifetime`.
    pub async fn start(token_lifetime: Option<Duration>) -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let standin = app::standin(
            &base,
            auth0_standin::CLIENT_ID,
            auth0_standin::CLIENT_SECRET,
            app::DEFAULT_AUDIENCE,
            token_lifetime,
        )
        .start()
        .await
        .unwrap();
        let settings = app::Settings {
            domain: standin.url(),
            client_id: auth0_standin::CLIENT_ID.to_owned(),
            client_secret: auth0_standin::CLIENT_SECRET.to_owned(),
            secret: auth0_auth::random_string(),
            base_url: base.clone(),
            audience: Some(app::DEFAULT_AUDIENCE.to_owned()),
        };
        let auth = settings.web_auth().unwrap();
        let router = app::router(&auth);
        let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Site {
            standin,
            base,
            auth,
            server,
        }
    }

    /// The URL of `path_and_query` on the application.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }
}

/// chromedriver for one test, or `None` after saying why the test is skipped.
pub fn driver(test: &str) -> Option<Driver> {
    match Driver::start() {
        Ok(d) => Some(d),
        Err(why) => {
            driver::skip(test, &why);
            None
        }
    }
}

/// A browser window (one tab of a browser).
pub struct Tab<'a> {
    pub client: &'a Client,
}

impl<'a> Tab<'a> {
    pub fn of(client: &'a Client) -> Self {
        Tab { client }
    }

    /// Navigates to `url` and waits for the new document (a navigation to the URL already
    /// shown must not be mistaken for done while the old document is still there).
    pub async fn goto(&self, url: &str) {
        let mark = "document.documentElement.setAttribute('data-left', '')";
        self.client.execute(mark, Vec::new()).await.unwrap();
        self.client.goto(url).await.unwrap();
        let fresh = "return document.readyState === 'complete' \
                     && !document.documentElement.hasAttribute('data-left')";
        let started = std::time::Instant::now();
        while self.client.execute(fresh, Vec::new()).await.ok() != Some(Value::Bool(true)) {
            assert!(
                started.elapsed() < PATIENCE,
                "{url} is not shown; the browser is at {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn url(&self) -> Url {
        self.client.current_url().await.unwrap()
    }

    /// Waits until the page is `url` (scheme, host, port, path and query compared).
    pub async fn wait_for_url(&self, url: &str) {
        let expected = Url::parse(url).unwrap();
        let started = std::time::Instant::now();
        loop {
            let current = self.url().await;
            if current == expected {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the browser stays at {current}, not {expected}: {}",
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for an element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!(
                "no {css} at {}: {e}; the page says: {}",
                self.url().await,
                self.body_text().await
            ),
        }
    }

    /// The text of an element.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    /// Whether the page has an element.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
    }

    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Fills in the stand-in's login page (which must be showing) and submits it.
    pub async fn submit_login(&self, email: &str, password: &str) {
        let form = self.wait_for("form[action='/u/login']").await;
        let username = form
            .find(Locator::Css("input[name='username']"))
            .await
            .unwrap();
        username.clear().await.unwrap();
        username.send_keys(email).await.unwrap();
        form.find(Locator::Css("input[name='password']"))
            .await
            .unwrap()
            .send_keys(password)
            .await
            .unwrap();
        form.find(Locator::Css("button[type='submit']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Logs in with the example's user from `start` (a page that leads to the login page) and
    /// waits to land on `landing`.
    pub async fn log_in(&self, start: &str, landing: &str) {
        self.goto(start).await;
        self.submit_login(app::USER_EMAIL, app::USER_PASSWORD).await;
        self.wait_for_url(landing).await;
    }

    /// A request from the page's script (`fetch`, the page's cookies, redirects not
    /// followed) to `path` with `Accept: accept`: the status and the body.
    pub async fn fetch(&self, path: &str, accept: &str) -> (u16, String) {
        let answer = self
            .client
            .execute_async(
                "const [path, accept, done] = arguments;
                 fetch(path, { headers: { accept }, redirect: 'manual' })
                   .then(async r => done({ status: r.status, body: await r.text() }))
                   .catch(e => done({ status: -1, body: String(e) }));",
                vec![Value::from(path), Value::from(accept)],
            )
            .await
            .unwrap();
        let status = answer["status"].as_i64().unwrap();
        assert!(status >= 0, "fetch {path} failed: {}", answer["body"]);
        (status as u16, answer["body"].as_str().unwrap().to_owned())
    }

    /// `fetch` asking for JSON, the body read as JSON.
    pub async fn fetch_json(&self, path: &str) -> (u16, Value) {
        let (status, body) = self.fetch(path, "application/json").await;
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path} answered {status} with no JSON ({e}): {body}"));
        (status, json)
    }

    /// A Chrome DevTools Protocol command, through chromedriver: its result.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        let body = serde_json::json!({ "cmd": command, "params": params }).to_string();
        self.client
            .issue_cmd(Cdp(body))
            .await
            .unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    /// Every cookie the browser keeps (for every host and path: the application's and the
    /// stand-in's alike), as DevTools describes them (`name`, `value`, `domain`, `path`,
    /// `httpOnly`, `secure`, `sameSite`, `expires`, …).
    pub async fn cookies(&self) -> Vec<Value> {
        let all = self
            .cdp("Network.getAllCookies", serde_json::json!({}))
            .await;
        all["cookies"].as_array().cloned().unwrap_or_default()
    }

    pub async fn cookie(&self, name: &str) -> Option<Value> {
        self.cookies().await.into_iter().find(|c| c["name"] == name)
    }

    /// The value of cookie `name`.
    pub async fn cookie_value(&self, name: &str) -> Option<String> {
        self.cookie(name)
            .await
            .and_then(|c| c["value"].as_str().map(str::to_owned))
    }

    /// The names of the cookies kept, sorted.
    pub async fn cookie_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .cookies()
            .await
            .iter()
            .filter_map(|c| c["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// Keeps `cookie` (as [`cookies`](Self::cookies) describes it) for its host, as a
    /// host-only cookie.
    pub async fn put_cookie(&self, cookie: &Value) {
        let mut params = serde_json::json!({
            "name": cookie["name"],
            "value": cookie["value"],
            "url": format!("http://{}/", cookie["domain"].as_str().unwrap()),
            "path": cookie["path"],
            "secure": cookie["secure"],
            "httpOnly": cookie["httpOnly"],
        });
        if let Some(same_site) = cookie.get("sameSite") {
            params["sameSite"] = same_site.clone();
        }
        if cookie["session"] != true {
            params["expires"] = cookie["expires"].clone();
        }
        let done = self.cdp("Network.setCookie", params).await;
        assert_ne!(done["success"], false, "{cookie} was not kept");
    }

    /// Replaces the value of cookie `name`, keeping its attributes.
    pub async fn set_cookie_value(&self, name: &str, value: &str) {
        let mut cookie = self
            .cookie(name)
            .await
            .unwrap_or_else(|| panic!("no cookie {name}"));
        cookie["value"] = Value::from(value);
        self.put_cookie(&cookie).await;
    }
}

/// `POST /session/{id}/goog/cdp/execute`: chromedriver's way to DevTools.
#[derive(Debug)]
struct Cdp(String);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> Result<Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.clone()))
    }
}

/// The claims of a JWT, unverified (the tests compare them; the tenant verifies).
pub fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
