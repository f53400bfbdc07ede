//! Login, callback, logout and back-channel logout through the application's routes.

use std::collections::HashMap;

use auth0_auth::web::{LogoutEndpoint, MemorySessionStore, ResponseMode, WebAuth, WebError};
use url::Url;

use super::tenant::{CLIENT_ID, CLIENT_SECRET};
use super::{Browser, Fixture, SECRET, query};

#[tokio::test]
async fn login_redirects_to_authorize_with_state_nonce_and_pkce() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let answer = browser
        .get("/auth/login?returnTo=%2Fprofile%3Ftab%3D2&organization=org_1&invitation=inv_1&connection=db&screen_hint=signup&prompt=none&redirect_uri=https%3A%2F%2Fevil.example&foo=bar")
        .await;
    assert_eq!(answer.status, 302);
    assert_eq!(answer.headers["cache-control"], "no-store");
    let authorize = Url::parse(answer.location().unwrap()).unwrap();
    assert_eq!(
        format!(
            "{}{}",
            &authorize[..url::Position::BeforePath],
            authorize.path()
        ),
        format!("{}/authorize", f.tenant.url)
    );
    let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], format!("{}/auth/callback", f.app));
    assert_eq!(q["scope"], "openid profile email offline_access");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["state"].len(), 43);
    assert_eq!(q["nonce"].len(), 43);
    assert_ne!(q["state"], q["nonce"]);
    assert_eq!(q["organization"], "org_1");
    assert_eq!(q["invitation"], "inv_1");
    assert_eq!(q["connection"], "db");
    assert_eq!(q["screen_hint"], "signup");
    // Only the allow-list is passed on.
    assert!(!q.contains_key("prompt") && !q.contains_key("foo"));
    assert!(!q.contains_key("client_secret"));

    let name = format!("auth0_txn.{}", q["state"]);
    let cookie = answer
        .set_cookie(&name)
        .expect("a transaction cookie named by the state");
    assert!(!cookie.starts_with("auth0_standin"));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/auth", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "http on a loopback address: not Secure"
    );
    assert!(cookie.len() < 4096);
    // The cookie is sealed: neither the nonce nor the return path can be read in it.
    assert!(!cookie.contains(&q["nonce"]) && !cookie.contains("profile"));

    // A second login does not disturb the first.
    let second = browser.start_login("/auth/login").await;
    assert_ne!(query(&second, "state").unwrap(), q["state"]);
    assert_eq!(
        browser
            .names()
            .iter()
            .filter(|n| n.starts_with("auth0_txn."))
            .count(),
        2
    );
}

#[tokio::test]
async fn the_callback_exchanges_the_code_verifies_the_id_token_and_opens_a_session() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser
        .start_login("/auth/login?returnTo=%2Fprofile%3Ftab%3D2")
        .await;
    let state = query(&authorize, "state").unwrap();
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-1");
    let done = browser
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert_eq!(done.location(), Some("/profile?tab=2"));

    // The code was exchanged with the PKCE verifier and the client's secret.
    let exchange = f.tenant.last_token_request();
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["code"], code);
    assert_eq!(exchange["client_secret"], CLIENT_SECRET);
    assert_eq!(exchange["redirect_uri"], format!("{}/auth/callback", f.app));
    assert_eq!(exchange["code_verifier"].len(), 43);

    let session = done.set_cookie("appSession").expect("the session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=86400"] {
        assert!(session.contains(attribute), "{attribute} in {session}");
    }
    assert!(session.len() < 4096);
    let cleared = done.set_cookie(&format!("auth0_txn.{state}")).unwrap();
    assert!(cleared.contains("Max-Age=0"));
    assert!(!browser.names().iter().any(|n| n.starts_with("auth0_txn.")));

    let profile = browser.get("/profile").await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    let user: serde_json::Value = serde_json::from_str(&profile.body).unwrap();
    assert_eq!(user["sub"], "auth0|zoe");
    assert_eq!(user["email"], "zoe@example.com");
    assert_eq!(user["sid"], "sid-1");
    assert_eq!(browser.get("/").await.body, "hello auth0|zoe");
    assert_eq!(browser.get("/api/token").await.body, "at-2");
}

