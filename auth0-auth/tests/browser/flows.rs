//! Logging in, tabs, the profile, refresh, invitations, logout, back-channel logout and a
//! tampered cookie, in a real browser against the example's router and tenant.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::Locator;
use serde_json::{Value, json};
use url::Url;

use crate::{Site, Tab, app, claims, driver};

const LOGIN_FORM: &str = "form[action='/u/login']";

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The JSON of a page the browser navigated to (chromium shows it in a `<pre>`).
async fn json_page(tab: &Tab<'_>) -> Value {
    let text = tab.text("pre").await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The user's profile through `fetch`, as JSON.
async fn profile_json(tab: &Tab<'_>) -> Value {
    let (status, profile) = tab.fetch_json("/profile").await;
    assert_eq!(status, 200, "{profile}");
    profile
}

/// Asks the tenant's `/userinfo` with an access token: the status and the body.
async fn userinfo(site: &Site, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/userinfo", site.standin.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn logging_in_lands_on_return_to() {
    let Some(driver) = driver("logging_in_lands_on_return_to") else {
        return;
    };
    let site = Site::start(None).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    // A page that needs a user sends the browser to the tenant's login page.
    tab.goto(&site.url("/profile?tab=keys")).await;
    tab.wait_for(LOGIN_FORM).await;
    let login_page = tab.url().await;
    assert_eq!(
        login_page.origin(),
        Url::parse(&site.standin.url()).unwrap().origin()
    );
    assert_eq!(login_page.path(), "/authorize");
    assert!(tab.body_text().await.contains("Web app example"));

    // A wrong password is refused on the page; the right one lands on the page asked for.
    tab.submit_login(app::USER_EMAIL, "not the password").await;
    assert_eq!(tab.text("#error").await, "Wrong email or password.");
    tab.submit_login(app::USER_EMAIL, app::USER_PASSWORD).await;
    tab.wait_for_url(&site.url("/profile?tab=keys")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);
    assert_eq!(tab.text("#email").await, app::USER_EMAIL);
    assert!(tab.text("#sub").await.starts_with("auth0|"));
    assert!(!tab.has("#org_id").await);

    // The session cookie, beside the tenant's own on the same host; no transaction left.
    let session = tab.cookie("appSession").await.expect("the session cookie");
    assert_eq!(session["httpOnly"], true, "{session}");
    assert_eq!(session["path"], "/", "{session}");
    assert_eq!(session["sameSite"], "Lax", "{session}");
    assert_eq!(
        session["secure"], false,
        "http on a loopback address: {session}"
    );
    assert_eq!(session["domain"], "127.0.0.1", "{session}");
    let value = session["value"].as_str().unwrap();
    assert!(value.len() < 4096 && !value.contains(app::USER_EMAIL));
    let names = tab.cookie_names().await;
    assert_eq!(names, ["appSession", "auth0_standin_session"]);

    // The home page greets the user (the name's apostrophe escaped, shown as typed).
    tab.goto(&site.url("/")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);
    assert!(tab.has("#logout").await && !tab.has("#login").await);

    // A returnTo off the application's origin (here the tenant's, on this machine) is
    // not followed: the login (single sign-on now) lands on `/`.
    let elsewhere = format!("{}/elsewhere", site.standin.url());
    tab.goto(&site.url(&format!("/auth/login?returnTo={}", encode(&elsewhere))))
        .await;
    tab.wait_for_url(&site.url("/")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);
}

#[tokio::test]
async fn two_tabs_log_in_at_once() {
    let Some(driver) = driver("two_tabs_log_in_at_once") else {
        return;
    };
    let site = Site::start(None).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    // Both tabs start a login before either finishes: two transactions, a cookie each.
    let first = browser.window().await.unwrap();
    tab.goto(&site.url("/auth/login?returnTo=%2Fprofile")).await;
    tab.wait_for(LOGIN_FORM).await;
    let second = browser.new_window(true).await.unwrap().handle;
    browser.switch_to_window(second.clone()).await.unwrap();
    tab.goto(&site.url("/auth/login?returnTo=%2Fapi%2Ftoken"))
        .await;
    tab.wait_for(LOGIN_FORM).await;
    let transactions: Vec<Value> = tab
        .cookies()
        .await
        .into_iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("auth0_txn."))
        .collect();
    assert_eq!(transactions.len(), 2, "{transactions:?}");
    assert!(
        transactions
            .iter()
            .all(|c| c["path"] == "/auth" && c["httpOnly"] == true)
    );

    // The second finishes first, then the first: each lands where it was going.
    tab.submit_login(app::USER_EMAIL, app::USER_PASSWORD).await;
    tab.wait_for_url(&site.url("/api/token")).await;
    let token = json_page(&tab).await;
    let audiences = claims(token["access_token"].as_str().unwrap())["aud"].clone();
    assert!(
        audiences
            .as_array()
            .is_some_and(|a| a.contains(&json!(app::DEFAULT_AUDIENCE))),
        "{audiences}"
    );

    browser.switch_to_window(first).await.unwrap();
    tab.submit_login(app::USER_EMAIL, app::USER_PASSWORD).await;
    tab.wait_for_url(&site.url("/profile")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);

    // Both transactions are spent and their cookies gone.
    assert_eq!(
        tab.cookie_names().await,
        ["appSession", "auth0_standin_session"]
    );
    browser.switch_to_window(second).await.unwrap();
    tab.goto(&site.url("/")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);
}

