//! Sessions: the cookie (sealing, tampering, chunking, secret rotation), expiry, access
//! tokens refreshed (once for concurrent requests, the rotated refresh token saved back), and
//! the login-required answers.

use std::sync::atomic::Ordering;
use std::time::Duration;

use auth0_auth::web::WebAuth;

use super::tenant::{CLIENT_ID, CLIENT_SECRET};
use super::{Browser, Fixture, LATER, OTHER_SECRET, SECRET};

#[tokio::test]
async fn requests_without_a_session_are_sent_to_login_or_refused() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    let answer = browser.get("/profile?tab=2").await;
    assert_eq!(answer.status, 302);
    assert_eq!(
        answer.location(),
        Some("/auth/login?returnTo=%2Fprofile%3Ftab%3D2")
    );

    let mut api = f.browser();
    api.accept = "application/json";
    let answer = api.get("/profile").await;
    assert_eq!(answer.status, 401);
    let error: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(error["error"], "login_required");

    // An extractor on a route without `require_login()` answers alike.
    assert_eq!(
        browser.get("/api/token").await.location(),
        Some("/auth/login?returnTo=%2Fapi%2Ftoken")
    );
    assert_eq!(api.get("/api/token").await.status, 401);
    assert_eq!(browser.get("/").await.body, "anonymous");
}

#[tokio::test]
async fn an_altered_or_foreign_session_cookie_is_no_session() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let good = browser.jar["appSession"].clone();
    assert_eq!(browser.get("/").await.body, "hello auth0|zoe");

    for at in [0, 10, good.value.len() / 2, good.value.len() - 1] {
        let mut altered = good.clone();
        let mut bytes = altered.value.into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        altered.value = String::from_utf8(bytes).unwrap();
        let mut tampered = f.browser();
        tampered.jar.insert("appSession".into(), altered);
        let answer = tampered.get("/profile").await;
        assert_eq!(answer.status, 302, "byte {at}");
        // The refused cookie is removed.
        assert!(
            answer
                .set_cookie("appSession")
                .unwrap()
                .contains("Max-Age=0")
        );
        assert_eq!(tampered.get("/").await.body, "anonymous");
    }

    // The same cookie read by an application with another secret.
    let other = WebAuth::builder(&f.tenant.url)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .base_url(&f.app)
        .secret(OTHER_SECRET)
        .build()
        .unwrap();
    let other_app = f.serve(&other).await;
    let mut foreign = Browser::new(&other_app);
    foreign.jar.insert("appSession".into(), good);
    assert_eq!(foreign.get("/").await.body, "anonymous");
}

#[tokio::test]
async fn secrets_rotate_the_first_seals_and_all_open() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let old_cookie = browser.jar["appSession"].clone();
    let rotated = WebAuth::builder(&f.tenant.url)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .base_url(&f.app)
        .secrets([OTHER_SECRET, SECRET])
        .clock(f.clock.shared())
        .build()
        .unwrap();
    let app = f.serve(&rotated).await;
    let mut after = Browser::new(&app);
    after.jar.insert("appSession".into(), old_cookie.clone());
    assert_eq!(
        after.get("/").await.body,
        "hello auth0|zoe",
        "the old secret still opens"
    );
    // A renewed session is sealed with the new secret, which the old application cannot
    // open.
    f.clock.advance(Duration::from_secs(2 * 3600));
    let renewed = after.get("/").await;
    assert!(renewed.set_cookie("appSession").is_some());
    let new_cookie = after.jar["appSession"].clone();
    assert_ne!(new_cookie.value, old_cookie.value);
    let mut old_app = f.browser();
    old_app.jar.insert("appSession".into(), new_cookie.clone());
    assert_eq!(old_app.get("/").await.body, "anonymous");
    let retired = WebAuth::builder(&f.tenant.url)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .base_url(&f.app)
        .secret(OTHER_SECRET)
        .clock(f.clock.shared())
        .build()
        .unwrap();
    let app = f.serve(&retired).await;
    let mut only_new = Browser::new(&app);
    only_new.jar.insert("appSession".into(), new_cookie);
    assert_eq!(only_new.get("/").await.body, "hello auth0|zoe");
    only_new.jar.insert("appSession".into(), old_cookie);
    assert_eq!(only_new.get("/").await.body, "anonymous");
}