#[tokio::test]
async fn a_form_post_callback_completes_the_login() {
    let f = Fixture::start_with(|b| b.response_mode(ResponseMode::FormPost)).await;
    let mut browser = f.browser();
    let answer = browser.get("/auth/login").await;
    let authorize = Url::parse(answer.location().unwrap()).unwrap();
    assert_eq!(
        query(&authorize, "response_mode").as_deref(),
        Some("form_post")
    );
    let state = query(&authorize, "state").unwrap();
    let txn = answer.set_cookie(&format!("auth0_txn.{state}")).unwrap();
    assert!(
        txn.contains("SameSite=None") && txn.contains("Secure"),
        "{txn}"
    );
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-1");
    let done = browser
        .post_form("/auth/callback", &[("code", &code), ("state", &state)])
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert_eq!(done.location(), Some("/"));
    assert_eq!(browser.get("/").await.body, "hello auth0|zoe");
}

#[tokio::test]
async fn logins_started_in_two_tabs_both_complete() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let first = browser.start_login("/auth/login?returnTo=/first").await;
    let second = browser.start_login("/auth/login?returnTo=/second").await;
    for (authorize, back, sid) in [(&second, "/second", "sid-2"), (&first, "/first", "sid-1")] {
        let code = f.tenant.issue_code(authorize, "auth0|zoe", sid);
        let state = query(authorize, "state").unwrap();
        let done = browser
            .get(&format!("/auth/callback?code={code}&state={state}"))
            .await;
        assert_eq!(done.status, 302, "{}", done.body);
        assert_eq!(done.location(), Some(back));
    }
    let profile: serde_json::Value =
        serde_json::from_str(&browser.get("/profile").await.body).unwrap();
    assert_eq!(
        profile["sid"], "sid-1",
        "the last login completed holds the session"
    );
}

#[tokio::test]
async fn a_reused_state_is_refused() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser.start_login("/auth/login").await;
    let state = query(&authorize, "state").unwrap();
    let txn_name = format!("auth0_txn.{state}");
    let txn = browser.jar[&txn_name].clone();
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-1");
    let callback = format!("/auth/callback?code={code}&state={state}");
    assert_eq!(browser.get(&callback).await.status, 302);

    // The same callback again, its transaction cookie carried back by hand.
    let mut replay = f.browser();
    replay.jar.insert(txn_name, txn);
    let again = replay.get(&callback).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("spent"), "{}", again.body);
    assert!(again.set_cookie("appSession").is_none());
    assert_eq!(
        f.tenant.state.token_requests.lock().unwrap().len(),
        1,
        "no second exchange"
    );
}

#[tokio::test]
async fn callbacks_without_their_login_are_refused() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser.start_login("/auth/login").await;
    let state = query(&authorize, "state").unwrap();
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-1");

    // No state; an unknown state; a state whose cookie this browser does not have.
    let mut stranger = f.browser();
    for path in [
        format!("/auth/callback?code={code}"),
        format!("/auth/callback?code={code}&state=unknown"),
        format!("/auth/callback?code={code}&state={state}"),
        format!("/auth/callback?code={code}&state=a%3Bb"),
    ] {
        let answer = stranger.get(&path).await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    // An altered transaction cookie.
    let name = format!("auth0_txn.{state}");
    let mut altered = browser.jar[&name].clone();
    let last = altered.value.pop().unwrap();
    altered.value.push(if last == 'A' { 'B' } else { 'A' });
    stranger.jar.insert(name.clone(), altered);
    let answer = stranger
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(answer.status, 400);
    // Another transaction's cookie under this state's name.
    let other = browser.start_login("/auth/login").await;
    let other_cookie =
        browser.jar[&format!("auth0_txn.{}", query(&other, "state").unwrap())].clone();
    let mut swapped = f.browser();
    swapped.jar.insert(name, other_cookie);
    assert_eq!(
        swapped
            .get(&format!("/auth/callback?code={code}&state={state}"))
            .await
            .status,
        400
    );
    // The real browser still completes its login: nothing above spent its state.
    let done = browser
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
}

