//! Every endpoint other than `/oauth/token`: what is sent and how the answer is read.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

#[tokio::test]
async fn revoke_refresh_token() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    client(&server)
        .revoke_refresh_token("rt_1")
        .send()
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_form(
        &r,
        "POST",
        "/oauth/revoke",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("token", "rt_1"),
        ],
    );
}

#[tokio::test]
async fn pushed_authorization_request() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/oauth/par",
        201,
        json!({"request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 30}),
    )
    .await;
    let client = client(&server);
    let par = client
        .pushed_authorization_request("https://app/cb")
        .scope("openid")
        .state("st")
        .nonce("nn")
        .audience("https://api")
        .authorization_details(&json!([{"type": "payment"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(par.request_uri, "urn:ietf:params:oauth:request_uri:abc");
    assert_eq!(par.expires_in, 30);
    let r = only_request(&server).await;
    assert_form(
        &r,
        "POST",
        "/oauth/par",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("response_type", "code"),
            ("redirect_uri", "https://app/cb"),
            ("scope", "openid"),
            ("state", "st"),
            ("nonce", "nn"),
            ("audience", "https://api"),
            ("authorization_details", r#"[{"type":"payment"}]"#),
        ],
    );
    let url = client.authorize_url_for_request_uri(&par.request_uri);
    assert_eq!(
        url.as_str(),
        format!(
            "{}/authorize?client_id={CLIENT_ID}&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc",
            server.uri()
        )
    );
}

#[tokio::test]
async fn device_authorization() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/oauth/device/code",
        200,
        json!({
            "device_code": "dev_1", "user_code": "ABCD-EFGH",
            "verification_uri": "https://t/activate",
            "verification_uri_complete": "https://t/activate?user_code=ABCD-EFGH",
            "expires_in": 900, "interval": 5
        }),
    )
    .await;
    let d = client(&server)
        .device_authorization()
        .scope("openid offline_access")
        .audience("https://api")
        .send()
        .await
        .unwrap();
    assert_eq!(d.device_code.expose_secret(), "dev_1");
    assert_eq!(d.user_code, "ABCD-EFGH");
    assert_eq!(d.interval, Some(5));
    assert_eq!(d.expires_in, 900);
    assert!(d.verification_uri_complete.is_some());
    let r = only_request(&server).await;
    assert_form(
        &r,
        "POST",
        "/oauth/device/code",
        &[
            ("client_id", CLIENT_ID),
            ("scope", "openid offline_access"),
            ("audience", "https://api"),
        ],
    );
}

#[tokio::test]
async fn backchannel_authorize() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/bc-authorize",
        200,
        json!({"auth_req_id": "req_9", "expires_in": 300, "interval": 5}),
    )
    .await;
    let started = client(&server)
        .backchannel_authorize("auth0|ana", "openid", "Approve transfer 42")
        .audience("https://api")
        .requested_expiry(Duration::from_secs(120))
        .authorization_details(&json!([{"type": "transfer", "amount": 42}]))
        .send()
        .await
        .unwrap();
    assert_eq!(started.auth_req_id.expose_secret(), "req_9");
    assert_eq!(started.interval, Some(5));
    let r = only_request(&server).await;
    let hint = json!({"format": "iss_sub", "iss": issuer(&server), "sub": "auth0|ana"}).to_string();
    let details = json!([{"type": "transfer", "amount": 42}]).to_string();
    assert_form(
        &r,
        "POST",
        "/bc-authorize",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("login_hint", &hint),
            ("scope", "openid"),
            ("binding_message", "Approve transfer 42"),
            ("audience", "https://api"),
            ("requested_expiry", "120"),
            ("authorization_details", &details),
        ],
    );
}

#[tokio::test]
async fn mfa_challenge() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/mfa/challenge",
        200,
        json!({"challenge_type": "oob", "oob_code": "oob_7", "binding_method": "prompt"}),
    )
    .await;
    let c = client(&server)
        .mfa_challenge("mfa_tok", "oob")
        .authenticator_id("sms|dev_1")
        .oob_channel("sms")
        .send()
        .await
        .unwrap();
    assert_eq!(c.challenge_type, "oob");
    assert_eq!(c.oob_code.unwrap().expose_secret(), "oob_7");
    assert_eq!(c.binding_method.as_deref(), Some("prompt"));
    let r = only_request(&server).await;
    assert_json(
        &r,
        "POST",
        "/mfa/challenge",
        json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "mfa_token": "mfa_tok",
            "challenge_type": "oob", "authenticator_id": "sms|dev_1", "oob_channel": "sms",
        }),
    );
}