#[tokio::test]
async fn the_profile_is_a_page_for_browsers_and_json_for_scripts() {
    let Some(driver) = driver("the_profile_is_a_page_for_browsers_and_json_for_scripts") else {
        return;
    };
    let site = Site::start(None).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    // Without a session: a log-in link, and 401 for scripts.
    tab.goto(&site.url("/")).await;
    assert!(tab.has("#login").await && !tab.has("#name").await);
    for path in ["/profile", "/api/token"] {
        let (status, body) = tab.fetch_json(path).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["error"], "login_required", "{path}: {body}");
    }

    // Logging in to the organization (the log-in link with `organization`).
    tab.goto(&site.url(&format!(
        "/auth/login?organization={}&returnTo=%2Fprofile",
        app::ORGANIZATION_ID
    )))
    .await;
    assert!(tab.text("#organization").await.contains("Example Inc."));
    tab.submit_login(app::USER_EMAIL, app::USER_PASSWORD).await;
    tab.wait_for_url(&site.url("/profile")).await;
    assert_eq!(tab.text("#org_id").await, app::ORGANIZATION_ID);

    let profile = profile_json(&tab).await;
    let sub = profile["sub"].as_str().unwrap().to_owned();
    assert!(sub.starts_with("auth0|"), "{profile}");
    assert_eq!(
        profile,
        json!({
            "sub": sub, "email": app::USER_EMAIL, "name": app::USER_NAME,
            "org_id": app::ORGANIZATION_ID,
        })
    );
    // A script that prefers HTML gets the page.
    let (status, page) = tab
        .fetch("/profile", "text/html;q=0.9, application/json;q=0.5")
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("<dd id=\"org_id\">{}</dd>", app::ORGANIZATION_ID)),
        "{page}"
    );
    assert!(page.contains("Zoë O&#39;Brien"), "{page}");

    // Logging in again without an organization (no password: the tenant's session) gives a
    // profile without one.
    tab.goto(&site.url("/auth/login?returnTo=%2Fprofile")).await;
    tab.wait_for_url(&site.url("/profile")).await;
    assert!(!tab.has("#org_id").await);
    assert_eq!(
        profile_json(&tab).await,
        json!({ "sub": sub, "email": app::USER_EMAIL, "name": app::USER_NAME })
    );
}