#[tokio::test]
async fn an_error_from_auth0_is_carried_through_escaped() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser.start_login("/auth/login").await;
    let state = query(&authorize, "state").unwrap();
    let answer = browser
        .get(&format!(
            "/auth/callback?error=access_denied&error_description=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E+%26+more&state={state}"
        ))
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(answer.body.contains("access_denied"), "{}", answer.body);
    assert!(
        answer
            .body
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("<script>"));
    assert!(answer.set_cookie("appSession").is_none());
    assert!(
        answer
            .set_cookie(&format!("auth0_txn.{state}"))
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser.start_login("/auth/login").await;
    let state = query(&authorize, "state").unwrap();
    let code = f
        .tenant
        .issue_code_with(&authorize, "auth0|zoe", "sid-1", |g| {
            g.nonce = Some("not-the-nonce".into());
        });
    let answer = browser
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body.contains("ID token was refused"),
        "{}",
        answer.body
    );
    assert!(answer.set_cookie("appSession").is_none());
}

#[tokio::test]
async fn an_invitation_logs_the_user_in_to_its_organization() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser
        .start_login("/auth/login?invitation=inv_1&organization=org_1&returnTo=/welcome")
        .await;
    assert_eq!(query(&authorize, "invitation").as_deref(), Some("inv_1"));
    assert_eq!(query(&authorize, "organization").as_deref(), Some("org_1"));
    let state = query(&authorize, "state").unwrap();
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-1");
    let done = browser
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert_eq!(done.location(), Some("/welcome"));
    let user: serde_json::Value =
        serde_json::from_str(&browser.get("/profile").await.body).unwrap();
    assert_eq!(user["org_id"], "org_1");

    // An ID token of another organization (or none) than the login asked for is refused.
    for other in [Some("org_2".to_owned()), None] {
        let authorize = browser.start_login("/auth/login?organization=org_1").await;
        let state = query(&authorize, "state").unwrap();
        let code = f
            .tenant
            .issue_code_with(&authorize, "auth0|zoe", "sid-2", |g| {
                g.organization = Some(other.clone());
            });
        let refused = browser
            .get(&format!("/auth/callback?code={code}&state={state}"))
            .await;
        assert_eq!(refused.status, 400, "{other:?}: {}", refused.body);
    }
}