#[tokio::test]
async fn sessions_expire_after_the_rolling_and_absolute_durations() {
    let f = Fixture::start().await;
    let mut idle = f.browser();
    let mut active = f.browser();
    f.log_in(&mut idle, "auth0|zoe", "sid-1").await;
    f.log_in(&mut active, "auth0|max", "sid-2").await;

    // Reading a fresh session writes no cookie.
    assert!(active.get("/").await.set_cookie("appSession").is_none());
    // Active every 20 hours: renewed each time, until 7 days after login.
    for _ in 0..8 {
        f.clock.advance(Duration::from_secs(20 * 3600));
        let answer = active.get("/").await;
        assert_eq!(answer.body, "hello auth0|max");
        assert!(answer.set_cookie("appSession").is_some(), "renewed");
    }
    assert_eq!(
        idle.get("/").await.body,
        "anonymous",
        "idle for more than a day"
    );
    f.clock.advance(Duration::from_secs(8 * 3600));
    // 168 hours after login.
    assert_eq!(
        active.get("/").await.body,
        "anonymous",
        "past the absolute duration"
    );
}

#[tokio::test]
async fn a_renewed_cookie_never_outlives_the_absolute_duration() {
    let f = Fixture::start_with(|b| {
        b.rolling_duration(Duration::from_secs(3600))
            .absolute_duration(Duration::from_secs(2 * 3600))
    })
    .await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    // Active every 50 minutes: the first renewal lasts the rolling hour, the second only
    // until two hours after login.
    f.clock.advance(Duration::from_secs(3000));
    let answer = browser.get("/").await;
    let cookie = answer.set_cookie("appSession").unwrap();
    assert!(cookie.contains("Max-Age=3600"), "{cookie}");
    f.clock.advance(Duration::from_secs(3000));
    let answer = browser.get("/").await;
    let cookie = answer.set_cookie("appSession").unwrap();
    assert!(cookie.contains("Max-Age=1200"), "{cookie}");
    f.clock.advance(Duration::from_secs(1200));
    assert_eq!(browser.get("/").await.body, "anonymous");
}

#[tokio::test]
async fn a_session_read_before_logout_is_not_written_back_over_it() {
    // Every request reads the user (as a page template would), so the logout route's request
    // has its session opened, and due for renewal, under the session layer.
    let f = Fixture::start().await;
    let app = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let auth = f.auth.clone();
        let router = axum::Router::new()
            .merge(auth.router())
            .layer(axum::middleware::from_fn(
                |user: Option<auth0_auth::web::User>,
                 request: axum::extract::Request,
                 next: axum::middleware::Next| async move {
                    let _ = user;
                    next.run(request).await
                },
            ))
            .layer(auth.layer());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        url
    };
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    f.clock.advance(Duration::from_secs(3 * 3600));
    let mut same = Browser::new(&app);
    same.jar = browser.jar.clone();
    let answer = same.get("/auth/logout").await;
    let lines: Vec<String> = answer
        .set_cookies()
        .into_iter()
        .filter(|l| l.starts_with("appSession"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("Max-Age=0"));
    assert!(same.session_value().is_none());
}

#[tokio::test]
async fn an_access_token_near_expiry_is_refreshed_and_the_rotation_saved() {
    let f = Fixture::start().await;
    f.tenant.state.access_lifetime.store(300, Ordering::SeqCst);
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let first = browser.get("/api/token").await;
    assert_eq!(first.body, "at-2");
    assert!(first.set_cookie("appSession").is_none(), "nothing changed");
    let before = browser.jar["appSession"].clone();

    // Within the leeway (60 s) of expiry: refreshed.
    f.clock.advance(Duration::from_secs(250));
    let second = browser.get("/api/token").await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_ne!(second.body, "at-2");
    assert_eq!(f.tenant.refreshes(), 1);
    let refresh = f.tenant.last_token_request();
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert_eq!(refresh["refresh_token"], "rt-2");
    assert!(!refresh.contains_key("audience"));
    assert!(
        second.set_cookie("appSession").is_some(),
        "the new tokens are saved"
    );

    // The saved session has the new token and the rotated refresh token.
    assert_eq!(browser.get("/api/token").await.body, second.body);
    assert_eq!(f.tenant.refreshes(), 1);

    // A request still carrying the old cookie (sent before the new one arrived) gets the
    // same result without spending the rotated-away token.
    let mut late = f.browser();
    late.jar.insert("appSession".into(), before.clone());
    assert_eq!(late.get("/api/token").await.body, second.body);
    assert_eq!(f.tenant.refreshes(), 1);

    // Later refreshes use the rotated token.
    f.clock.advance(Duration::from_secs(250));
    let third = browser.get("/api/token").await;
    assert_eq!(third.status, 200, "{}", third.body);
    assert_eq!(f.tenant.refreshes(), 2);
    assert_ne!(f.tenant.last_token_request()["refresh_token"], "rt-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_of_one_session_share_one_request() {
    let f = Fixture::start().await;
    f.tenant.state.access_lifetime.store(300, Ordering::SeqCst);
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    f.clock.advance(Duration::from_secs(290));
    f.tenant.hold_refreshes();
    let cookie = browser.cookie_header("/api/token");
    let http = reqwest::Client::new();
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let request = http
                .get(format!("{}/api/token", f.app))
                .header("cookie", cookie.clone())
                .send();
            tokio::spawn(async move {
                let r = request.await.unwrap();
                let set_cookie = r.headers().get_all("set-cookie").iter().count();
                (r.status().as_u16(), r.text().await.unwrap(), set_cookie)
            })
        })
        .collect();
    // Every request has reached the application before the tenant answers.
    while f.token_calls.load(Ordering::SeqCst) < 8 {
        tokio::task::yield_now().await;
    }
    f.tenant.release();
    let mut tokens = Vec::new();
    for r in requests {
        let (status, token, set_cookie) = r.await.unwrap();
        assert_eq!(status, 200, "{token}");
        assert!(set_cookie > 0, "each answer carries the refreshed session");
        tokens.push(token);
    }
    assert_eq!(f.tenant.refreshes(), 1, "one refresh request for all");
    assert!(
        tokens.iter().all(|t| *t == tokens[0] && t != "at-2"),
        "{tokens:?}"
    );
}

