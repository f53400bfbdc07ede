//! The Management API over HTTP: the generic engine's collections, relations, settings,
//! paging and errors; client grants deciding tokens; faults and the requests received; the
//! binary.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use auth0_standin::{CLIENT_ID, CLIENT_SECRET, Fault, MANAGEMENT_SCOPES, Standin};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn token_for(url: &str, client: &str, secret: &str, audience: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("audience", audience),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn admin(url: &str) -> String {
    let (status, body) = token_for(url, CLIENT_ID, CLIENT_SECRET, &format!("{url}/api/v2/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn call(
    url: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{url}/api/v2{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

#[tokio::test]
async fn connections_are_created_listed_renamed_and_deleted() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    let (status, created, headers) = call(
        &url,
        &t,
        Method::POST,
        "/connections",
        Some(json!({"name": "corp-db", "strategy": "auth0"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("con_"), "{id}");
    assert_eq!(created["strategy"], "auth0");
    assert_eq!(created["realms"], json!(["corp-db"]));
    assert!(created["created_at"].is_string());
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(headers.contains_key(name), "{name}");
    }

    // The same name again: 409.
    let (status, body, _) = call(
        &url,
        &t,
        Method::POST,
        "/connections",
        Some(json!({"name": "corp-db", "strategy": "auth0"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // A missing required member: 400 naming it.
    let (status, body, _) = call(
        &url,
        &t,
        Method::POST,
        "/connections",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errorCode"], "invalid_body");
    assert!(
        body["message"].as_str().unwrap().contains("strategy"),
        "{body}"
    );

    // Renamed, cleared with null, read back.
    let path = format!("/connections/{id}");
    let (status, body, _) = call(
        &url,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"display_name": "Corporate"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body, _) = call(&url, &t, Method::GET, &path, None).await;
    assert_eq!(body["display_name"], "Corporate");
    assert_eq!(body["name"], "corp-db");
    call(
        &url,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"display_name": null})),
    )
    .await;
    let (_, body, _) = call(&url, &t, Method::GET, &path, None).await;
    assert_eq!(body["display_name"], Value::Null);

    // Listed with the database connection, paged, with chosen fields.
    let (_, list, _) = call(&url, &t, Method::GET, "/connections?fields=id,name", None).await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter().all(|c| c.as_object().unwrap().len() == 2),
        "{list:?}"
    );
    let (_, page, _) = call(&url, &t, Method::GET, "/connections?take=1", None).await;
    assert_eq!(
        page["connections"].as_array().map(Vec::len),
        Some(1),
        "{page}"
    );
    assert_eq!(page["next"], "1");
    let (_, page, _) = call(
        &url,
        &t,
        Method::GET,
        "/connections?per_page=1&page=1&include_totals=true",
        None,
    )
    .await;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["start"], 1);

    let (status, body, _) = call(&url, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert!(body["deleted_at"].is_string());
    let (status, body, _) = call(&url, &t, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errorCode"], "inexistent_connection");
}

#[tokio::test]
async fn roles_permissions_and_organizations_hold_together() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    let (_, user, _) = call(
        &url,
        &t,
        Method::POST,
        "/users",
        Some(json!({"connection": auth0_standin::CONNECTION, "email": "rui@example.com", "password": "Long-enough-9"})),
    )
    .await;
    let uid = user["user_id"].as_str().unwrap().to_string();
    let (status, role, _) = call(
        &url,
        &t,
        Method::POST,
        "/roles",
        Some(json!({"name": "editor"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{role}");
    let rid = role["id"].as_str().unwrap().to_string();
    assert!(rid.starts_with("rol_"));
    let (status, _, _) = call(
        &url,
        &t,
        Method::POST,
        &format!("/roles/{rid}/permissions"),
        Some(json!({"permissions": [{"resource_server_identifier": "https://api.example.com/", "permission_name": "read:items"}]})),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let (_, perms, _) = call(
        &url,
        &t,
        Method::GET,
        &format!("/roles/{rid}/permissions"),
        None,
    )
    .await;
    assert_eq!(perms[0]["permission_name"], "read:items", "{perms}");

    let user_roles = format!("/users/{}/roles", uid.replace('|', "%7C"));
    call(
        &url,
        &t,
        Method::POST,
        &user_roles,
        Some(json!({"roles": [rid]})),
    )
    .await;
    // Read from the role's side too.
    let (_, users, _) = call(&url, &t, Method::GET, &format!("/roles/{rid}/users"), None).await;
    assert_eq!(users[0]["user_id"], uid.as_str(), "{users}");
    // Deleting the role takes it off the user.
    // Auth0 answers `200 {}` (the document's status), not 204.
    let (status, body, _) = call(&url, &t, Method::DELETE, &format!("/roles/{rid}"), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let (_, roles, _) = call(&url, &t, Method::GET, &user_roles, None).await;
    assert_eq!(roles, json!([]));

    // An organization, a member, the user's organizations; a login to it then works.
    let (status, org, _) = call(
        &url,
        &t,
        Method::POST,
        "/organizations",
        Some(json!({"name": "acme", "display_name": "Acme"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let oid = org["id"].as_str().unwrap().to_string();
    assert!(oid.starts_with("org_"));
    let (status, body, _) = call(
        &url,
        &t,
        Method::POST,
        &format!("/organizations/{oid}/members"),
        Some(json!({"members": [uid]})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, members, _) = call(
        &url,
        &t,
        Method::GET,
        &format!("/organizations/{oid}/members"),
        None,
    )
    .await;
    assert_eq!(members[0]["user_id"], uid.as_str(), "{members}");
    let (_, orgs, _) = call(
        &url,
        &t,
        Method::GET,
        &format!("/users/{}/organizations", uid.replace('|', "%7C")),
        None,
    )
    .await;
    assert_eq!(orgs[0]["id"], oid.as_str(), "{orgs}");
    let (status, body, _) = call(
        &url,
        &t,
        Method::GET,
        "/organizations/org_nobody/members",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["errorCode"], "inexistent_organization");

    // Settings: the document's defaults, then merged.
    let (status, settings, _) = call(&url, &t, Method::GET, "/tenants/settings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(settings.get("flags").is_some(), "{settings}");
    call(
        &url,
        &t,
        Method::PATCH,
        "/tenants/settings",
        Some(json!({"friendly_name": "Standin"})),
    )
    .await;
    let (_, settings, _) = call(&url, &t, Method::GET, "/tenants/settings", None).await;
    assert_eq!(settings["friendly_name"], "Standin");
    assert!(settings.get("flags").is_some());
}

#[tokio::test]
async fn client_grants_decide_client_credentials_tokens() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    // The default application has every Management scope.
    let claims = {
        let payload = t.split('.').nth(1).unwrap();
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice::<Value>(&raw).unwrap()
    };
    let scopes: Vec<&str> = claims["scope"].as_str().unwrap().split(' ').collect();
    assert_eq!(scopes.len(), MANAGEMENT_SCOPES.len());
    assert!(scopes.contains(&"read:organizations") && scopes.contains(&"update:tenant_settings"));

    let (_, client, _) = call(
        &url,
        &t,
        Method::POST,
        "/clients",
        Some(json!({"name": "worker"})),
    )
    .await;
    let (id, secret) = (
        client["client_id"].as_str().unwrap().to_string(),
        client["client_secret"].as_str().unwrap().to_string(),
    );
    assert_eq!(id.len(), 32);
    let audience = format!("{url}/api/v2/");
    let (status, body) = token_for(&url, &id, &secret, &audience).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, grant, _) = call(
        &url,
        &t,
        Method::POST,
        "/client-grants",
        Some(json!({"client_id": id, "audience": audience, "scope": ["read:users"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    assert!(grant["id"].as_str().unwrap().starts_with("cgr_"));
    let (status, body) = token_for(&url, &id, &secret, &audience).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "read:users");
    let worker = body["access_token"].as_str().unwrap().to_string();
    let (status, _, _) = call(&url, &worker, Method::GET, "/users", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body, _) = call(&url, &worker, Method::GET, "/roles", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["message"].as_str().unwrap().contains("read:roles"),
        "{body}"
    );

    // A rotated secret replaces the old one.
    let (status, rotated, _) = call(
        &url,
        &t,
        Method::POST,
        &format!("/clients/{id}/rotate-secret"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(
        token_for(&url, &id, &secret, &audience).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token_for(&url, &id, new_secret, &audience).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_are_met_and_requests_recorded() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    s.inject(
        Fault::rate_limited(Duration::from_secs(3))
            .operation("users.list")
            .times(2),
    );
    for _ in 0..2 {
        let (status, body, headers) = call(&url, &t, Method::GET, "/users", None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        let reset: u64 = headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(reset >= now + 2, "{reset} {now}");
    }
    // Other operations are not touched; the third request goes through.
    assert_eq!(
        call(&url, &t, Method::GET, "/roles", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&url, &t, Method::GET, "/users", None).await.0,
        StatusCode::OK
    );

    s.inject(Fault::status(503));
    assert_eq!(
        call(&url, &t, Method::GET, "/roles", None).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    s.inject(Fault::delay(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(
        call(&url, &t, Method::GET, "/roles", None).await.0,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Over HTTP, for tests in other languages.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{url}/standin/faults"))
        .json(&json!({"status": 500, "operation": "get_roles"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        call(&url, &t, Method::GET, "/roles", None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    s.clear_requests();
    call(
        &url,
        &t,
        Method::POST,
        "/roles?x=1",
        Some(json!({"name": "auditor"})),
    )
    .await;
    let seen = s.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/api/v2/roles");
    assert_eq!(seen[0].query, "x=1");
    assert_eq!(seen[0].body, json!({"name": "auditor"}));
    assert_eq!(seen[0].operation.as_deref(), Some("roles.create"));
    let listed: Value = http
        .get(format!("{url}/standin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["body"]["name"], "auditor");
}

/// Stops the child process when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_a_configured_tenant() {
    let dir = std::env::temp_dir().join(format!("auth0-standin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("tenant.json");
    std::fs::write(
        &config,
        json!({
            "users": [{"email": "zoe@example.com", "password": "a long passphrase 7"}],
            "organizations": [{"id": "org_acme1234", "name": "acme", "members": ["zoe@example.com"]}],
        })
        .to_string(),
    )
    .unwrap();
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_auth0-standin"))
            .args(["--port", "0", "--config"])
            .arg(&config)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("auth0-standin listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "{url}");
    let t = admin(&url).await;
    let (status, orgs, _) = call(&url, &t, Method::GET, "/organizations", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(orgs[0]["name"], "acme", "{orgs}");
    let (_, users, _) = call(
        &url,
        &t,
        Method::GET,
        "/users-by-email?email=zoe@example.com",
        None,
    )
    .await;
    assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");

    // A bad configuration is refused with a message, before listening.
    std::fs::write(&config, "{\"users\": 3}").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_auth0-standin"))
        .args(["--port", "0", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("users"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn passwordless_users_take_their_connections_provider() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    let (status, _, _) = call(
        &url,
        &t,
        Method::POST,
        "/connections",
        Some(json!({"name": "sms", "strategy": "sms"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, user, _) = call(
        &url,
        &t,
        Method::POST,
        "/users",
        Some(json!({"connection": "sms", "phone_number": "+15555550100"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["user_id"].as_str().unwrap();
    assert!(id.starts_with("sms|"), "{id}");
    assert_eq!(user["identities"][0]["provider"], "sms");
    assert!(user.get("email").is_none(), "{user}");
    let (status, read, _) = call(
        &url,
        &t,
        Method::GET,
        &format!("/users/{}", id.replace('|', "%7C")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["phone_number"], "+15555550100");
    // A connection that does not exist.
    let (status, body, _) = call(
        &url,
        &t,
        Method::POST,
        "/users",
        Some(json!({"connection": "nope", "phone_number": "+15555550101"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], "inexistent_connection");
}

#[tokio::test]
async fn what_a_tenant_holds_from_the_start_is_listed() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    // Every guardian factor is listed, set or not; one set reads back in the list.
    let (status, body, _) = call(
        &url,
        &t,
        Method::PUT,
        "/guardian/factors/otp",
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, factors, _) = call(&url, &t, Method::GET, "/guardian/factors", None).await;
    let factors = factors.as_array().unwrap();
    assert_eq!(factors.len(), 8, "{factors:?}");
    let otp = factors.iter().find(|f| f["name"] == "otp").unwrap();
    assert_eq!(otp["enabled"], true);
    assert!(factors.iter().any(|f| f["name"] == "webauthn-roaming"));

    // The signing key is the one the JWKS publishes.
    let jwks: Value = reqwest::get(format!("{url}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_string();
    let (_, keys, _) = call(&url, &t, Method::GET, "/keys/signing", None).await;
    assert_eq!(keys[0]["kid"], kid.as_str(), "{keys}");
    assert_eq!(keys[0]["current"], true);
    let (status, key, _) = call(&url, &t, Method::GET, &format!("/keys/signing/{kid}"), None).await;
    assert_eq!((status, key["kid"].clone()), (StatusCode::OK, json!(kid)));
    let (status, _, _) = call(&url, &t, Method::GET, "/keys/signing/nokey", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A change is logged as a successful API operation, newest first, and read by its id.
    call(
        &url,
        &t,
        Method::POST,
        "/roles",
        Some(json!({"name": "auditors"})),
    )
    .await;
    let (_, logs, _) = call(&url, &t, Method::GET, "/logs", None).await;
    let newest = &logs[0];
    assert_eq!(newest["type"], "sapi", "{logs}");
    assert_eq!(newest["client_id"], CLIENT_ID);
    assert_eq!(newest["details"]["request"]["path"], "/api/v2/roles");
    // A user's creation is logged without its password.
    call(
        &url,
        &t,
        Method::POST,
        "/users",
        Some(json!({
            "connection": auth0_standin::CONNECTION,
            "email": "logged@example.com",
            "password": "a long passphrase 7",
        })),
    )
    .await;
    let (_, logs, _) = call(&url, &t, Method::GET, "/logs", None).await;
    assert_eq!(logs[0]["details"]["request"]["path"], "/api/v2/users");
    assert!(!logs.to_string().contains("passphrase"), "{logs}");
    let id = newest["log_id"].as_str().unwrap().to_string();
    let (status, log, _) = call(&url, &t, Method::GET, &format!("/logs/{id}"), None).await;
    assert_eq!((status, &log["log_id"]), (StatusCode::OK, &json!(id)));

    // No default custom domain until there is a domain; then the first one.
    let (status, _, _) = call(&url, &t, Method::GET, "/custom-domains/default", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, domain, _) = call(
        &url,
        &t,
        Method::POST,
        "/custom-domains",
        Some(json!({"domain": "login.example.com", "type": "auth0_managed_certs"})),
    )
    .await;
    let (status, default, _) = call(&url, &t, Method::GET, "/custom-domains/default", None).await;
    assert_eq!(status, StatusCode::OK, "{default}");
    assert_eq!(default["custom_domain_id"], domain["custom_domain_id"]);
    assert_eq!(default["is_default"], true);
}

#[tokio::test]
async fn settings_that_can_be_deleted_exist_once_written() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    let (status, _, _) = call(&url, &t, Method::GET, "/emails/provider", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, created, _) = call(
        &url,
        &t,
        Method::POST,
        "/emails/provider",
        Some(json!({
            "name": "sendgrid",
            "default_from_address": "no-reply@example.com",
            "credentials": {"api_key": "a secret"},
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {created}");
    assert_eq!(created["name"], "sendgrid");
    let (status, got, _) = call(&url, &t, Method::GET, "/emails/provider", None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["default_from_address"], "no-reply@example.com");
    let (status, _, _) = call(&url, &t, Method::DELETE, "/emails/provider", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&url, &t, Method::GET, "/emails/provider", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_hooks_secrets_are_named_never_shown_and_removed_by_name() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    let (_, hook, _) = call(
        &url,
        &t,
        Method::POST,
        "/hooks",
        Some(json!({
            "name": "on-signup",
            "script": "module.exports = function (user, context, cb) { cb(); };",
            "triggerId": "pre-user-registration",
        })),
    )
    .await;
    let path = format!("/hooks/{}/secrets", hook["id"].as_str().unwrap());
    let (status, secrets, _) = call(&url, &t, Method::GET, &path, None).await;
    assert_eq!((status, secrets), (StatusCode::OK, json!({})));
    let (status, body, _) = call(
        &url,
        &t,
        Method::POST,
        &path,
        Some(json!({"SECRET1": "one", "SECRET2": "two"})),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let (_, secrets, _) = call(&url, &t, Method::GET, &path, None).await;
    assert_eq!(
        secrets,
        json!({"SECRET1": "_VALUE_NOT_SHOWN_", "SECRET2": "_VALUE_NOT_SHOWN_"})
    );
    let (status, _, _) = call(&url, &t, Method::DELETE, &path, Some(json!(["SECRET1"]))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, secrets, _) = call(&url, &t, Method::GET, &path, None).await;
    assert_eq!(secrets, json!({"SECRET2": "_VALUE_NOT_SHOWN_"}));
}

#[tokio::test]
async fn the_login_page_template_is_kept_read_and_deleted() {
    let s = Standin::start().await.unwrap();
    let url = s.url();
    let t = admin(&url).await;
    let path = "/branding/templates/universal-login";
    let (status, _, _) = call(&url, &t, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>";
    // As a bare string, as some clients send it, then as an object.
    let (status, body, _) = call(&url, &t, Method::PUT, path, Some(json!(page))).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({})));
    let (status, got, _) = call(&url, &t, Method::GET, path, None).await;
    assert_eq!((status, got), (StatusCode::OK, json!({"body": page})));
    let other = page.replace("<body>", "<body class=\"x\">");
    call(
        &url,
        &t,
        Method::PUT,
        path,
        Some(json!({"template": other})),
    )
    .await;
    let (_, got, _) = call(&url, &t, Method::GET, path, None).await;
    assert_eq!(got["body"], other.as_str());
    let (status, _, _) = call(&url, &t, Method::DELETE, path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&url, &t, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
