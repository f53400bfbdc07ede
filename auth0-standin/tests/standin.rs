//! The stand-in tenant over HTTP: each endpoint, its checks, and Auth0's error shapes.

use std::time::{SystemTime, UNIX_EPOCH};

use auth0_standin::{CLIENT_ID, CLIENT_SECRET, CONNECTION, Standin};
use auth0_verify::{
    AccessTokenVerifier, AsymmetricSignatureVerifier, TokenVerifier, VerifyOptions,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

async fn token_request(s: &Standin, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", s.url()))
        .form(form)
        .send()
        .await
        .unwrap();
    json_of(response).await
}

/// A client-credentials token for the Management API, with `scope` if given.
async fn management_token(s: &Standin, scope: Option<&str>) -> String {
    let audience = s.management_audience();
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("audience", audience.as_str()),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let (status, body) = token_request(s, &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn api(
    s: &Standin,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}/api/v2{path}", s.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body)
}

/// Asserts Auth0's Management API error shape.
fn assert_management_error(status: StatusCode, body: &Value, expected: u16, code: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["statusCode"], expected, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(body["errorCode"], code, "{body}");
}

/// Asserts the `/oauth/token` error shape.
fn assert_oauth_error(status: StatusCode, body: &Value, expected: u16, code: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

async fn create_user(s: &Standin, token: &str, email: &str, password: &str) -> Value {
    let (status, body) = api(
        s,
        reqwest::Method::POST,
        "/users",
        Some(token),
        Some(json!({"connection": CONNECTION, "email": email, "password": password})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn discovery_and_a_fresh_key_per_start() {
    let a = Standin::builder().own_key(true).start().await.unwrap();
    let b = Standin::builder().own_key(true).start().await.unwrap();
    let discovery: Value = reqwest::get(format!("{}/.well-known/openid-configuration", a.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], a.issuer());
    assert_eq!(a.issuer(), format!("{}/", a.url()));
    assert_eq!(discovery["jwks_uri"], a.jwks_url());
    assert_eq!(
        discovery["token_endpoint"],
        format!("{}/oauth/token", a.url())
    );
    assert_eq!(
        discovery["userinfo_endpoint"],
        format!("{}/userinfo", a.url())
    );
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );

    let key_of = |s: &Standin| {
        let url = s.jwks_url();
        async move {
            let jwks: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));
            jwks["keys"][0].clone()
        }
    };
    let (ka, kb) = (key_of(&a).await, key_of(&b).await);
    assert_eq!(ka["kty"], "RSA");
    assert_eq!(ka["alg"], "RS256");
    assert_eq!(ka["use"], "sig");
    assert_eq!(ka["e"], "AQAB");
    // 2048 bits: 256 bytes, 342 base64url characters.
    assert_eq!(ka["n"].as_str().map(str::len), Some(342));
    assert_ne!(ka["n"], kb["n"]);
    assert_ne!(ka["kid"], kb["kid"]);
}

#[tokio::test]
async fn client_credentials_tokens_verify_against_the_jwks() {
    let s = Standin::start().await.unwrap();
    let audience = s.management_audience();
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", &audience),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86400);
    assert!(body.get("id_token").is_none());

    let verifier = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        audience.as_str(),
    );
    let claims = verifier
        .verify(body["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.sub, Some(format!("{CLIENT_ID}@clients")));
    claims
        .require_scopes(["read:users", "create:users", "delete:users"])
        .unwrap();
    assert_eq!(
        claims.get("gty").and_then(Value::as_str),
        Some("client-credentials")
    );
}

#[tokio::test]
async fn the_token_endpoint_takes_json_bodies_and_http_basic() {
    let s = Standin::start().await.unwrap();
    let audience = s.management_audience();
    let http = reqwest::Client::new();
    let url = format!("{}/oauth/token", s.url());
    let (status, body) = json_of(
        http.post(&url)
            .json(&json!({
                "grant_type": "client_credentials", "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET, "audience": audience,
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = json_of(
        http.post(&url)
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "client_credentials"),
                ("audience", &audience),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = json_of(
        http.post(&url)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_oauth_error(status, &body, 400, "invalid_request");
}

#[tokio::test]
async fn token_errors_have_auth0_shapes() {
    let s = Standin::start().await.unwrap();
    let audience = s.management_audience();
    let cc = |secret: &'static str, audience: Option<&str>, scope: Option<&str>| {
        let mut form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".into(), CLIENT_ID.into()),
            ("client_secret".into(), secret.into()),
        ];
        if let Some(a) = audience {
            form.push(("audience".into(), a.into()));
        }
        if let Some(sc) = scope {
            form.push(("scope".into(), sc.into()));
        }
        form
    };
    let send = |form: Vec<(String, String)>| {
        let url = format!("{}/oauth/token", s.url());
        async move {
            json_of(
                reqwest::Client::new()
                    .post(url)
                    .form(&form)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };

    let (status, body) = send(cc("wrong", Some(&audience), None)).await;
    assert_oauth_error(status, &body, 401, "access_denied");
    assert_eq!(body["error_description"], "Unauthorized");

    let (status, body) = send(cc(CLIENT_SECRET, None, None)).await;
    assert_oauth_error(status, &body, 403, "access_denied");

    let (status, body) = send(cc(CLIENT_SECRET, Some("https://api.example.com"), None)).await;
    assert_oauth_error(status, &body, 403, "access_denied");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("https://api.example.com")
    );

    let (status, body) = send(cc(
        CLIENT_SECRET,
        Some(&audience),
        Some("read:users launch:rockets"),
    ))
    .await;
    assert_oauth_error(status, &body, 403, "access_denied");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("launch:rockets")
    );

    let (status, body) = send(vec![("client_id".into(), CLIENT_ID.into())]).await;
    assert_oauth_error(status, &body, 400, "invalid_request");

    let (status, body) = send(vec![
        ("grant_type".into(), "authorization_code".into()),
        ("client_id".into(), CLIENT_ID.into()),
        ("client_secret".into(), CLIENT_SECRET.into()),
    ])
    .await;
    assert_oauth_error(status, &body, 400, "invalid_request");
    assert_eq!(
        body["error_description"],
        "Missing required parameter: code"
    );

    let (status, body) = send(vec![
        (
            "grant_type".into(),
            "urn:ietf:params:oauth:grant-type:device_code".into(),
        ),
        ("client_id".into(), CLIENT_ID.into()),
        ("client_secret".into(), CLIENT_SECRET.into()),
    ])
    .await;
    assert_oauth_error(status, &body, 403, "unsupported_grant_type");

    let (status, body) = send(vec![
        ("grant_type".into(), "client_credentials".into()),
        ("client_id".into(), "someone-else".into()),
        ("client_secret".into(), CLIENT_SECRET.into()),
    ])
    .await;
    assert_oauth_error(status, &body, 401, "access_denied");
}

#[tokio::test]
async fn password_realm_issues_an_id_token_that_verifies() {
    let s = Standin::start().await.unwrap();
    let mgmt = management_token(&s, None).await;
    let user = create_user(&s, &mgmt, "ana.lopez@example.com", "correct horse 9!").await;
    let user_id = user["user_id"].as_str().unwrap();

    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", PASSWORD_REALM),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("realm", CONNECTION),
            ("username", "ana.lopez@example.com"),
            ("password", "correct horse 9!"),
            ("scope", "openid profile email"),
            ("nonce", "n-0S6_WzA2Mj"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "openid profile email");
    let id_token = body["id_token"].as_str().expect("an ID token");

    let verifier = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        CLIENT_ID,
    );
    let claims = verifier
        .verify(id_token, &VerifyOptions::default().nonce("n-0S6_WzA2Mj"))
        .await
        .unwrap();
    assert_eq!(claims.sub, user_id);
    assert_eq!(claims.email.as_deref(), Some("ana.lopez@example.com"));
    assert_eq!(claims.nickname.as_deref(), Some("ana.lopez"));
    assert!(claims.exp > now() as i64);
    // Another nonce is refused by the verifier.
    let err = verifier
        .verify(id_token, &VerifyOptions::default().nonce("other"))
        .await
        .unwrap_err();
    assert_eq!(err.claim(), Some("nonce"));

    // The access token opens /userinfo.
    let (status, profile) = json_of(
        reqwest::Client::new()
            .get(format!("{}/userinfo", s.url()))
            .bearer_auth(body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["sub"], user_id);
    assert_eq!(profile["email"], "ana.lopez@example.com");
    assert_eq!(profile["email_verified"], false);

    // The login is counted.
    let (_, user) = api(
        &s,
        reqwest::Method::GET,
        &format!("/users/{user_id}"),
        Some(&mgmt),
        None,
    )
    .await;
    assert_eq!(user["logins_count"], 1);
    assert!(user["last_login"].is_string());
}

#[tokio::test]
async fn the_sdk_logs_in_and_reads_userinfo() {
    let s = Standin::start().await.unwrap();
    let mgmt = management_token(&s, None).await;
    let user = create_user(&s, &mgmt, "ben@example.org", "Sdk-login-42").await;
    let auth = auth0_auth::Client::builder(s.url())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .build()
        .unwrap();
    assert_eq!(auth.issuer(), s.issuer());
    let verifier = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        CLIENT_ID,
    );
    let tokens = auth
        .password_grant("ben@example.org", "Sdk-login-42")
        .realm(CONNECTION)
        .scope("openid email")
        .verify_id_token(&verifier)
        .send()
        .await
        .unwrap();
    let claims = tokens.id_token_claims().expect("verified claims");
    assert_eq!(claims.sub, user["user_id"].as_str().unwrap());
    // `email` but not `profile` was asked for.
    assert!(claims.email.is_some());
    assert!(claims.name.is_none());
    let profile = auth.userinfo(&tokens.access_token).send().await.unwrap();
    assert_eq!(profile.email.as_deref(), Some("ben@example.org"));
    assert_eq!(profile.name, None);

    // A wrong password is Auth0's invalid_grant.
    let err = auth
        .password_grant("ben@example.org", "wrong-password")
        .realm(CONNECTION)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(err.to_string().contains("invalid_grant"), "{err}");

    // The client-credentials grant through the SDK.
    let grant = auth
        .client_credentials()
        .audience(s.management_audience())
        .send()
        .await
        .unwrap();
    assert_eq!(grant.expires_in, Some(86400));
}

#[tokio::test]
async fn password_grant_errors() {
    let s = Standin::start().await.unwrap();
    let mgmt = management_token(&s, None).await;
    create_user(&s, &mgmt, "chris@example.com", "Long-enough-1").await;
    let login = |realm: &'static str, username: &'static str, password: &'static str| {
        let s = &s;
        async move {
            token_request(
                s,
                &[
                    ("grant_type", PASSWORD_REALM),
                    ("client_id", CLIENT_ID),
                    ("client_secret", CLIENT_SECRET),
                    ("realm", realm),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await
        }
    };
    let (status, body) = login(CONNECTION, "chris@example.com", "wrong").await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    assert_eq!(body["error_description"], "Wrong email or password.");
    // The users the tenant starts with have no password.
    let (status, body) = login(CONNECTION, "ana@example.com", "anything").await;
    assert_oauth_error(status, &body, 403, "invalid_grant");
    let (status, body) = login("other-db", "chris@example.com", "Long-enough-1").await;
    assert_oauth_error(status, &body, 400, "invalid_request");
    let (status, body) = login(CONNECTION, "", "Long-enough-1").await;
    assert_oauth_error(status, &body, 400, "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("username")
    );

    // Without openid there is no ID token.
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("username", "chris@example.com"),
            ("password", "Long-enough-1"),
            ("scope", "email"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("id_token").is_none());

    // An application not allowed the grant.
    s.allow_password_grant(false);
    let (status, body) = login(CONNECTION, "chris@example.com", "Long-enough-1").await;
    assert_oauth_error(status, &body, 403, "unauthorized_client");
}

#[tokio::test]
async fn userinfo_checks_the_bearer_token() {
    let s = Standin::start().await.unwrap();
    let url = format!("{}/userinfo", s.url());
    let http = reqwest::Client::new();

    let response = http.get(&url).send().await.unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    let (status, body) = json_of(response).await;
    assert_oauth_error(status, &body, 401, "invalid_request");

    // A Management API token is not for /userinfo.
    let mgmt = management_token(&s, None).await;
    let (status, body) = json_of(http.get(&url).bearer_auth(&mgmt).send().await.unwrap()).await;
    assert_oauth_error(status, &body, 401, "invalid_token");

    let user = create_user(&s, &mgmt, "dana@example.com", "Long-enough-2").await;
    let sub = user["user_id"].as_str().unwrap();
    let claims = |exp: u64, scope: &str| {
        json!({
            "iss": s.issuer(), "sub": sub, "aud": format!("{}/userinfo", s.url()),
            "iat": now() - 100_000, "exp": exp, "scope": scope,
        })
    };
    let expired = s.sign(&claims(now() - 60, "openid")).unwrap();
    let (status, body) = json_of(http.get(&url).bearer_auth(&expired).send().await.unwrap()).await;
    assert_oauth_error(status, &body, 401, "invalid_token");

    let no_openid = s.sign(&claims(now() + 600, "email")).unwrap();
    let (status, body) =
        json_of(http.get(&url).bearer_auth(&no_openid).send().await.unwrap()).await;
    assert_oauth_error(status, &body, 403, "insufficient_scope");

    let good = s.sign(&claims(now() + 600, "openid email")).unwrap();
    let (status, body) = json_of(http.post(&url).bearer_auth(&good).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "dana@example.com");

    // Signed by another tenant's key.
    let other = Standin::builder().own_key(true).start().await.unwrap();
    let forged = other.sign(&claims(now() + 600, "openid")).unwrap();
    let (status, body) = json_of(http.get(&url).bearer_auth(&forged).send().await.unwrap()).await;
    assert_oauth_error(status, &body, 401, "invalid_token");
}

#[tokio::test]
async fn management_checks_token_audience_expiry_and_scopes() {
    let s = Standin::start().await.unwrap();
    let get = reqwest::Method::GET;

    let (status, body) = api(&s, get.clone(), "/users", None, None).await;
    assert_management_error(status, &body, 401, "invalid_token");
    assert_eq!(body["error"], "Unauthorized");
    assert_eq!(body["message"], "Missing authentication");

    let (status, body) = api(&s, get.clone(), "/users", Some("not.a.token"), None).await;
    assert_management_error(status, &body, 401, "invalid_token");

    let base = |aud: String, exp: u64, scope: &str| {
        json!({
            "iss": s.issuer(), "sub": "someone@clients", "aud": aud,
            "iat": now() - 100_000, "exp": exp, "scope": scope,
        })
    };
    let expired = s
        .sign(&base(s.management_audience(), now() - 10, "read:users"))
        .unwrap();
    let (status, body) = api(&s, get.clone(), "/users", Some(&expired), None).await;
    assert_management_error(status, &body, 401, "invalid_token");
    assert!(
        body["message"].as_str().unwrap().contains("Expired"),
        "{body}"
    );

    let elsewhere = s
        .sign(&base(
            "https://api.example.com".into(),
            now() + 600,
            "read:users",
        ))
        .unwrap();
    let (status, body) = api(&s, get.clone(), "/users", Some(&elsewhere), None).await;
    assert_management_error(status, &body, 401, "invalid_token");
    assert!(
        body["message"].as_str().unwrap().contains("audience"),
        "{body}"
    );

    let other = Standin::builder().own_key(true).start().await.unwrap();
    let forged = other
        .sign(&base(s.management_audience(), now() + 600, "read:users"))
        .unwrap();
    let (status, body) = api(&s, get.clone(), "/users", Some(&forged), None).await;
    assert_management_error(status, &body, 401, "invalid_token");

    // A read-only token cannot create users.
    let reader = management_token(&s, Some("read:users")).await;
    let (status, _) = api(&s, get.clone(), "/users", Some(&reader), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        "/users",
        Some(&reader),
        Some(json!({"connection": CONNECTION, "email": "x@example.com", "password": "Long-enough-3"})),
    )
    .await;
    assert_management_error(status, &body, 403, "insufficient_scope");
    assert!(body["message"].as_str().unwrap().contains("create:users"));
    let (status, body) = api(&s, get.clone(), "/roles", Some(&reader), None).await;
    assert_management_error(status, &body, 403, "insufficient_scope");

    // A user's token for the Management API audience carries no Management scopes, and with
    // `openid` it is good for /userinfo too.
    let admin = management_token(&s, None).await;
    create_user(&s, &admin, "hal@example.com", "Long-enough-7").await;
    let audience = s.management_audience();
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", PASSWORD_REALM),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("realm", CONNECTION),
            ("username", "hal@example.com"),
            ("password", "Long-enough-7"),
            ("scope", "openid read:users"),
            ("audience", &audience),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "openid");
    let user_token = body["access_token"].as_str().unwrap();
    let (status, body) = api(&s, get.clone(), "/users", Some(user_token), None).await;
    assert_management_error(status, &body, 403, "insufficient_scope");
    let response = reqwest::Client::new()
        .get(format!("{}/userinfo", s.url()))
        .bearer_auth(user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn users_are_listed_page_by_page() {
    let s = Standin::start().await.unwrap();
    let token = management_token(&s, None).await;
    let start = s.user_count();
    for i in 0..4 {
        create_user(&s, &token, &format!("page{i}@example.com"), "Long-enough-4").await;
    }
    let total = start + 4;
    assert_eq!(s.user_count(), total);

    let mut seen = Vec::new();
    for page in 0.. {
        let (status, body) = api(
            &s,
            reqwest::Method::GET,
            &format!("/users?page={page}&per_page=3&include_totals=true"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], total);
        assert_eq!(body["start"], page * 3);
        assert_eq!(body["limit"], 3);
        let users = body["users"].as_array().unwrap();
        assert_eq!(body["length"], users.len());
        if users.is_empty() {
            break;
        }
        seen.extend(
            users
                .iter()
                .map(|u| u["user_id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(seen.len(), total);
    seen.dedup();
    assert_eq!(seen.len(), total);

    // Without include_totals the answer is a plain array.
    let (_, body) = api(
        &s,
        reqwest::Method::GET,
        "/users?per_page=2",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(body.as_array().map(Vec::len), Some(2));

    for query in [
        "per_page=101",
        "page=abc",
        "include_totals=maybe",
        "page=20&per_page=50",
    ] {
        let (status, body) = api(
            &s,
            reqwest::Method::GET,
            &format!("/users?{query}"),
            Some(&token),
            None,
        )
        .await;
        assert_management_error(status, &body, 400, "invalid_query_string");
    }
}

#[tokio::test]
async fn users_are_created_read_and_deleted() {
    let s = Standin::start().await.unwrap();
    let token = management_token(&s, None).await;
    let post = |body: Value| {
        let (s, token) = (&s, token.clone());
        async move { api(s, reqwest::Method::POST, "/users", Some(&token), Some(body)).await }
    };

    let (status, user) = post(json!({
        "connection": CONNECTION, "email": "eve@example.com", "password": "Long-enough-5",
        "name": "Eve Example", "user_metadata": {"plan": "free"},
    }))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["user_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("auth0|"));
    assert_eq!(user["name"], "Eve Example");
    assert_eq!(user["user_metadata"]["plan"], "free");
    assert_eq!(user["identities"][0]["connection"], CONNECTION);
    assert!(user.get("password").is_none());

    let (status, body) = post(
        json!({"connection": CONNECTION, "email": "EVE@example.com", "password": "Long-enough-5"}),
    )
    .await;
    assert_management_error(status, &body, 409, "auth0_idp_error");
    let (status, body) = post(json!({"email": "f@example.com", "password": "Long-enough-5"})).await;
    assert_management_error(status, &body, 400, "invalid_body");
    let (status, body) =
        post(json!({"connection": "other", "email": "f@example.com", "password": "Long-enough-5"}))
            .await;
    assert_management_error(status, &body, 400, "inexistent_connection");
    let (status, body) = post(json!({"connection": CONNECTION, "email": "f@example.com"})).await;
    assert_management_error(status, &body, 400, "invalid_body");
    let (status, body) =
        post(json!({"connection": CONNECTION, "email": "f@example.com", "password": "short"}))
            .await;
    assert_management_error(status, &body, 400, "invalid_body");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("PasswordStrengthError")
    );
    let (status, body) = post(
        json!({"connection": CONNECTION, "email": "not-an-email", "password": "Long-enough-5"}),
    )
    .await;
    assert_management_error(status, &body, 400, "invalid_body");
    let (status, body) = post(json!({"connection": CONNECTION, "email": "f@example.com", "password": "Long-enough-5", "role": "admin"})).await;
    assert_management_error(status, &body, 400, "invalid_body");
    assert!(body["message"].as_str().unwrap().contains("role"));
    let (status, body) = post(json!(["not", "an", "object"])).await;
    assert_management_error(status, &body, 400, "invalid_body");
    let response = reqwest::Client::new()
        .post(format!("{}/api/v2/users", s.url()))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"connection\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_management_error(status, &body, 400, "invalid_body");

    // The id travels percent-encoded (`|` as `%7C`) and is read back.
    let path = format!("/users/{}", id.replace('|', "%7C"));
    let (status, body) = api(&s, reqwest::Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "eve@example.com");

    let (status, body) = api(&s, reqwest::Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = api(&s, reqwest::Method::GET, &path, Some(&token), None).await;
    assert_management_error(status, &body, 404, "inexistent_user");
    assert_eq!(body["message"], "The user does not exist.");
}

#[tokio::test]
async fn roles_are_listed_and_assigned() {
    let s = Standin::start().await.unwrap();
    let token = management_token(&s, None).await;
    let user = create_user(&s, &token, "gus@example.com", "Long-enough-6").await;
    let id = user["user_id"].as_str().unwrap();

    let (status, roles) = api(&s, reqwest::Method::GET, "/roles", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{roles}");
    let roles = roles.as_array().unwrap().clone();
    assert_eq!(roles.len(), 2);
    let role_id = roles[0]["id"].as_str().unwrap();
    assert!(role_id.starts_with("rol_"));
    let (_, page) = api(
        &s,
        reqwest::Method::GET,
        "/roles?include_totals=true&per_page=1",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["roles"].as_array().map(Vec::len), Some(1));

    let path = format!("/users/{id}/roles");
    let (status, body) = api(&s, reqwest::Method::GET, &path, Some(&token), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        &path,
        Some(&token),
        Some(json!({"roles": [role_id]})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, body) = api(&s, reqwest::Method::GET, &path, Some(&token), None).await;
    assert_eq!(body[0]["id"], role_id);
    assert_eq!(body.as_array().map(Vec::len), Some(1));

    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        &path,
        Some(&token),
        Some(json!({"roles": ["rol_nope"]})),
    )
    .await;
    assert_management_error(status, &body, 404, "inexistent_role");
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        &path,
        Some(&token),
        Some(json!({})),
    )
    .await;
    assert_management_error(status, &body, 400, "invalid_body");
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        &path,
        Some(&token),
        Some(json!({"roles": [1]})),
    )
    .await;
    assert_management_error(status, &body, 400, "invalid_body");
    let (status, body) = api(
        &s,
        reqwest::Method::GET,
        "/users/auth0|nobody/roles",
        Some(&token),
        None,
    )
    .await;
    assert_management_error(status, &body, 404, "inexistent_user");
}

#[tokio::test]
async fn unknown_routes_methods_and_malformed_requests_answer_json_errors() {
    let s = Standin::start().await.unwrap();
    let token = management_token(&s, None).await;

    let (status, body) = api(
        &s,
        reqwest::Method::GET,
        "/nothing-here",
        Some(&token),
        None,
    )
    .await;
    assert_management_error(status, &body, 404, "not_found");
    let (status, body) = api(&s, reqwest::Method::PUT, "/users", Some(&token), None).await;
    assert_management_error(status, &body, 405, "method_not_allowed");
    // An id that is not UTF-8 once decoded.
    let (status, body) = api(
        &s,
        reqwest::Method::GET,
        "/users/%FF%FE",
        Some(&token),
        None,
    )
    .await;
    assert_management_error(status, &body, 400, "invalid_uri");
    // Odd query strings do not upset it.
    let (status, _) = api(
        &s,
        reqwest::Method::GET,
        "/users?%%%&&==&page",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A non-Bearer authorization scheme.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v2/users", s.url()))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_management_error(status, &body, 401, "invalid_token");
    // A token body of arbitrary bytes.
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", s.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0x00, 0x26, 0x3d, 0xfe])
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_oauth_error(status, &body, 400, "invalid_request");
}

#[tokio::test]
async fn the_stand_in_refuses_what_auth0_refuses() {
    let s = Standin::start().await.unwrap();
    let mgmt = management_token(&s, None).await;
    let audience = s.management_audience();

    // A parameter given twice.
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", &audience),
            ("audience", "https://elsewhere.example/"),
        ],
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );

    // Two ways of authenticating the client at once.
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", s.url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_secret", CLIENT_SECRET),
            ("audience", &audience),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("client_assertion", "eyJ.x.y"),
            ("audience", &audience),
        ],
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );

    // A blocked user cannot log in.
    let (status, body) = api(
        &s,
        reqwest::Method::POST,
        "/users",
        Some(&mgmt),
        Some(
            json!({"connection": CONNECTION, "email": "blocked@example.com",
                    "password": "Long-enough-1", "blocked": true}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = token_request(
        &s,
        &[
            ("grant_type", PASSWORD_REALM),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("realm", CONNECTION),
            ("username", "blocked@example.com"),
            ("password", "Long-enough-1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(body["error_description"], "user is blocked");

    // A token that is not valid yet.
    let early = s
        .sign(&json!({
            "iss": s.issuer(), "sub": "someone@clients", "aud": audience,
            "iat": now(), "nbf": now() + 3600, "exp": now() + 7200, "scope": "read:users",
        }))
        .unwrap();
    let (status, body) = api(&s, reqwest::Method::GET, "/users", Some(&early), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn tests_mint_access_tokens_with_chosen_claims() {
    let s = Standin::start().await.unwrap();
    let token = s
        .mint_access_token(
            "https://api.example.com",
            &json!({"scope": "read:messages", "permissions": ["read:messages"], "org_id": "org_1"}),
        )
        .unwrap();
    let v = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(s.jwks_url()),
        s.issuer(),
        "https://api.example.com",
    );
    let claims = v.verify(&token).await.unwrap();
    assert!(claims.has_scope("read:messages"));
    assert!(claims.has_permission("read:messages"));
    assert_eq!(claims.org_id.as_deref(), Some("org_1"));
    assert_eq!(claims.sub.as_deref(), Some("auth0|standin-user"));
}