#[tokio::test]
async fn mfa_associate() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/mfa/associate",
        200,
        json!({
            "authenticator_type": "otp", "secret": "SEED", "barcode_uri": "otpauth://totp/x?secret=SEED",
            "recovery_codes": ["RC1"]
        }),
    )
    .await;
    let a = client(&server)
        .mfa_associate("mfa_tok", ["otp"])
        .send()
        .await
        .unwrap();
    assert_eq!(a.authenticator_type, "otp");
    assert_eq!(a.secret.as_ref().unwrap().expose_secret(), "SEED");
    assert_eq!(a.recovery_codes.len(), 1);
    assert!(!format!("{a:?}").contains("SEED"));
    let r = only_request(&server).await;
    assert_eq!(header(&r, "authorization"), Some("Bearer mfa_tok"));
    assert_json(
        &r,
        "POST",
        "/mfa/associate",
        json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "authenticator_types": ["otp"],
        }),
    );

    // SMS enrolment.
    let server = crate::common::server().await;
    answer(
        &server,
        "POST",
        "/mfa/associate",
        200,
        json!({"authenticator_type": "oob", "oob_channel": "sms", "oob_code": "oob_1", "binding_method": "prompt"}),
    )
    .await;
    client(&server)
        .mfa_associate("mfa_tok", ["oob"])
        .oob_channels(["sms"])
        .phone_number("+15550100")
        .send()
        .await
        .unwrap();
    assert_json(
        &only_request(&server).await,
        "POST",
        "/mfa/associate",
        json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": "+15550100",
        }),
    );
}

#[tokio::test]
async fn mfa_authenticators_list_and_delete() {
    let server = server().await;
    answer(
        &server,
        "GET",
        "/mfa/authenticators",
        200,
        json!([
            {"id": "totp|dev_1", "authenticator_type": "otp", "active": true},
            {"id": "sms|dev_2", "authenticator_type": "oob", "active": false, "oob_channel": "sms", "name": "+1******0100"}
        ]),
    )
    .await;
    let list = client(&server)
        .mfa_authenticators("at_mfa")
        .send()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].oob_channel.as_deref(), Some("sms"));
    assert!(list[0].active);
    let r = only_request(&server).await;
    assert_bodyless(&r, "GET", "/mfa/authenticators");
    assert_eq!(header(&r, "authorization"), Some("Bearer at_mfa"));

    let server = crate::common::server().await;
    Mock::given(method("DELETE"))
        .and(wiremock::matchers::path_regex("^/mfa/authenticators/"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    client(&server)
        .delete_mfa_authenticator("at_mfa", "sms|dev_2")
        .send()
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_bodyless(&r, "DELETE", "/mfa/authenticators/sms%7Cdev_2");
    assert_eq!(header(&r, "authorization"), Some("Bearer at_mfa"));

    // A dot segment would send the token to another path: refused before sending.
    for id in ["..", ".", ""] {
        let err = client(&server)
            .delete_mfa_authenticator("at_mfa", id)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                auth0_auth::Error::Http(auth0_auth::HttpError::InvalidRequest { .. })
            ),
            "{err:?}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn signup() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/dbconnections/signup",
        200,
        json!({"_id": "abc123", "email": "ana@example.com", "email_verified": false}),
    )
    .await;
    let mut metadata = serde_json::Map::new();
    metadata.insert("plan".into(), json!("free"));
    let user = client(&server)
        .signup(
            "ana@example.com",
            "Str0ng!pass",
            "Username-Password-Authentication",
        )
        .username("ana")
        .given_name("Ana")
        .family_name("Lima")
        .name("Ana Lima")
        .nickname("ana")
        .picture("https://pics/ana.png")
        .user_metadata(metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(user.id.as_deref(), Some("abc123"));
    assert_eq!(user.email_verified, Some(false));
    assert_json(
        &only_request(&server).await,
        "POST",
        "/dbconnections/signup",
        json!({
            "client_id": CLIENT_ID, "email": "ana@example.com", "password": "Str0ng!pass",
            "connection": "Username-Password-Authentication", "username": "ana",
            "given_name": "Ana", "family_name": "Lima", "name": "Ana Lima", "nickname": "ana",
            "picture": "https://pics/ana.png", "user_metadata": {"plan": "free"},
        }),
    );
}

#[tokio::test]
async fn change_password() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/dbconnections/change_password"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("We've just sent you an email.", "text/plain"),
        )
        .mount(&server)
        .await;
    let text = client(&server)
        .change_password("ana@example.com", "Username-Password-Authentication")
        .organization("org_1")
        .send()
        .await
        .unwrap();
    assert_eq!(text, "We've just sent you an email.");
    assert_json(
        &only_request(&server).await,
        "POST",
        "/dbconnections/change_password",
        json!({
            "client_id": CLIENT_ID, "email": "ana@example.com",
            "connection": "Username-Password-Authentication", "organization": "org_1",
        }),
    );
}

