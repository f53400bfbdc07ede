//! Logging users in at the stand-in as a browser does, over real HTTP: the login page, codes
//! with PKCE, the stand-in's session, refresh tokens, organizations, invitations and logout
//! with back-channel logout tokens.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth0_auth::Pkce;
use auth0_standin::{
    Api, Application, CLIENT_ID, CLIENT_SECRET, Error, Organization, Standin, User,
};
use auth0_verify::{
    AccessTokenVerifier, AsymmetricSignatureVerifier, IdTokenClaims, LogoutTokenVerifier,
    TokenVerifier, VerifyOptions,
};
use reqwest::StatusCode;
use serde_json::Value;

const APP: &str = "web-app";
const APP_SECRET: &str = "web-app-secret";
const CALLBACK: &str = "http://127.0.0.1:3000/auth/callback";
const LOGOUT_URL: &str = "http://127.0.0.1:3000/";
const API: &str = "https://api.example.com/";
const BILLING: &str = "https://billing.example.com/";
const ZOE: &str = "zoe@example.com";
const ZOE_ID: &str = "auth0|zoe0001";
const ZOE_PASSWORD: &str = "a long passphrase 7";
const BOB: &str = "bob@example.com";
const BOB_PASSWORD: &str = "bobs passphrase 8";
const ACME: &str = "org_acme1234";
const OTHER: &str = "org_other99";

/// The application registered for the tests.
fn app() -> Application {
    Application::new(APP, APP_SECRET)
        .name("Web <App>")
        .callback(CALLBACK)
        .logout_url(LOGOUT_URL)
        .logout_url("http://127.0.0.1:3000/goodbye")
}

/// A tenant with the application, Zoe (member of acme), Bob (blocked), two APIs and two
/// organizations.
async fn tenant_with(apps: Vec<Application>) -> Standin {
    let mut builder = Standin::builder()
        .user(User::new(ZOE, ZOE_PASSWORD).id(ZOE_ID).name("Zoe"))
        .user(User::new(BOB, BOB_PASSWORD).blocked(true))
        .api(Api::new(API).scopes(["read:items", "write:items"]))
        .api(Api::new(BILLING).scopes(["read:invoices"]))
        .organization(
            Organization::new(ACME, "acme")
                .display_name("Acme & Co")
                .member(ZOE),
        )
        .organization(Organization::new(OTHER, "other"));
    for app in apps {
        builder = builder.application(app);
    }
    builder.start().await.unwrap()
}

async fn tenant() -> Standin {
    tenant_with(vec![app()]).await
}

/// An answer as a browser sees it: no redirect followed.
struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

impl Page {
    async fn of(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        Page {
            status,
            location: headers
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies: headers
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect(),
            body: response.text().await.unwrap(),
        }
    }

    /// The value of the (hidden) input named `name`.
    fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// The parameters the stand-in sent back to the application (query or fragment).
    fn sent_back(&self) -> BTreeMap<String, String> {
        let location = self
            .location
            .as_deref()
            .unwrap_or_else(|| panic!("no redirect: {} {}", self.status, self.body));
        let url = url::Url::parse(location).unwrap();
        let pairs = url.fragment().unwrap_or(url.query().unwrap_or_default());
        url::form_urlencoded::parse(pairs.as_bytes())
            .into_owned()
            .collect()
    }

    /// The code the stand-in sent back.
    fn code(&self) -> String {
        let back = self.sent_back();
        back.get("code")
            .unwrap_or_else(|| panic!("no code: {back:?}"))
            .clone()
    }