#[tokio::test]
async fn a_refused_refresh_token_ends_the_sessions_tokens() {
    let f = Fixture::start().await;
    f.tenant.state.access_lifetime.store(300, Ordering::SeqCst);
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    f.tenant.revoke_refresh_tokens();
    f.clock.advance(Duration::from_secs(400));
    let mut api = f.browser();
    api.jar = browser.jar.clone();
    api.accept = "application/json";
    let answer = api.get("/api/token").await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(
        answer.set_cookie("appSession").is_some(),
        "the tokens are dropped from the cookie"
    );
    // The user is still known; a token needs a new login.
    assert_eq!(api.get("/").await.body, "hello auth0|zoe");
    let refreshes = f.tenant.refreshes();
    let again = api.get("/api/token-for?audience=https%3A%2F%2Fother").await;
    assert_eq!(again.status, 401);
    assert!(again.body.contains("no refresh token"), "{}", again.body);
    assert_eq!(
        f.tenant.refreshes(),
        refreshes,
        "no request without a refresh token"
    );
    // A browser is sent to log in again.
    assert_eq!(
        browser.get("/api/token").await.location(),
        Some("/auth/login?returnTo=%2Fapi%2Ftoken")
    );
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_after_the_grace_period_is_refused() {
    let f = Fixture::start().await;
    f.tenant.state.access_lifetime.store(300, Ordering::SeqCst);
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let stale = browser.jar.clone();
    f.clock.advance(Duration::from_secs(250));
    assert_eq!(browser.get("/api/token").await.status, 200);
    f.clock.advance(LATER);
    let mut copy = f.browser();
    copy.jar = stale;
    copy.accept = "application/json";
    let answer = copy.get("/api/token").await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(f.tenant.refreshes(), 2);
}

#[tokio::test]
async fn access_tokens_for_other_audiences_come_from_the_refresh_token() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let answer = browser
        .get("/api/token-for?audience=https%3A%2F%2Forders")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("https://orders"), "{}", answer.body);
    assert_eq!(f.tenant.last_token_request()["audience"], "https://orders");
    assert_eq!(f.tenant.refreshes(), 1);
    // Kept in the session: no second request.
    assert_eq!(
        browser
            .get("/api/token-for?audience=https%3A%2F%2Forders")
            .await
            .body,
        answer.body
    );
    assert_eq!(f.tenant.refreshes(), 1);
    // The login's own token is still there, and the next audience uses the rotated token.
    assert_eq!(browser.get("/api/token").await.body, "at-2");
    let next = browser
        .get("/api/token-for?audience=https%3A%2F%2Fbilling")
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_ne!(f.tenant.last_token_request()["refresh_token"], "rt-2");
}