#[tokio::test]
async fn max_age_is_asked_for_and_checked() {
    let f = Fixture::start_with(|b| b.max_age(std::time::Duration::from_secs(600))).await;
    let mut browser = f.browser();
    for (ago, status) in [(3600, 400), (30, 302)] {
        let authorize = browser.start_login("/auth/login").await;
        assert_eq!(query(&authorize, "max_age").as_deref(), Some("600"));
        let state = query(&authorize, "state").unwrap();
        let code = f
            .tenant
            .issue_code_with(&authorize, "auth0|zoe", "sid-1", |g| {
                g.authenticated_ago = ago;
            });
        let answer = browser
            .get(&format!("/auth/callback?code={code}&state={state}"))
            .await;
        assert_eq!(
            answer.status, status,
            "authenticated {ago} s ago: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn a_browser_keeps_at_most_eight_pending_logins() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let mut states = Vec::new();
    for _ in 0..10 {
        f.clock.advance(std::time::Duration::from_secs(1));
        let authorize = browser.start_login("/auth/login").await;
        states.push(query(&authorize, "state").unwrap());
    }
    let pending: Vec<String> = browser
        .names()
        .into_iter()
        .filter(|n| n.starts_with("auth0_txn."))
        .collect();
    assert_eq!(pending.len(), 8, "{pending:?}");
    for newest in &states[2..] {
        assert!(pending.contains(&format!("auth0_txn.{newest}")));
    }
    // Expired ones go as well.
    f.clock.advance(std::time::Duration::from_secs(3600));
    browser.start_login("/auth/login").await;
    assert_eq!(
        browser
            .names()
            .iter()
            .filter(|n| n.starts_with("auth0_txn."))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_code_the_tenant_refuses_is_a_bad_request() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let authorize = browser.start_login("/auth/login").await;
    let state = query(&authorize, "state").unwrap();
    let answer = browser
        .get(&format!("/auth/callback?code=forged&state={state}"))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("could not be exchanged"));
}

#[tokio::test]
async fn the_neutral_callback_reports_typed_errors() {
    let f = Fixture::start().await;
    let params = auth0_auth::web::CallbackParams::from_urlencoded(b"code=x");
    let answer = f.auth.callback(&params, &http::HeaderMap::new()).await;
    assert_eq!(answer.status(), 400);
    assert!(matches!(answer.error(), Some(WebError::MissingState)));
    let params = auth0_auth::web::CallbackParams::from_urlencoded(b"code=x&state=abc");
    let answer = f.auth.callback(&params, &http::HeaderMap::new()).await;
    assert!(matches!(answer.error(), Some(WebError::UnknownState)));
}

#[tokio::test]
async fn logout_clears_the_session_and_goes_to_oidc_logout() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let kept = browser.jar.clone();
    let answer = browser.get("/auth/logout?returnTo=%2Fbye").await;
    assert_eq!(answer.status, 302);
    assert!(
        answer
            .set_cookie("appSession")
            .unwrap()
            .contains("Max-Age=0")
    );
    let to = Url::parse(answer.location().unwrap()).unwrap();
    assert_eq!(to.path(), "/oidc/logout");
    assert!(to.as_str().starts_with(&f.tenant.url));
    assert_eq!(query(&to, "client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(
        query(&to, "post_logout_redirect_uri"),
        Some(format!("{}/bye", f.app))
    );
    let hint = query(&to, "id_token_hint").unwrap();
    assert_eq!(hint.split('.').count(), 3);
    assert_eq!(browser.get("/").await.body, "anonymous");

    // A copy of the cookie kept from before the logout is no session either.
    let mut copy = f.browser();
    copy.jar = kept;
    assert_eq!(copy.get("/").await.body, "anonymous");
    // Logging in again within the same Auth0 session (same `sid`) is a new session.
    f.clock.advance(std::time::Duration::from_secs(1));
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    assert_eq!(browser.get("/").await.body, "hello auth0|zoe");
    browser.get("/auth/logout").await;

    // A returnTo elsewhere goes back to the application's root.
    let answer = f
        .browser()
        .get("/auth/logout?returnTo=https%3A%2F%2Fevil.example")
        .await;
    let to = Url::parse(answer.location().unwrap()).unwrap();
    assert_eq!(
        query(&to, "post_logout_redirect_uri"),
        Some(format!("{}/", f.app))
    );
    assert!(query(&to, "id_token_hint").is_none(), "no session, no hint");
}

#[tokio::test]
async fn logout_can_use_v2_logout() {
    let f = Fixture::start_with(|b| b.logout_endpoint(LogoutEndpoint::V2)).await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let answer = browser.get("/auth/logout").await;
    let to = Url::parse(answer.location().unwrap()).unwrap();
    assert_eq!(to.path(), "/v2/logout");
    assert_eq!(query(&to, "returnTo"), Some(format!("{}/", f.app)));
    assert_eq!(query(&to, "client_id").as_deref(), Some(CLIENT_ID));
}

async fn backchannel(f: &Fixture, token: &str) -> super::Answer {
    let mut tenant_side = Browser::new(&f.app);
    tenant_side.accept = "application/json";
    tenant_side
        .post_form("/auth/backchannel-logout", &[("logout_token", token)])
        .await
}

#[tokio::test]
async fn backchannel_logout_ends_the_named_sessions() {
    let f = Fixture::start().await;
    let mut one = f.browser();
    let mut two = f.browser();
    let mut other_user = f.browser();
    f.log_in(&mut one, "auth0|zoe", "sid-1").await;
    f.log_in(&mut two, "auth0|zoe", "sid-2").await;
    f.log_in(&mut other_user, "auth0|max", "sid-3").await;

    let token = f.tenant.logout_token(Some("sid-1"), Some("auth0|zoe"));
    let answer = backchannel(&f, &token).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.headers["cache-control"], "no-store");
    assert_eq!(one.get("/").await.body, "anonymous");
    assert_eq!(
        two.get("/").await.body,
        "hello auth0|zoe",
        "sid given: only that session"
    );

    // The same token again is refused.
    let again = backchannel(&f, &token).await;
    assert_eq!(again.status, 400);
    let error: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!(error["error"], "invalid_request");

    // Without sid: every session of the user begun before the token.
    let answer = backchannel(&f, &f.tenant.logout_token(None, Some("auth0|zoe"))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(two.get("/").await.body, "anonymous");
    assert_eq!(other_user.get("/").await.body, "hello auth0|max");
    // A new login of the user afterwards is not ended.
    f.clock.advance(std::time::Duration::from_secs(1));
    let mut three = f.browser();
    f.log_in(&mut three, "auth0|zoe", "sid-4").await;
    assert_eq!(three.get("/").await.body, "hello auth0|zoe");
}

#[tokio::test]
async fn backchannel_logout_refuses_bad_tokens() {
    let f = Fixture::start().await;
    let stranger = super::tenant::SigningKey::generate();
    let now = super::tenant::unix_now(&f.clock);
    let forged = stranger.sign(
        "logout+jwt",
        &serde_json::json!({
            "iss": f.tenant.issuer(), "aud": CLIENT_ID, "iat": now, "jti": "j1", "sid": "sid-1",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        }),
    );
    for body in [forged.as_str(), "", "not-a-jwt"] {
        let answer = backchannel(&f, body).await;
        assert_eq!(answer.status, 400, "{body:?}: {}", answer.body);
    }
    let mut tenant_side = Browser::new(&f.app);
    let answer = tenant_side
        .post_form("/auth/backchannel-logout", &[("other", "x")])
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("logout_token"));
}

#[tokio::test]
async fn backchannel_logout_deletes_stored_sessions() {
    let store = std::sync::Arc::new(MemorySessionStore::new());
    let shared = store.clone();
    let f = Fixture::start_with(move |b| b.shared_session_store(shared)).await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    assert_eq!(store.len(), 1);
    let cookie = browser.session_value().unwrap();
    assert!(
        cookie.len() < 300,
        "the cookie holds only an id: {} bytes",
        cookie.len()
    );
    assert_eq!(browser.get("/").await.body, "hello auth0|zoe");
    let answer = backchannel(&f, &f.tenant.logout_token(Some("sid-1"), None)).await;
    assert_eq!(answer.status, 200);
    assert!(store.is_empty());
    assert_eq!(browser.get("/").await.body, "anonymous");
}

#[tokio::test]
async fn logout_deletes_the_stored_session() {
    let store = std::sync::Arc::new(MemorySessionStore::new());
    let shared = store.clone();
    let f = Fixture::start_with(move |b| b.shared_session_store(shared)).await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    // A second login in the same browser replaces the first stored session.
    f.log_in(&mut browser, "auth0|zoe", "sid-2").await;
    assert_eq!(store.len(), 1);
    browser.get("/auth/logout").await;
    assert!(store.is_empty());
}

#[test]
fn configuration_mistakes_are_typed_errors() {
    let base = || {
        WebAuth::builder("tenant.example.com")
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
    };
    let message = |b: auth0_auth::web::WebAuthBuilder| match b.build() {
        Err(WebError::Config { message, .. }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    };
    assert!(message(base().secret(SECRET)).contains("base URL is required"));
    assert!(message(base().base_url("https://app.example.com")).contains("cookie secret"));
    assert!(
        message(base().base_url("https://app.example.com").secret("short"))
            .contains("shorter than 32 bytes")
    );
    assert!(message(base().base_url("http://app.example.com").secret(SECRET)).contains("https"));
    assert!(
        message(
            base()
                .base_url("https://app.example.com")
                .secret(SECRET)
                .callback_path("/auth/{x}")
        )
        .contains("callback path")
    );
    assert!(
        message(
            base()
                .base_url("https://app.example.com")
                .secret(SECRET)
                .session_cookie_name("a b")
        )
        .contains("not a cookie name")
    );
    let built = base()
        .base_url("http://localhost:3000")
        .secret(SECRET)
        .build()
        .unwrap();
    assert_eq!(built.redirect_uri(), "http://localhost:3000/auth/callback");
    let text = format!("{built:?}");
    assert!(
        !text.contains(SECRET) && !text.contains(CLIENT_SECRET),
        "{text}"
    );
}

#[tokio::test]
async fn https_base_urls_make_secure_cookies() {
    let auth = WebAuth::builder("tenant.example.com")
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .base_url("https://app.example.com")
        .secret(SECRET)
        .build()
        .unwrap();
    let answer = auth.login(
        &auth0_auth::web::LoginOptions::new(),
        &http::HeaderMap::new(),
    );
    let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}