#[tokio::test]
async fn passwordless_email_link_and_code() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/passwordless/start",
        200,
        json!({"_id": "pl_1", "email": "ana@example.com", "email_verified": false}),
    )
    .await;
    let started = client(&server)
        .passwordless_email("ana@example.com")
        .link()
        .redirect_uri("https://app/cb")
        .scope("openid")
        .state("st")
        .response_type("code")
        .nonce("nn")
        .auth_param("audience", "https://api")
        .forwarded_for("198.51.100.4")
        .send()
        .await
        .unwrap();
    assert_eq!(started.id.as_deref(), Some("pl_1"));
    assert_eq!(started.email.as_deref(), Some("ana@example.com"));
    let r = only_request(&server).await;
    assert_eq!(header(&r, "auth0-forwarded-for"), Some("198.51.100.4"));
    assert_json(
        &r,
        "POST",
        "/passwordless/start",
        json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "connection": "email",
            "email": "ana@example.com", "send": "link",
            "authParams": {
                "redirect_uri": "https://app/cb", "scope": "openid", "state": "st",
                "response_type": "code", "nonce": "nn", "audience": "https://api",
            },
        }),
    );

    let server = crate::common::server().await;
    answer(
        &server,
        "POST",
        "/passwordless/start",
        200,
        json!({"_id": "pl_2"}),
    )
    .await;
    client(&server)
        .passwordless_email("ana@example.com")
        .send()
        .await
        .unwrap();
    assert_json(
        &only_request(&server).await,
        "POST",
        "/passwordless/start",
        json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "connection": "email",
            "email": "ana@example.com", "send": "code",
        }),
    );
}

#[tokio::test]
async fn passwordless_sms() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/passwordless/start",
        200,
        json!({"_id": "pl_3", "phone_number": "+15550100", "request_language": null}),
    )
    .await;
    let started = client(&server)
        .passwordless_sms("+15550100")
        .send()
        .await
        .unwrap();
    assert_eq!(started.phone_number.as_deref(), Some("+15550100"));
    assert_json(
        &only_request(&server).await,
        "POST",
        "/passwordless/start",
        json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "connection": "sms",
            "phone_number": "+15550100", "send": "code",
        }),
    );
}

#[tokio::test]
async fn userinfo() {
    let server = server().await;
    answer(
        &server,
        "GET",
        "/userinfo",
        200,
        json!({
            "sub": "auth0|ana", "email": "ana@example.com", "email_verified": true,
            "name": "Ana", "https://example.com/roles": ["admin"],
        }),
    )
    .await;
    let profile = client(&server).userinfo("at_user").send().await.unwrap();
    assert_eq!(profile.sub, "auth0|ana");
    assert_eq!(profile.email_verified, Some(true));
    assert_eq!(profile.extra["https://example.com/roles"], json!(["admin"]));
    let r = only_request(&server).await;
    assert_bodyless(&r, "GET", "/userinfo");
    assert_eq!(header(&r, "authorization"), Some("Bearer at_user"));
}

#[tokio::test]
async fn federation_metadata() {
    let server = server().await;
    let xml = r#"<?xml version="1.0"?><EntityDescriptor entityID="urn:t"/>"#;
    Mock::given(method("GET"))
        .and(path(format!("/samlp/metadata/{CLIENT_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(xml, "application/xml"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/wsfed/FederationMetadata/2007-06/FederationMetadata.xml",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(xml, "application/xml"))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.saml_metadata(CLIENT_ID).send().await.unwrap(), xml);
    assert_eq!(c.wsfed_metadata().send().await.unwrap(), xml);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_bodyless(&requests[0], "GET", &format!("/samlp/metadata/{CLIENT_ID}"));
    assert_bodyless(
        &requests[1],
        "GET",
        "/wsfed/FederationMetadata/2007-06/FederationMetadata.xml",
    );
    assert!(
        header(&requests[0], "accept")
            .unwrap()
            .contains("application/xml")
    );
}

#[tokio::test]
async fn legacy_social_access_token_and_delegation() {
    let server = server().await;
    answer(
        &server,
        "POST",
        "/oauth/access_token",
        200,
        json!({"access_token": "at_s", "id_token": "idt", "token_type": "bearer"}),
    )
    .await;
    let tokens = client(&server)
        .social_access_token("facebook", "fb_token")
        .scope("openid")
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "at_s");
    assert_eq!(tokens.expires_in, None);
    assert_json(
        &only_request(&server).await,
        "POST",
        "/oauth/access_token",
        json!({
            "client_id": CLIENT_ID, "access_token": "fb_token", "connection": "facebook",
            "scope": "openid",
        }),
    );

    let server = crate::common::server().await;
    answer(
        &server,
        "POST",
        "/delegation",
        200,
        json!({"id_token": "delegated", "token_type": "Bearer", "expires_in": 36000}),
    )
    .await;
    let d = client(&server)
        .delegation(&"idt".into())
        .target("other_client")
        .scope("openid")
        .api_type("app")
        .send()
        .await
        .unwrap();
    assert_eq!(d.id_token.expose_secret(), "delegated");
    assert_eq!(d.expires_in, Some(36000));
    assert_json(
        &only_request(&server).await,
        "POST",
        "/delegation",
        json!({
            "client_id": CLIENT_ID, "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "id_token": "idt", "target": "other_client", "scope": "openid", "api_type": "app",
        }),
    );
}