#[tokio::test]
async fn the_logins_audience_is_the_sessions_own() {
    let f = Fixture::start_with(|b| b.audience("https://api")).await;
    let mut browser = f.browser();
    let authorize = browser.start_login("/auth/login").await;
    assert_eq!(
        super::query(&authorize, "audience").as_deref(),
        Some("https://api")
    );
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-1");
    let state = super::query(&authorize, "state").unwrap();
    browser
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(browser.get("/api/token").await.body, "at-2");
    // Named explicitly, the login's audience is the same token: no refresh.
    assert_eq!(
        browser
            .get("/api/token-for?audience=https%3A%2F%2Fapi")
            .await
            .body,
        "at-2"
    );
    assert_eq!(f.tenant.refreshes(), 0);

    // A login for another audience: its token is the session's own, and the configured
    // audience is asked for by name.
    let mut other = f.browser();
    let authorize = other
        .start_login("/auth/login?audience=https%3A%2F%2Fother")
        .await;
    assert_eq!(
        super::query(&authorize, "audience").as_deref(),
        Some("https://other")
    );
    let code = f.tenant.issue_code(&authorize, "auth0|zoe", "sid-2");
    let state = super::query(&authorize, "state").unwrap();
    other
        .get(&format!("/auth/callback?code={code}&state={state}"))
        .await;
    let own = other.get("/api/token").await.body;
    assert_eq!(f.tenant.refreshes(), 0);
    let api = other
        .get("/api/token-for?audience=https%3A%2F%2Fapi")
        .await
        .body;
    assert_ne!(api, own);
    assert_eq!(f.tenant.refreshes(), 1);
    assert_eq!(f.tenant.last_token_request()["audience"], "https://api");

    // Refreshing the login's own token names no audience.
    f.tenant.state.access_lifetime.store(300, Ordering::SeqCst);
    f.clock.advance(Duration::from_secs(3600));
    assert_eq!(browser.get("/api/token").await.status, 200);
    let refresh = f.tenant.last_token_request();
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert!(!refresh.contains_key("audience"));
}

#[tokio::test]
async fn a_large_session_is_chunked_under_the_cookie_limit() {
    let f = Fixture::start().await;
    f.tenant
        .state
        .audience_token_len
        .store(2500, Ordering::SeqCst);
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    assert!(browser.jar.contains_key("appSession"));
    let mut last = None;
    for api in ["a", "b"] {
        last = Some(
            browser
                .get(&format!("/api/token-for?audience=https%3A%2F%2F{api}"))
                .await,
        );
    }
    let last = last.unwrap();
    assert_eq!(last.status, 200);
    let lines = last.set_cookies();
    assert!(
        lines.iter().any(|l| l.starts_with("appSession.1=")),
        "{lines:?}"
    );
    for line in &lines {
        assert!(line.len() < 4096, "{} bytes", line.len());
    }
    // The whole cookie of before was removed.
    assert!(!browser.jar.contains_key("appSession"));
    let names = browser.names();
    assert!(names.contains(&"appSession.0".to_owned()));
    // Read back from its chunks.
    assert_eq!(browser.get("/").await.body, "hello auth0|zoe");
    assert!(
        browser
            .get("/api/token-for?audience=https%3A%2F%2Fa")
            .await
            .body
            .contains("https://a")
    );
    // Logout removes every chunk.
    let out = browser.get("/auth/logout").await;
    assert!(out.set_cookies().iter().all(|l| l.contains("Max-Age=0")));
    assert!(browser.names().iter().all(|n| !n.starts_with("appSession")));
}

#[tokio::test]
async fn sessions_in_the_neutral_api() {
    let f = Fixture::start().await;
    let mut browser = f.browser();
    f.log_in(&mut browser, "auth0|zoe", "sid-1").await;
    let mut headers = http::HeaderMap::new();
    headers.insert("cookie", browser.cookie_header("/").parse().unwrap());
    let session = f.auth.session(&headers).await.unwrap().unwrap();
    let id_token = session.id_token();
    assert_eq!(session.sub(), "auth0|zoe");
    assert_eq!(session.sid().as_deref(), Some("sid-1"));
    assert_eq!(
        session.user().unwrap().email.as_deref(),
        Some("zoe@example.com")
    );
    assert!(!session.is_changed());
    let token = session.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), "at-2");
    assert_eq!(token.token_type(), Some("Bearer"));
    let text = format!("{session:?} {token:?}");
    for secret in ["at-2", "rt-2", session.id_token().expose_secret()] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(session.expires_at() > session.created_at());
    assert!(
        f.auth
            .session(&http::HeaderMap::new())
            .await
            .unwrap()
            .is_none()
    );

    // Saving writes the cookie.
    let cookies = f.auth.save_session(&session).await.unwrap();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].is_sensitive());
    assert!(session.access_token_for("https://x").await.is_ok());
    assert!(session.is_changed());

    // The logout redirect carries the ID token (of the request's cookie); its `Debug` does
    // not.
    let out = f.auth.logout(None, &headers).await;
    assert!(
        out.headers()["location"]
            .to_str()
            .unwrap()
            .contains(id_token.expose_secret())
    );
    assert!(!format!("{out:?}").contains(id_token.expose_secret()));
}
