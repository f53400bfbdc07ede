//! Lossless types against a local server: null apart from absent, members the document does
//! not list kept on the way in and sent on the way out, connection options chosen by strategy.

use auth0_mgmt::types::{self, ConnectionOptionsByStrategy};
use auth0_mgmt::{Extra, Nullable};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{last_body, setup};

#[tokio::test]
async fn null_clears_and_absent_leaves_alone() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/clients/cl_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "cl_1"})))
        .mount(&server)
        .await;
    client
        .clients()
        .update("cl_1")
        .body(types::UpdateClientRequestContent {
            addons: Nullable::Null,
            name: "app".into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(last_body(&requests), json!({"addons": null, "name": "app"}));

    Mock::given(method("PATCH"))
        .and(path("/api/v2/resource-servers/rs_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "rs_1"})))
        .mount(&server)
        .await;
    let body = types::UpdateResourceServerRequestContent {
        authorization_details: Nullable::Null,
        ..Default::default()
    };
    client
        .resource_servers()
        .update("rs_1")
        .body(body)
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(last_body(&requests), json!({"authorization_details": null}));
}

#[tokio::test]
async fn a_body_parsed_from_json_is_sent_as_that_json() {
    let (server, client) = setup().await;
    let text = r##"{"font": null, "colors": {"primary": "#000000", "page_background": null}, "logo_url": "https://example.com/l.png", "future_member": {"x": [1, null]}}"##;
    let sent: Value = serde_json::from_str(text).unwrap();
    Mock::given(method("PATCH"))
        .and(path("/api/v2/branding"))
        .and(body_json(sent.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let body: types::UpdateBrandingRequestContent = serde_json::from_str(text).unwrap();
    assert!(body.font.is_null());
    assert_eq!(body.extra["future_member"], json!({"x": [1, null]}));
    client.branding().update().body(body).send().await.unwrap();
}

#[tokio::test]
async fn members_the_document_does_not_list_come_in_and_go_out() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles/rol_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "rol_1", "name": "admin", "owner_id": "org_1", "type": "organization"
        })))
        .mount(&server)
        .await;
    let role = client.roles().get("rol_1").send().await.unwrap();
    assert_eq!(role.extra["owner_id"], "org_1");
    assert_eq!(
        serde_json::to_value(&role).unwrap(),
        json!({"id": "rol_1", "name": "admin", "owner_id": "org_1", "type": "organization"})
    );

    // Sent: a role's `type`, which the document does not list.
    Mock::given(method("POST"))
        .and(path("/api/v2/roles"))
        .and(body_json(json!({"name": "ops", "type": "organization"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "rol_2"})))
        .expect(1)
        .mount(&server)
        .await;
    client
        .roles()
        .create()
        .body(types::CreateRoleRequestContent {
            name: "ops".into(),
            extra: Extra::new().with("type", "organization"),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();

    // An organization's and a tenant's unlisted members, nested too.
    let org: types::GetOrganizationResponseContent = auth0_mgmt::from_json(
        br##"{"id": "org_1", "is_app_entitlement_active": true, "branding": {"colors": {"primary": "#fff", "accent": "#000"}}}"##,
    )
    .unwrap();
    assert_eq!(org.extra["is_app_entitlement_active"], true);
    let colors = org.branding.as_ref().unwrap().colors.as_ref().unwrap();
    assert_eq!(colors.extra["accent"], "#000");
    let tenant: types::GetTenantSettingsResponseContent =
        auth0_mgmt::from_json(br#"{"flags": {"new_flag_2027": true}, "unlisted": 1}"#).unwrap();
    assert_eq!(tenant.flags.as_ref().unwrap().extra["new_flag_2027"], true);
    assert_eq!(
        serde_json::to_value(&tenant).unwrap(),
        json!({"flags": {"new_flag_2027": true}, "unlisted": 1})
    );
}

#[test]
fn unlisted_members_named_like_credentials_are_redacted_in_debug() {
    let role: types::GetRoleResponseContent = auth0_mgmt::from_json(
        br#"{"id": "rol_1", "signingSecret": "zzz-secret-1", "nested": {"api_key": "zzz-key-2"}}"#,
    )
    .unwrap();
    let debug = format!("{role:?}");
    assert!(!debug.contains("zzz-secret-1"), "{debug}");
    assert!(!debug.contains("zzz-key-2"), "{debug}");
    assert!(debug.contains("rol_1"), "{debug}");
}

fn okta_connection() -> Value {
    json!({
        "id": "con_1",
        "name": "okta-1",
        "strategy": "okta",
        "options": {
            "client_id": "cid",
            "client_secret": "csecret",
            "domain": "domain.okta.com",
            "authorization_endpoint": "https://example.com/authorize",
            "issuer": "https://example.com",
            "jwks_uri": "https://example.com/jwks",
            "scope": "openid",
            "a_member_added_later": {"x": 1}
        },
        "enabled_clients": ["cl_1"],
        "realms": ["okta-1"]
    })
}

#[test]
fn connection_options_are_the_shape_of_the_strategy() {
    let c: types::GetConnectionResponseContent = serde_json::from_value(okta_connection()).unwrap();
    let Some(ConnectionOptionsByStrategy::Okta(okta)) = &c.options else {
        panic!("expected Okta options, got {:?}", c.options)
    };
    assert_eq!(serde_json::to_value(&okta.client_id).unwrap(), "cid");
    assert_eq!(
        serde_json::to_value(&okta.domain).unwrap(),
        "domain.okta.com"
    );
    assert_eq!(okta.extra["a_member_added_later"], json!({"x": 1}));
    assert!(!format!("{c:?}").contains("csecret"), "redacted");
    assert_eq!(serde_json::to_value(&c).unwrap(), okta_connection());

    // Several strategies, each to its own variant; an unlisted one kept whole.
    for (strategy, options, expect) in [
        (
            "samlp",
            json!({"signInEndpoint": "https://idp/sso", "signingCert": "MIIC"}),
            "samlp",
        ),
        (
            "ad",
            json!({"ips": ["10.0.0.1"], "tenant_domain": "corp.example"}),
            "ad",
        ),
        (
            "google-oauth2",
            json!({"profile": true, "allowed_audiences": ["a"]}),
            "google-oauth2",
        ),
        (
            "auth0",
            json!({"precedence": ["username", "email", "phone_number"], "brute_force_protection": true}),
            "auth0",
        ),
        (
            "paypal-sandbox",
            json!({"client_id": "x"}),
            "paypal-sandbox",
        ),
    ] {
        let v = json!({"name": "c", "strategy": strategy, "options": options.clone()});
        let c: types::ConnectionForList = serde_json::from_value(v.clone()).unwrap();
        let opts = c.options.as_ref().unwrap();
        assert!(opts.strategies().contains(&expect), "{strategy}: {opts:?}");
        assert_eq!(serde_json::to_value(&c).unwrap(), v, "{strategy}");
    }
    let v = json!({"name": "c", "strategy": "brand-new-idp", "options": {"x": {"y": 1}}});
    let c: types::ConnectionForList = serde_json::from_value(v.clone()).unwrap();
    assert!(
        matches!(c.options, Some(ConnectionOptionsByStrategy::Other(ref o)) if o["x"]["y"] == 1)
    );
    assert_eq!(serde_json::to_value(&c).unwrap(), v);
}

#[tokio::test]
async fn a_connection_is_created_with_its_strategy_options_as_sent() {
    let (server, client) = setup().await;
    let text = json!({
        "name": "okta-1",
        "strategy": "okta",
        "options": {"client_id": "cid", "client_secret": "csecret", "domain": "domain.okta.com",
                    "userinfo_endpoint": null, "upstream_params": {"screen_name": {"alias": "login_hint"}}}
    });
    Mock::given(method("POST"))
        .and(path("/api/v2/connections"))
        .and(body_json(text.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_json(okta_connection()))
        .expect(1)
        .mount(&server)
        .await;
    let body: types::CreateConnectionRequestContent = serde_json::from_value(text.clone()).unwrap();
    let Nullable::Set(ConnectionOptionsByStrategy::Okta(okta)) = &body.options else {
        panic!("expected Okta options, got {:?}", body.options)
    };
    assert!(okta.userinfo_endpoint.is_null(), "explicit null kept");
    let created = client
        .connections()
        .create()
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(matches!(
        created.options,
        Some(ConnectionOptionsByStrategy::Okta(_))
    ));

    // Typed, by the variant a caller picks for an update (the update body has no strategy).
    Mock::given(method("PATCH"))
        .and(path("/api/v2/connections/con_1"))
        .and(body_json(json!({"options": {"domain": "new.okta.com"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(okta_connection()))
        .expect(1)
        .mount(&server)
        .await;
    client
        .connections()
        .update("con_1")
        .body(types::UpdateConnectionRequestContent {
            options: ConnectionOptionsByStrategy::Okta(types::ConnectionOptionsOkta {
                domain: "new.okta.com".into(),
                ..Default::default()
            })
            .into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
}

#[test]
fn phone_provider_configuration_is_the_shape_of_its_name() {
    use types::PhoneProviderConfigurationByName as Configuration;
    let twilio: types::GetBrandingPhoneProviderResponseContent = auth0_mgmt::from_json(
        br#"{"id": "pro_1", "name": "twilio", "channel": "phone", "configuration": {"delivery_methods": ["text"], "sid": "AC1", "default_from": "+15555550100"}}"#,
    )
    .unwrap();
    assert!(
        matches!(twilio.configuration, Some(Configuration::TwilioProviderConfiguration(ref c)) if c.sid.as_deref() == Some("AC1")),
        "{:?}",
        twilio.configuration
    );
    // Custom's shape is a subset of Twilio's: only the name tells them apart.
    let custom: types::GetBrandingPhoneProviderResponseContent = auth0_mgmt::from_json(
        br#"{"id": "pro_2", "name": "custom", "configuration": {"delivery_methods": ["text", "voice"]}}"#,
    )
    .unwrap();
    assert!(
        matches!(
            custom.configuration,
            Some(Configuration::CustomProviderConfiguration(_))
        ),
        "{:?}",
        custom.configuration
    );
    let unlisted: types::PhoneProviderSchemaMasked = auth0_mgmt::from_json(
        br#"{"name": "vonage", "configuration": {"api_key": "k", "delivery_methods": ["text"]}}"#,
    )
    .unwrap();
    assert!(
        matches!(unlisted.configuration, Some(Configuration::Other(ref v)) if v["api_key"] == "k")
    );
    assert!(
        !format!("{unlisted:?}").contains("\"k\""),
        "an unlisted shape's credential stays out of Debug"
    );
}

#[test]
fn debug_hides_bearer_capabilities_and_credentials_in_any_style() {
    let ticket: types::VerifyEmailTicketResponseContent = auth0_mgmt::from_json(
        br#"{"ticket": "https://t.example/lo/verify_email?ticket=CAPABILITY-1",
             "accessToken": "tok-STYLE-1", "Access_Token": "tok-STYLE-2", "note": "shown"}"#,
    )
    .unwrap();
    let shown = format!("{ticket:?}");
    for secret in ["CAPABILITY-1", "tok-STYLE-1", "tok-STYLE-2"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("shown"), "{shown}");
    let invitation: types::OrganizationInvitation = auth0_mgmt::from_json(
        br#"{"id": "uinv_1", "invitation_url": "https://t.example/login?invitation=CAPABILITY-2"}"#,
    )
    .unwrap();
    let shown = format!("{invitation:?}");
    assert!(
        !shown.contains("CAPABILITY-2") && shown.contains("uinv_1"),
        "{shown}"
    );
}

/// An email (passwordless) connection as real tenants answer it: `options.authParams` is an
/// object of authorization parameters.
fn email_connection() -> Value {
    json!({
        "id": "con_em1",
        "name": "email",
        "strategy": "email",
        "enabled_clients": ["cl_1"],
        "options": {
            "name": "email",
            "email": {"from": "{{ application.name }} <root@auth0.com>", "syntax": "liquid",
                      "subject": "Welcome", "body": "<html></html>"},
            "totp": {"length": 6, "time_step": 300},
            "authParams": {"scope": "openid profile", "response_type": "code"},
            "disable_signup": false,
            "brute_force_protection": true
        }
    })
}

#[tokio::test]
async fn passwordless_connections_are_read_updated_and_created_from_their_real_json() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/connections/con_em1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(email_connection()))
        .mount(&server)
        .await;
    let connection = client.connections().get("con_em1").send().await.unwrap();
    let Some(ConnectionOptionsByStrategy::Email(options)) = &connection.options else {
        panic!("email options, got {:?}", connection.options);
    };
    let auth_params = options.auth_params.get().expect("authParams");
    assert_eq!(auth_params["scope"], "openid profile");
    assert_eq!(
        serde_json::to_value(&connection).unwrap(),
        email_connection()
    );

    // The options go back as they came, in an update.
    Mock::given(method("PATCH"))
        .and(path("/api/v2/connections/con_em1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(email_connection()))
        .mount(&server)
        .await;
    let update = types::UpdateConnectionRequestContent {
        options: Nullable::Set(connection.options.clone().unwrap()),
        ..Default::default()
    };
    let updated = client
        .connections()
        .update("con_em1")
        .body(update)
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        last_body(&requests)["options"],
        email_connection()["options"]
    );
    assert_eq!(serde_json::to_value(&updated).unwrap(), email_connection());

    // And a create body parsed from the real JSON is sent as that JSON.
    let mut create = email_connection();
    create.as_object_mut().unwrap().remove("id");
    create.as_object_mut().unwrap().remove("enabled_clients");
    let body: types::CreateConnectionRequestContent =
        serde_json::from_value(create.clone()).unwrap();
    assert!(matches!(
        body.options.get(),
        Some(ConnectionOptionsByStrategy::Email(_))
    ));
    Mock::given(method("POST"))
        .and(path("/api/v2/connections"))
        .respond_with(ResponseTemplate::new(201).set_body_json(email_connection()))
        .mount(&server)
        .await;
    client
        .connections()
        .create()
        .body(body)
        .send()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(last_body(&requests), create);
}

#[tokio::test]
async fn options_that_do_not_fit_their_strategy_are_kept_whole_and_the_answer_is_read() {
    let (server, client) = setup().await;
    // `client_id` of an Okta connection is a string in the document; a tenant answering a
    // number (or any shape the document gets wrong) must not make the connection unreadable.
    let answer = json!({
        "id": "con_ok1",
        "name": "okta",
        "strategy": "okta",
        "display_name": "Okta",
        "options": {"client_id": 12345, "domain": "example.okta.com", "new_member": [1, 2]}
    });
    Mock::given(method("GET"))
        .and(path("/api/v2/connections/con_ok1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
        .mount(&server)
        .await;
    let connection = client.connections().get("con_ok1").send().await.unwrap();
    assert_eq!(connection.display_name.as_deref(), Some("Okta"));
    match &connection.options {
        Some(ConnectionOptionsByStrategy::Other(options)) => {
            assert_eq!(options, &answer["options"]);
        }
        other => panic!("the options kept whole, got {other:?}"),
    }
    assert_eq!(serde_json::to_value(&connection).unwrap(), answer);

    // Asked for explicitly, the mismatch is an error that names where it is.
    let e = ConnectionOptionsByStrategy::for_strategy("okta", answer["options"].clone())
        .unwrap_err()
        .to_string();
    assert!(e.contains("client_id"), "{e}");
}