    fn is_login_page(&self) -> bool {
        self.body.contains("action=\"/u/login\"")
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A browser: keeps the cookies it is given (all hosts alike, as browsers do across ports)
/// and sends them back; follows no redirect.
struct Browser {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, page: &Page) {
        for cookie in &page.set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn get(&mut self, url: &str) -> Page {
        let mut request = self.http.get(url);
        if !self.cookies.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        let page = Page::of(request.send().await.unwrap()).await;
        self.keep(&page);
        page
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let mut request = self.http.post(url).form(form);
        if !self.cookies.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        let page = Page::of(request.send().await.unwrap()).await;
        self.keep(&page);
        page
    }

    /// Submits the login form of `page`.
    async fn log_in(&mut self, s: &Standin, page: &Page, username: &str, password: &str) -> Page {
        assert!(page.is_login_page(), "{} {}", page.status, page.body);
        let state = page.input("state").expect("the form's state");
        self.post(
            &format!("{}/u/login", s.url()),
            &[
                ("state", &state),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }
}

/// `/authorize` for the test application, with `params` added to (or replacing) the
/// defaults `response_type=code`, `client_id`, `redirect_uri`, `state`.
fn authorize_url(s: &Standin, params: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", APP),
        ("redirect_uri", CALLBACK),
        ("state", "st-1"),
    ];
    for (k, v) in params {
        all.retain(|(name, _)| name != k);
        all.push((k, v));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all)
        .finish();
    format!("{}/authorize?{query}", s.url())
}

async fn token_request(s: &Standin, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", s.url()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Exchanges a code for the test application.
async fn exchange(s: &Standin, code: &str, verifier: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", APP),
        ("client_secret", APP_SECRET),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    token_request(s, &form).await
}

/// Refreshes for the test application, with more parameters if given.
async fn refresh(s: &Standin, token: &str, more: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", APP),
        ("client_secret", APP_SECRET),
        ("refresh_token", token),
    ];
    form.extend_from_slice(more);
    token_request(s, &form).await
}

fn id_verifier(s: &Standin, client_id: &str) -> TokenVerifier {
    TokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        client_id,
    )
}

async fn id_claims(s: &Standin, body: &Value) -> IdTokenClaims {
    let token = body["id_token"].as_str().expect("an ID token");
    id_verifier(s, APP)
        .verify(token, &VerifyOptions::default())
        .await
        .unwrap()
}

fn assert_oauth_error(status: StatusCode, body: &Value, expected: u16, code: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

/// Logs Zoe in through the form with `params`; returns the page that sends her back.
async fn log_zoe_in(s: &Standin, browser: &mut Browser, params: &[(&str, &str)]) -> Page {
    let page = browser.get(&authorize_url(s, params)).await;
    browser.log_in(s, &page, ZOE, ZOE_PASSWORD).await
}

#[tokio::test]
async fn the_code_flow_with_pkce_logs_a_user_in_through_the_sdk() {
    let s = tenant().await;
    let auth = auth0_auth::Client::builder(s.url())
        .client_id(APP)
        .client_secret(APP_SECRET)
        .build()
        .unwrap();
    let pkce = Pkce::new();
    let url = auth
        .authorize_url(CALLBACK)
        .pkce(&pkce)
        .state("state-123")
        .nonce("nonce-456")
        .scope("openid profile email offline_access read:items")
        .audience(API)
        .build();

    let mut browser = Browser::new();
    let page = browser.get(url.as_str()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/u/login\">")
    );
    assert!(page.body.contains("<input name=\"username\""));
    assert!(
        page.body
            .contains("<input name=\"password\" type=\"password\"")
    );
    assert!(page.body.contains("<button type=\"submit\">"));
    // The application's name is escaped.
    assert!(page.body.contains("Web &lt;App&gt;"), "{}", page.body);
    assert!(!page.body.contains("Web <App>"));

    let back = browser.log_in(&s, &page, ZOE, ZOE_PASSWORD).await;
    assert_eq!(back.status, StatusCode::FOUND);
    assert!(back.location.as_deref().unwrap().starts_with(CALLBACK));
    assert_eq!(back.sent_back()["state"], "state-123");
    let cookie = back
        .set_cookies
        .iter()
        .find(|c| c.starts_with("auth0_standin_session="))
        .expect("the stand-in's session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    let tokens = auth
        .authorization_code(back.code(), CALLBACK)
        .pkce(&pkce)
        .send()
        .await
        .unwrap();
    let id_token = tokens.id_token.as_ref().expect("an ID token");
    let claims = id_verifier(&s, APP)
        .verify(
            id_token.expose_secret(),
            &VerifyOptions::default()
                .nonce("nonce-456")
                .max_age(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert_eq!(claims.sub, ZOE_ID);
    assert_eq!(claims.aud, [APP]);
    assert!(claims.auth_time.is_some());
    assert!(claims.sid.is_some());
    assert_eq!(claims.email.as_deref(), Some(ZOE));
    assert_eq!(claims.name.as_deref(), Some("Zoe"));
    assert!(claims.org_id.is_none());

    let access = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        API,
    )
    .verify(tokens.access_token.expose_secret())
    .await
    .unwrap();
    assert_eq!(access.sub.as_deref(), Some(ZOE_ID));
    assert_eq!(access.azp.as_deref(), Some(APP));
    let scope = access.scope.unwrap();
    assert!(scope.split(' ').any(|s| s == "read:items"), "{scope}");
    // Not asked for, so not granted.
    assert!(!scope.split(' ').any(|s| s == "write:items"), "{scope}");
    assert!(tokens.refresh_token.is_some());
    // The access token also opens /userinfo.
    let profile = auth.userinfo(&tokens.access_token).send().await.unwrap();
    assert_eq!(profile.email.as_deref(), Some(ZOE));
}

#[tokio::test]
async fn pkce_verifiers_and_codes_are_checked() {
    let s = tenant_with(vec![app(), Application::new("other-app", "other-secret")]).await;
    let pkce = Pkce::new();
    let verifier = pkce.verifier().expose_secret().to_owned();
    let challenge = [
        ("code_challenge", pkce.challenge()),
        ("code_challenge_method", "S256"),
        ("scope", "openid offline_access"),
    ];
    let mut browser = Browser::new();
    let code = log_zoe_in(&s, &mut browser, &challenge).await.code();

    // A wrong verifier, or none, is refused; the code stays usable for the right one.
    let wrong = Pkce::new();
    let (status, body) = exchange(&s, &code, Some(wrong.verifier().expose_secret())).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    assert_eq!(body["error_description"], "Failed to verify code verifier");
    let (status, body) = exchange(&s, &code, None).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    // Another application, or another redirect_uri, cannot use it.
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "other-app"),
            ("client_secret", "other-secret"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", APP),
            ("client_secret", APP_SECRET),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:3000/elsewhere"),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_oauth_error(status, &body, 403, "invalid_grant");

    let (status, first) = exchange(&s, &code, Some(&verifier)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let refresh_token = first["refresh_token"].as_str().unwrap().to_owned();

    // A code is used once; a second use also revokes what the first one gave.
    let (status, body) = exchange(&s, &code, Some(&verifier)).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    let (status, body) = refresh(&s, &refresh_token, &[]).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");

    // A code obtained without a challenge takes no verifier.
    let code = log_zoe_in(&s, &mut Browser::new(), &[]).await.code();
    let (status, body) = exchange(&s, &code, Some(&verifier)).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    let (status, body) = exchange(&s, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // No offline_access, no refresh token.
    assert!(body.get("refresh_token").is_none(), "{body}");
    let (status, body) = exchange(&s, "no-such-code", None).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
}

#[tokio::test]
async fn the_login_page_refuses_wrong_passwords_and_blocked_users() {
    let s = tenant().await;
    let mut browser = Browser::new();
    let page = browser
        .get(&authorize_url(
            &s,
            &[("login_hint", "\"><script>x</script>")],
        ))
        .await;
    // The hint fills the field, escaped.
    assert_eq!(page.input("username").unwrap(), "\"><script>x</script>");
    assert!(!page.body.contains("<script>x"));

    let again = browser.log_in(&s, &page, ZOE, "not her password").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.location.is_none());
    assert!(
        again.body.contains("Wrong email or password."),
        "{}",
        again.body
    );
    assert!(!browser.cookies.contains_key("auth0_standin_session"));
    let unknown = browser
        .log_in(&s, &again, "nobody@example.com", ZOE_PASSWORD)
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    // The page shown again still logs in.
    let back = browser.log_in(&s, &unknown, ZOE, ZOE_PASSWORD).await;
    assert!(back.sent_back().contains_key("code"));
    // Its transaction is over.
    let over = browser.log_in(&s, &again, ZOE, ZOE_PASSWORD).await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    assert!(over.location.is_none());

    // A blocked user's right password ends in access_denied at the callback.
    let mut browser = Browser::new();
    let page = browser.get(&authorize_url(&s, &[])).await;
    let back = browser.log_in(&s, &page, BOB, BOB_PASSWORD).await;
    let sent = back.sent_back();
    assert_eq!(sent["error"], "access_denied");
    assert_eq!(sent["error_description"], "user is blocked");
    assert_eq!(sent["state"], "st-1");
    assert!(!sent.contains_key("code"));
    assert!(!browser.cookies.contains_key("auth0_standin_session"));
}

#[tokio::test]
async fn authorize_shows_an_error_page_when_it_cannot_send_the_browser_back() {
    let s = tenant().await;
    let mut browser = Browser::new();
    for params in [
        vec![("client_id", "<script>alert(1)</script>")],
        vec![("redirect_uri", "http://127.0.0.1:3000/other")],
        vec![("redirect_uri", "https://evil.example/auth/callback")],
        vec![("client_id", "")],
    ] {
        let page = browser.get(&authorize_url(&s, &params)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{params:?}");
        assert!(page.location.is_none(), "{params:?}");
        assert!(page.body.contains("invalid_request"), "{}", page.body);
        assert!(!page.body.contains("<script>alert"), "{}", page.body);
    }
    let page = browser
        .get(&authorize_url(
            &s,
            &[("client_id", "<script>alert(1)</script>")],
        ))
        .await;
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The default application has no callback URL.
    let page = browser
        .get(&authorize_url(&s, &[("client_id", CLIENT_ID)]))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn request_errors_go_back_to_the_callback_with_the_state() {
    let s = tenant().await;
    let mut browser = Browser::new();
    for (params, error) in [
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            vec![("audience", "https://unknown.example/")],
            "access_denied",
        ),
        (vec![("organization", "org_nosuch1")], "invalid_request"),
        (
            vec![
                ("code_challenge", "abc"),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (vec![("prompt", "sometimes")], "invalid_request"),
        (vec![("max_age", "soon")], "invalid_request"),
        (vec![("response_mode", "web_message")], "invalid_request"),
        (vec![("invitation", "uinv_nosuch")], "invalid_request"),
    ] {
        let page = browser.get(&authorize_url(&s, &params)).await;
        assert_eq!(page.status, StatusCode::FOUND, "{params:?}");
        let sent = page.sent_back();
        assert_eq!(sent["error"], error, "{params:?}: {sent:?}");
        assert!(sent.contains_key("error_description"), "{sent:?}");
        assert_eq!(sent["state"], "st-1");
    }
}

#[tokio::test]
async fn a_stand_in_session_logs_in_again_without_the_form() {
    let s = tenant().await;
    let mut browser = Browser::new();

    // No session: prompt=none answers login_required.
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert_eq!(page.sent_back()["error"], "login_required");
    assert_eq!(page.sent_back()["state"], "st-1");

    let first = log_zoe_in(&s, &mut browser, &[("scope", "openid")]).await;
    let (_, body) = exchange(&s, &first.code(), None).await;
    let first = id_claims(&s, &body).await;

    // The session answers at once: with prompt=none, without a prompt, with a recent max_age.
    for params in [
        vec![("prompt", "none")],
        vec![],
        vec![("max_age", "3600")],
        vec![("response_mode", "fragment")],
    ] {
        let mut params = params;
        params.push(("scope", "openid"));
        let page = browser.get(&authorize_url(&s, &params)).await;
        assert_eq!(page.status, StatusCode::FOUND, "{params:?}: {}", page.body);
        let (status, body) = exchange(&s, &page.code(), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let again = id_claims(&s, &body).await;
        assert_eq!(again.sub, first.sub);
        assert!(first.sid.is_some());
        assert_eq!(again.sid, first.sid);
        assert_eq!(again.auth_time, first.auth_time);
    }

    // prompt=login and max_age=0 ask again; prompt=none with max_age=0 cannot.
    for params in [vec![("prompt", "login")], vec![("max_age", "0")]] {
        let page = browser.get(&authorize_url(&s, &params)).await;
        assert_eq!(page.status, StatusCode::OK, "{params:?}");
        assert!(page.is_login_page(), "{params:?}");
    }
    let page = browser
        .get(&authorize_url(&s, &[("prompt", "none"), ("max_age", "0")]))
        .await;
    assert_eq!(page.sent_back()["error"], "login_required");
    // Logging in again keeps the session: the same sid.
    let page = browser
        .get(&authorize_url(&s, &[("prompt", "login")]))
        .await;
    let back = browser.log_in(&s, &page, ZOE, ZOE_PASSWORD).await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    assert_eq!(id_claims(&s, &body).await.sid, first.sid);
}

#[tokio::test]
async fn only_the_stand_in_s_own_live_cookie_is_a_session() {
    let s = tenant().await;
    // An application's cookies on the same host, and a forged stand-in cookie, are no session.
    let mut browser = Browser::new();
    browser.cookies.insert("appSession".into(), "abc".into());
    browser
        .cookies
        .insert("auth0_standin_session".into(), "forged".into());
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert_eq!(page.sent_back()["error"], "login_required");

    // The app's cookie stays the app's: the stand-in sets only its own.
    let back = log_zoe_in(&s, &mut browser, &[]).await;
    assert!(
        back.set_cookies
            .iter()
            .all(|c| c.starts_with("auth0_standin_session="))
    );
    assert_eq!(browser.cookies["appSession"], "abc");
    assert_ne!(browser.cookies["auth0_standin_session"], "forged");
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert!(page.sent_back().contains_key("code"));

    // Another stand-in knows nothing of this session.
    let t = tenant().await;
    let page = browser.get(&authorize_url(&t, &[("prompt", "none")])).await;
    assert_eq!(page.sent_back()["error"], "login_required");
}

#[tokio::test]
async fn form_post_sends_the_code_in_a_self_submitting_form() {
    let s = tenant().await;
    let mut browser = Browser::new();
    let back = log_zoe_in(
        &s,
        &mut browser,
        &[("response_mode", "form_post"), ("state", "a\"b<c>")],
    )
    .await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.location.is_none());
    assert!(
        back.body
            .contains(&format!("<form method=\"post\" action=\"{CALLBACK}\">"))
    );
    assert!(back.body.contains("document.forms[0].submit()"));
    assert_eq!(back.input("state").unwrap(), "a\"b<c>");
    assert!(!back.body.contains("a\"b<c>"));
    let code = back.input("code").unwrap();
    let (status, body) = exchange(&s, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Errors are posted too.
    let page = browser
        .get(&authorize_url(
            &s,
            &[("response_mode", "form_post"), ("organization", OTHER)],
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.input("error").unwrap(), "access_denied");
}

/// Zoe's tokens for the API, with a refresh token.
async fn zoe_tokens(s: &Standin, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![
        ("scope", "openid email offline_access read:items"),
        ("audience", API),
    ];
    params.extend_from_slice(extra);
    let back = log_zoe_in(s, &mut Browser::new(), &params).await;
    let (status, body) = exchange(s, &back.code(), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_family() {
    let s = tenant().await;
    let first = zoe_tokens(&s, &[]).await;
    let sid = id_claims(&s, &first).await.sid;
    assert!(sid.is_some());
    let rt1 = first["refresh_token"].as_str().unwrap();

    let (status, second) = refresh(&s, rt1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    assert_eq!(second["scope"], first["scope"]);
    assert_eq!(id_claims(&s, &second).await.sid, sid);

    // Narrower scopes are fine; wider ones are not.
    let (status, third) = refresh(&s, rt2, &[("scope", "openid read:items")]).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(third["scope"], "openid read:items");
    let rt3 = third["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&s, rt3, &[("scope", "openid write:items")]).await;
    assert_oauth_error(status, &body, 400, "invalid_scope");

    // rt1 again: the family ends, rt3 with it.
    let (status, body) = refresh(&s, rt1, &[]).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    assert_eq!(
        body["error_description"],
        "Unknown or invalid refresh token."
    );
    let (status, body) = refresh(&s, rt3, &[]).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");

    // Another family lives on; revoking ends it.
    let other = zoe_tokens(&s, &[]).await;
    let rt = other["refresh_token"].as_str().unwrap();
    let revoked = reqwest::Client::new()
        .post(format!("{}/oauth/revoke", s.url()))
        .form(&[
            ("client_id", APP),
            ("client_secret", APP_SECRET),
            ("token", rt),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let (status, body) = refresh(&s, rt, &[]).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
}

#[tokio::test]
async fn without_rotation_a_refresh_token_is_used_again() {
    let s = tenant_with(vec![app().rotate_refresh_tokens(false)]).await;
    let tokens = zoe_tokens(&s, &[]).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let (status, body) = refresh(&s, rt, &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("refresh_token").is_none());
    }
}

#[tokio::test]
async fn refresh_tokens_get_access_tokens_for_other_apis() {
    let s = tenant_with(vec![app(), Application::new("other-app", "other-secret")]).await;
    let tokens = zoe_tokens(&s, &[]).await;
    let rt = tokens["refresh_token"].as_str().unwrap();

    let (status, billing) = refresh(&s, rt, &[("audience", BILLING)]).await;
    assert_eq!(status, StatusCode::OK, "{billing}");
    let claims = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        BILLING,
    )
    .verify(billing["access_token"].as_str().unwrap())
    .await
    .unwrap();
    let scopes: Vec<&str> = claims.scope.as_deref().unwrap().split(' ').collect();
    assert!(scopes.contains(&"read:invoices"), "{scopes:?}");
    assert!(!scopes.contains(&"read:items"), "{scopes:?}");
    assert_eq!(claims.sub.as_deref(), Some(ZOE_ID));

    // The rotated token goes on giving tokens for the first API.
    let rt = billing["refresh_token"].as_str().unwrap();
    let (status, items) = refresh(&s, rt, &[]).await;
    assert_eq!(status, StatusCode::OK, "{items}");
    AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        API,
    )
    .verify(items["access_token"].as_str().unwrap())
    .await
    .unwrap();
    let rt = items["refresh_token"].as_str().unwrap();

    // An API the tenant does not have is refused; so is another application's use.
    let (status, body) = refresh(&s, rt, &[("audience", "https://unknown.example/")]).await;
    assert_oauth_error(status, &body, 403, "access_denied");
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "other-app"),
            ("client_secret", "other-secret"),
            ("refresh_token", rt),
        ],
    )
    .await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    // Neither retired the token.
    let (status, body) = refresh(&s, rt, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn organization_logins_carry_its_claims_and_need_membership() {
    let s = tenant().await;
    // By id or by name.
    for asked in [ACME, "acme"] {
        let mut browser = Browser::new();
        let page = browser
            .get(&authorize_url(
                &s,
                &[("organization", asked), ("scope", "openid offline_access")],
            ))
            .await;
        assert!(page.body.contains("Acme &amp; Co"), "{}", page.body);
        let back = browser.log_in(&s, &page, ZOE, ZOE_PASSWORD).await;
        let (status, body) = exchange(&s, &back.code(), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let claims = id_verifier(&s, APP)
            .verify(
                body["id_token"].as_str().unwrap(),
                &VerifyOptions::default().organization(asked),
            )
            .await
            .unwrap();
        assert_eq!(claims.org_id.as_deref(), Some(ACME));
        assert_eq!(claims.org_name.as_deref(), Some("acme"));
        // Refreshed tokens keep it.
        let (_, refreshed) = refresh(&s, body["refresh_token"].as_str().unwrap(), &[]).await;
        assert_eq!(
            id_claims(&s, &refreshed).await.org_id.as_deref(),
            Some(ACME)
        );
    }

    // Zoe is no member of the other one, with the form or with her session.
    let mut browser = Browser::new();
    let back = log_zoe_in(&s, &mut browser, &[("organization", OTHER)]).await;
    let sent = back.sent_back();
    assert_eq!(sent["error"], "access_denied");
    assert!(sent["error_description"].contains(OTHER), "{sent:?}");
    let page = browser
        .get(&authorize_url(
            &s,
            &[("organization", "other"), ("prompt", "none")],
        ))
        .await;
    assert_eq!(page.sent_back()["error"], "access_denied");
    // Without an organization, no org claims.
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    let (_, body) = exchange(&s, &page.code(), None).await;
    assert!(id_claims(&s, &body).await.org_id.is_none());
}

#[tokio::test]
async fn an_invitation_makes_the_invited_user_a_member() {
    let s = tenant().await;
    assert!(matches!(
        s.invite("org_nosuch1", ZOE, APP),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.invite(OTHER, ZOE, "nosuch"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.invite(OTHER, "zoe", APP),
        Err(Error::Invalid(_))
    ));

    // Zoe, an existing user.
    let invitation = s.invite("other", ZOE, APP).unwrap();
    assert_eq!(invitation.organization_id, OTHER);
    assert!(
        invitation
            .query()
            .contains(&format!("invitation={}", invitation.id))
    );
    let params = [
        ("organization", OTHER),
        ("invitation", invitation.id.as_str()),
    ];
    let mut browser = Browser::new();
    let page = browser.get(&authorize_url(&s, &params)).await;
    assert_eq!(page.input("username").unwrap(), ZOE);
    let wrong = browser
        .log_in(&s, &page, "chloe@example.com", ZOE_PASSWORD)
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("another email address"));
    let back = browser.log_in(&s, &wrong, ZOE, ZOE_PASSWORD).await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    assert_eq!(id_claims(&s, &body).await.org_id.as_deref(), Some(OTHER));
    // Accepted once; from now on she logs in to it as a member.
    let page = Browser::new().get(&authorize_url(&s, &params)).await;
    assert_eq!(page.sent_back()["error"], "access_denied");
    let back = log_zoe_in(&s, &mut Browser::new(), &[("organization", OTHER)]).await;
    assert!(back.sent_back().contains_key("code"));

    // Someone new chooses a password on the invitation's login page.
    let invitation = s.invite(ACME, "newcomer@example.com", APP).unwrap();
    let params = [
        ("organization", ACME),
        ("invitation", invitation.id.as_str()),
    ];
    let mut browser = Browser::new();
    let page = browser.get(&authorize_url(&s, &params)).await;
    let short = browser
        .log_in(&s, &page, "newcomer@example.com", "short")
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let back = browser
        .log_in(&s, &short, "Newcomer@example.com", "a new passphrase 9")
        .await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    let claims = id_claims(&s, &body).await;
    assert_eq!(claims.org_id.as_deref(), Some(ACME));
    let page = Browser::new()
        .get(&authorize_url(&s, &[("organization", ACME)]))
        .await;
    let back = Browser::new()
        .log_in(&s, &page, "newcomer@example.com", "a new passphrase 9")
        .await;
    assert!(back.sent_back().contains_key("code"));
    // An invitation is for its application.
    let invitation = s.invite(ACME, BOB, CLIENT_ID).unwrap();
    let page = Browser::new()
        .get(&authorize_url(
            &s,
            &[("organization", ACME), ("invitation", &invitation.id)],
        ))
        .await;
    assert_eq!(page.sent_back()["error"], "access_denied");
}

#[tokio::test]
async fn an_invitation_made_and_deleted_through_the_management_api() {
    let s = tenant().await;
    let audience = s.management_audience();
    let (_, token) = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", &audience),
        ],
    )
    .await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    let invitations = format!("{}/api/v2/organizations/{OTHER}/invitations", s.url());
    let http = reqwest::Client::new();
    let invite = || async {
        let response = http
            .post(&invitations)
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "inviter": {"name": "Ana"},
                "invitee": {"email": ZOE},
                "client_id": APP,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let invitation: Value = response.json().await.unwrap();
        invitation["id"].as_str().unwrap().to_owned()
    };
    let login_page = |id: String| {
        let s = &s;
        async move {
            let params = [("organization", OTHER), ("invitation", id.as_str())];
            let mut browser = Browser::new();
            let page = browser.get(&authorize_url(s, &params)).await;
            (browser, page)
        }
    };
    // Deleted, it lets no one in.
    let id = invite().await;
    let response = http
        .delete(format!("{invitations}/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (_, page) = login_page(id).await;
    assert_eq!(page.sent_back()["error"], "access_denied");
    // Kept, it makes the invitee a member.
    let (mut browser, page) = login_page(invite().await).await;
    let back = browser.log_in(&s, &page, ZOE, ZOE_PASSWORD).await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    assert_eq!(id_claims(&s, &body).await.org_id.as_deref(), Some(OTHER));
}

#[tokio::test]
async fn logout_ends_the_session_and_redirects_only_to_registered_urls() {
    let s = tenant().await;
    let mut browser = Browser::new();
    let back = log_zoe_in(&s, &mut browser, &[("scope", "openid")]).await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    let id_token = body["id_token"].as_str().unwrap().to_owned();
    let session_cookie = browser.cookies["auth0_standin_session"].clone();

    // Not registered: an error page, and the session lives on.
    for url in [
        format!(
            "{}/v2/logout?client_id={APP}&returnTo=https://evil.example/",
            s.url()
        ),
        format!("{}/v2/logout?returnTo=https://evil.example/", s.url()),
        format!(
            "{}/v2/logout?client_id=nosuch&returnTo={LOGOUT_URL}",
            s.url()
        ),
        format!(
            "{}/oidc/logout?client_id={APP}&post_logout_redirect_uri=https://evil.example/",
            s.url()
        ),
        format!(
            "{}/oidc/logout?post_logout_redirect_uri={LOGOUT_URL}",
            s.url()
        ),
        format!(
            "{}/oidc/logout?client_id={CLIENT_ID}&id_token_hint={id_token}",
            s.url()
        ),
        format!("{}/oidc/logout?id_token_hint=not.a.token", s.url()),
    ] {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(page.location.is_none(), "{url}");
        assert!(page.set_cookies.is_empty(), "{url}");
    }
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert!(page.sent_back().contains_key("code"));

    // Registered: the session ends and the cookie is cleared.
    let page = browser
        .get(&format!(
            "{}/v2/logout?client_id={APP}&returnTo=http://127.0.0.1:3000/goodbye",
            s.url()
        ))
        .await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.location.as_deref(),
        Some("http://127.0.0.1:3000/goodbye")
    );
    assert!(
        page.set_cookies
            .iter()
            .any(|c| c.starts_with("auth0_standin_session=;"))
    );
    assert!(!browser.cookies.contains_key("auth0_standin_session"));
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert_eq!(page.sent_back()["error"], "login_required");
    // The old cookie is no session either.
    browser
        .cookies
        .insert("auth0_standin_session".into(), session_cookie);
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert_eq!(page.sent_back()["error"], "login_required");

    // OIDC logout with the ID token as the hint, carrying the state back.
    let mut browser = Browser::new();
    let back = log_zoe_in(&s, &mut browser, &[("scope", "openid")]).await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    let id_token = body["id_token"].as_str().unwrap();
    let page = browser
        .get(&format!(
            "{}/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri={LOGOUT_URL}&state=s%26t",
            s.url()
        ))
        .await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.location.as_deref(),
        Some("http://127.0.0.1:3000/?state=s%26t")
    );
    let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
    assert_eq!(page.sent_back()["error"], "login_required");

    // Without returnTo: the application's first logout URL, or a page.
    let page = browser
        .get(&format!("{}/v2/logout?client_id={APP}", s.url()))
        .await;
    assert_eq!(page.location.as_deref(), Some(LOGOUT_URL));
    let page = browser.get(&format!("{}/v2/logout", s.url())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("logged out"));
}

/// A local application's back-channel logout route: keeps each `logout_token` it is sent.
async fn backchannel_receiver() -> (String, Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/auth/backchannel-logout",
        axum::routing::post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                let token = url::form_urlencoded::parse(&body)
                    .find(|(k, _)| k == "logout_token")
                    .map(|(_, v)| v.into_owned());
                match token {
                    Some(token) => {
                        kept.lock().unwrap().push(token);
                        axum::http::StatusCode::OK
                    }
                    None => axum::http::StatusCode::BAD_REQUEST,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/auth/backchannel-logout",
        listener.local_addr().unwrap()
    );
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, received, task)
}

#[tokio::test]
async fn logout_posts_verifiable_logout_tokens_to_the_applications_of_the_session() {
    let (url, received, _server) = backchannel_receiver().await;
    // A port held for the whole test and never listened on: connections to it are refused,
    // and no other test's server can take it meanwhile.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = format!("http://{}/logout", held.local_addr().unwrap());
    let s = tenant_with(vec![
        app().backchannel_logout_url(url.clone()),
        Application::new("second-app", "second-secret")
            .callback("http://127.0.0.1:4000/callback")
            .backchannel_logout_url(closed.clone()),
        Application::new("idle-app", "idle-secret")
            .callback("http://127.0.0.1:5000/callback")
            .backchannel_logout_url(url.clone()),
    ])
    .await;

    // Zoe logs in to the web app, then to the second app by her session.
    let mut browser = Browser::new();
    let back = log_zoe_in(&s, &mut browser, &[("scope", "openid")]).await;
    let (_, body) = exchange(&s, &back.code(), None).await;
    let sid = id_claims(&s, &body).await.sid.unwrap();
    let page = browser
        .get(&authorize_url(
            &s,
            &[
                ("client_id", "second-app"),
                ("redirect_uri", "http://127.0.0.1:4000/callback"),
                ("prompt", "none"),
            ],
        ))
        .await;
    assert!(page.sent_back().contains_key("code"));
    assert!(received.lock().unwrap().is_empty());

    let page = browser
        .get(&format!(
            "{}/v2/logout?client_id={APP}&returnTo={LOGOUT_URL}",
            s.url()
        ))
        .await;
    assert_eq!(page.status, StatusCode::FOUND);

    // The POSTs were made before the answer: the web app got one, the idle app none.
    let tokens = received.lock().unwrap().clone();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let verifier = LogoutTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        APP,
    );
    let claims = verifier.verify(&tokens[0]).await.unwrap();
    assert_eq!(claims.sid.as_deref(), Some(sid.as_str()));
    assert_eq!(claims.sub.as_deref(), Some(ZOE_ID));
    assert_eq!(claims.aud, [APP]);
    assert!(
        claims
            .events
            .contains_key("http://schemas.openid.net/event/backchannel-logout")
    );
    // A logout token is no ID token.
    assert!(
        id_verifier(&s, APP)
            .verify(&tokens[0], &VerifyOptions::default())
            .await
            .is_err()
    );

    let sent = s.backchannel_logouts();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let web = sent.iter().find(|b| b.client_id == APP).unwrap();
    assert_eq!((web.url.as_str(), &web.outcome), (url.as_str(), &Ok(200)));
    assert_eq!(web.sid, sid);
    assert_eq!(web.sub, ZOE_ID);
    // The second app could not be reached: recorded, and the logout went on.
    let second = sent.iter().find(|b| b.client_id == "second-app").unwrap();
    assert_eq!(second.url, closed);
    assert!(second.outcome.is_err(), "{second:?}");
}

#[tokio::test]
async fn the_builder_sets_lifetimes_and_refuses_invalid_values() {
    let s = Standin::builder()
        .application(app())
        .user(User::new(ZOE, ZOE_PASSWORD))
        .access_token_lifetime(Duration::from_secs(60))
        .id_token_lifetime(Duration::from_secs(120))
        .refresh_token_lifetime(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let back = log_zoe_in(
        &s,
        &mut Browser::new(),
        &[("scope", "openid offline_access")],
    )
    .await;
    let (status, body) = exchange(&s, &back.code(), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 60);
    let claims = id_claims(&s, &body).await;
    assert_eq!(claims.exp - claims.iat, 120);
    // Generated user ids are the connection's.
    assert!(claims.sub.starts_with("auth0|"), "{}", claims.sub);
    // A refresh token that lives no time is refused at once.
    let (status, body) = refresh(&s, body["refresh_token"].as_str().unwrap(), &[]).await;
    assert_oauth_error(status, &body, 403, "invalid_grant");

    // The default application is there unless replaced.
    let s = Standin::builder()
        .application(Application::new(CLIENT_ID, "replaced-secret"))
        .start()
        .await
        .unwrap();
    let cc = |secret: &'static str| {
        let audience = s.management_audience();
        let s = &s;
        async move {
            token_request(
                s,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT_ID),
                    ("client_secret", secret),
                    ("audience", &audience),
                ],
            )
            .await
            .0
        }
    };
    assert_eq!(cc(CLIENT_SECRET).await, StatusCode::UNAUTHORIZED);
    assert_eq!(cc("replaced-secret").await, StatusCode::OK);

    for builder in [
        Standin::builder().organization(Organization::new(ACME, "acme").member(ZOE)),
        Standin::builder()
            .user(User::new(ZOE, "x"))
            .user(User::new("ZOE@example.com", "y")),
        Standin::builder().application(Application::new(APP, APP_SECRET).callback("/relative")),
        Standin::builder().organization(Organization::new("acme", "acme")),
        Standin::builder().api(Api::new(API).scopes(["read items"])),
        Standin::builder().user(User::new(ZOE, "x").id("zoe")),
    ] {
        match builder.start().await {
            Err(Error::Invalid(message)) => assert!(!message.is_empty()),
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn registered_apis_issue_client_credentials_and_password_tokens() {
    let s = tenant().await;
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", APP_SECRET),
            ("audience", API),
            ("scope", "read:items"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        API,
    )
    .verify(body["access_token"].as_str().unwrap())
    .await
    .unwrap();
    assert_eq!(claims.sub.as_deref(), Some("web-app@clients"));
    assert_eq!(claims.scope.as_deref(), Some("read:items"));

    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "password"),
            ("client_id", APP),
            ("client_secret", APP_SECRET),
            ("username", ZOE),
            ("password", ZOE_PASSWORD),
            ("audience", API),
            ("scope", "openid write:items delete:everything"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "openid write:items");
    assert_eq!(id_claims(&s, &body).await.aud, [APP]);
}

#[tokio::test]
async fn ending_a_user_s_sessions_tells_each_browser_s_applications() {
    let (url, received, _server) = backchannel_receiver().await;
    let s = tenant_with(vec![app().backchannel_logout_url(url)]).await;
    // Zoe logs in in two browsers: two stand-in sessions.
    let mut first = Browser::new();
    let mut second = Browser::new();
    let mut sids = Vec::new();
    for browser in [&mut first, &mut second] {
        let back = log_zoe_in(&s, browser, &[("scope", "openid")]).await;
        let (_, body) = exchange(&s, &back.code(), None).await;
        sids.push(id_claims(&s, &body).await.sid.unwrap());
    }
    assert_ne!(sids[0], sids[1]);
    assert_eq!(s.end_sessions("nobody@example.com").await, 0);

    assert_eq!(s.end_sessions(ZOE).await, 2);
    let verifier = LogoutTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        APP,
    );
    let mut told = Vec::new();
    let tokens = received.lock().unwrap().clone();
    for token in tokens {
        told.push(verifier.verify(&token).await.unwrap().sid.unwrap());
    }
    told.sort();
    sids.sort();
    assert_eq!(told, sids);
    for browser in [&mut first, &mut second] {
        let page = browser.get(&authorize_url(&s, &[("prompt", "none")])).await;
        assert_eq!(page.sent_back()["error"], "login_required");
    }
    assert_eq!(s.end_sessions(ZOE_ID).await, 0);
}