#[tokio::test]
async fn access_tokens_are_refreshed_after_expiry() {
    let Some(driver) = driver("access_tokens_are_refreshed_after_expiry") else {
        return;
    };
    // Five-second access tokens (the tenant's setting AUTH0_STANDIN_TOKEN_LIFETIME gives).
    let site = Site::start(Some(Duration::from_secs(5))).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    tab.log_in(
        &site.url("/auth/login?returnTo=%2Fapi%2Ftoken"),
        &site.url("/api/token"),
    )
    .await;
    let first = json_page(&tab).await;
    let first_token = first["access_token"].as_str().unwrap().to_owned();
    let first_expiry = first["expires_at"].as_u64().unwrap();
    assert_eq!(claims(&first_token)["exp"], first_expiry);
    let (status, who) = userinfo(&site, &first_token).await;
    assert_eq!(status, 200, "{who}");
    let first_cookie = tab.cookie_value("appSession").await.unwrap();

    // Once it has expired, the tenant refuses it...
    loop {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        if now > first_expiry {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(userinfo(&site, &first_token).await.0, 401);

    // ...and the application hands out a new one, got with the refresh token; the rotated
    // refresh token is written back into the cookie (with the old one, the refresh would be
    // the first one's again, and its token the expired one).
    tab.goto(&site.url("/api/token")).await;
    let second = json_page(&tab).await;
    let second_token = second["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, first_token);
    assert!(second["expires_at"].as_u64().unwrap() > first_expiry);
    assert_eq!(claims(&second_token)["exp"], second["expires_at"]);
    let (status, again) = userinfo(&site, &second_token).await;
    assert_eq!((status, &again["sub"]), (200, &who["sub"]), "{again}");
    let second_cookie = tab.cookie_value("appSession").await.unwrap();
    assert_ne!(second_cookie, first_cookie);

    // A script's request refreshes too (the token expires within the minute of leeway) and
    // the session is saved again. (Within the same second the tenant's token is the same
    // text: same claims, same deterministic signature.)
    let (status, third) = tab.fetch_json("/api/token").await;
    assert_eq!(status, 200, "{third}");
    assert!(third["expires_at"].as_u64().unwrap() >= second["expires_at"].as_u64().unwrap());
    assert_eq!(
        userinfo(&site, third["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert_ne!(tab.cookie_value("appSession").await.unwrap(), second_cookie);
    tab.goto(&site.url("/")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);
}

#[tokio::test]
async fn an_invitation_logs_the_invited_person_in_to_the_organization() {
    let Some(driver) = driver("an_invitation_logs_the_invited_person_in_to_the_organization")
    else {
        return;
    };
    let site = Site::start(None).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    let invited = "new.member@example.com";
    let invitation = site
        .standin
        .invite(app::ORGANIZATION_ID, invited, auth0_standin::CLIENT_ID)
        .unwrap();
    // The link of the invitation email: the application's login route with its query.
    tab.goto(&site.url(&format!(
        "/auth/login?{}&returnTo=%2Fprofile",
        invitation.query()
    )))
    .await;
    tab.wait_for("#invitation").await;
    let username = tab
        .client
        .find(Locator::Css("input[name='username']"))
        .await
        .unwrap();
    assert_eq!(
        username.prop("value").await.unwrap().as_deref(),
        Some(invited)
    );

    // Someone new chooses a password and is in, as a member of the organization.
    tab.submit_login(invited, "a new passphrase 42").await;
    tab.wait_for_url(&site.url("/profile")).await;
    assert_eq!(tab.text("#org_id").await, app::ORGANIZATION_ID);
    let profile = profile_json(&tab).await;
    assert_eq!(profile["email"], invited);
    assert_eq!(profile["org_id"], app::ORGANIZATION_ID);
    assert_ne!(profile["sub"], Value::Null);
}

#[tokio::test]
async fn logging_out_ends_the_session_here_and_at_the_tenant() {
    let Some(driver) = driver("logging_out_ends_the_session_here_and_at_the_tenant") else {
        return;
    };
    let site = Site::start(None).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    tab.log_in(&site.url("/auth/login"), &site.url("/")).await;
    let sub = profile_json(&tab).await["sub"].clone();
    let copy = tab.cookie("appSession").await.unwrap();
    assert!(tab.cookie("auth0_standin_session").await.is_some());

    tab.wait_for("#logout").await.click().await.unwrap();
    tab.wait_for_url(&site.url("/")).await;
    tab.wait_for("#login").await;
    let names = tab.cookie_names().await;
    assert!(
        !names.contains(&"appSession".to_owned())
            && !names.contains(&"auth0_standin_session".to_owned()),
        "{names:?}"
    );
    // The tenant told the application, which answered 200.
    let told = site.standin.backchannel_logouts();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].url, site.url("/auth/backchannel-logout"));
    assert_eq!(told[0].outcome, Ok(200));
    assert_eq!(json!(told[0].sub), sub);

    // A copy of the cookie taken before does not bring the session back (and is removed).
    tab.put_cookie(&copy).await;
    tab.goto(&site.url("/")).await;
    tab.wait_for("#login").await;
    assert!(tab.cookie("appSession").await.is_none());
    assert_eq!(tab.fetch_json("/profile").await.0, 401);

    // The tenant's session ended too: logging in asks for the password again.
    tab.wait_for("#login").await.click().await.unwrap();
    tab.wait_for(LOGIN_FORM).await;
    tab.submit_login(app::USER_EMAIL, app::USER_PASSWORD).await;
    tab.wait_for_url(&site.url("/")).await;
    assert_eq!(tab.text("#name").await, app::USER_NAME);
}

#[tokio::test]
async fn a_backchannel_logout_ends_the_session_of_another_browser() {
    let Some(driver) = driver("a_backchannel_logout_ends_the_session_of_another_browser") else {
        return;
    };
    let site = Site::start(None).await;
    let (one, two) = (driver.browser().await, driver.browser().await);
    let (first, second) = (Tab::of(&one), Tab::of(&two));

    // The user logs in from two browsers: two sessions at the tenant, two here.
    first.log_in(&site.url("/auth/login"), &site.url("/")).await;
    second
        .log_in(&site.url("/auth/login"), &site.url("/"))
        .await;

    // Logging out in the first ends the first's session only.
    first.wait_for("#logout").await.click().await.unwrap();
    first.wait_for_url(&site.url("/")).await;
    first.wait_for("#login").await;
    second.goto(&site.url("/")).await;
    assert_eq!(second.text("#name").await, app::USER_NAME);
    assert_eq!(second.fetch_json("/api/token").await.0, 200);

    // The tenant ends the user's other session (as deleting a user's sessions does): its
    // back-channel logout reaches the application, and the second browser's cookie, still
    // there, is no session any more.
    assert_eq!(site.standin.end_sessions(app::USER_EMAIL).await, 1);
    let told = site.standin.backchannel_logouts();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told.iter().all(|t| t.outcome == Ok(200)), "{told:?}");
    assert_ne!(told[0].sid, told[1].sid);
    assert!(second.cookie("appSession").await.is_some());
    second.goto(&site.url("/")).await;
    second.wait_for("#login").await;
    assert!(!second.has("#name").await);
    assert!(second.cookie("appSession").await.is_none());
    assert_eq!(second.fetch_json("/api/token").await.0, 401);
}

#[tokio::test]
async fn a_tampered_session_cookie_is_no_session() {
    let Some(driver) = driver("a_tampered_session_cookie_is_no_session") else {
        return;
    };
    let site = Site::start(None).await;
    let browser = driver.browser().await;
    let tab = Tab::of(&browser);

    tab.log_in(
        &site.url("/auth/login?returnTo=%2Fprofile"),
        &site.url("/profile"),
    )
    .await;
    let sealed = tab.cookie_value("appSession").await.unwrap();
    // JWE compact: header, (empty) key, IV, ciphertext, tag. One character of the
    // ciphertext changed.
    let parts: Vec<&str> = sealed.split('.').collect();
    assert_eq!(parts.len(), 5, "{sealed}");
    let mut ciphertext = parts[3].to_owned().into_bytes();
    let middle = ciphertext.len() / 2;
    ciphertext[middle] = if ciphertext[middle] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = [
        parts[0],
        parts[1],
        parts[2],
        std::str::from_utf8(&ciphertext).unwrap(),
        parts[4],
    ]
    .join(".");
    assert_ne!(tampered, sealed);

    for value in [
        tampered,
        "not-a-sealed-session".to_owned(),
        sealed[..sealed.len() / 2].to_owned(),
    ] {
        tab.goto(&site.url("/")).await;
        tab.set_cookie_value("appSession", &value).await;
        // The public page is served, to nobody in particular, and the cookie removed.
        tab.goto(&site.url("/")).await;
        tab.wait_for("#login").await;
        assert!(!tab.has("#name").await, "{value}");
        assert!(tab.cookie("appSession").await.is_none(), "{value}");
        assert_eq!(tab.fetch_json("/profile").await.0, 401);
        // The user logs in again (without a password: the tenant's session is intact).
        tab.goto(&site.url("/profile")).await;
        tab.wait_for_url(&site.url("/profile")).await;
        assert_eq!(tab.text("#name").await, app::USER_NAME);
    }
}
