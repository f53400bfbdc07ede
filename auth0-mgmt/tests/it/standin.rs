//! The sequences real clients send (create, read, update, clear a member with `null`, list,
//! delete) through this crate's typed builders against the local stand-in tenant
//! (`auth0-standin`), for the main resources that have all five operations.

use auth0_mgmt::types::{self, *};
use auth0_mgmt::{Client, Error, Nullable};
use auth0_standin::Standin;
use serde::Serialize;
use serde_json::{Value, json};

/// A stand-in and a client that gets its token by client credentials, as an app's does.
async fn tenant() -> (Standin, Client) {
    let standin = Standin::start().await.unwrap();
    let client = Client::builder(standin.url())
        .client_credentials(auth0_standin::CLIENT_ID, auth0_standin::CLIENT_SECRET)
        .build()
        .unwrap();
    (standin, client)
}

/// An answer as JSON, to read members whatever their Rust type.
fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// The `member` (the id) of each listed item.
fn ids<T: Serialize>(items: &[T], member: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| json(i)[member].as_str().map(str::to_string))
        .collect()
}

/// The answer to reading a deleted object: 404.
fn assert_gone<T: std::fmt::Debug>(answer: Result<T, Error>, what: &str) {
    match answer {
        Err(e) => assert_eq!(
            e.status().map(|s| s.as_u16()),
            Some(404),
            "{what} after delete: {e}"
        ),
        Ok(v) => panic!("{what} still there after delete: {v:?}"),
    }
}

/// A member cleared with `null` reads back as absent or `null`.
fn assert_cleared(answer: &Value, member: &str) {
    assert!(
        answer.get(member).is_none_or(Value::is_null),
        "{member} not cleared: {answer}"
    );
}

#[tokio::test]
async fn roles_created_read_updated_cleared_listed_deleted() {
    let (_standin, c) = tenant().await;
    let created = json(
        &c.roles()
            .create()
            .body(CreateRoleRequestContent {
                name: "readers".into(),
                description: "can read".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("rol_"), "{id}");
    let got = json(&c.roles().get(&id).send().await.unwrap());
    assert_eq!(got["name"], "readers");
    assert_eq!(got["description"], "can read");

    let updated = json(
        &c.roles()
            .update(&id)
            .body(UpdateRoleRequestContent {
                name: "writers".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "writers");
    assert_eq!(updated["description"], "can read", "a PATCH merges");
    c.roles()
        .update(&id)
        .body(UpdateRoleRequestContent {
            description: Nullable::Null,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let got = json(&c.roles().get(&id).send().await.unwrap());
    assert_cleared(&got, "description");
    assert_eq!(got["name"], "writers");

    let listed = c.roles().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&id));
    c.roles().delete(&id).send().await.unwrap();
    assert_gone(c.roles().get(&id).send().await, "the role");
    let listed = c.roles().list().send_page().await.unwrap().items;
    assert!(!ids(&listed, "id").contains(&id));
}

#[tokio::test]
async fn organizations_created_read_updated_cleared_listed_deleted() {
    let (_standin, c) = tenant().await;
    let created = json(
        &c.organizations()
            .create()
            .body(CreateOrganizationRequestContent {
                name: "acme".into(),
                display_name: "Acme".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("org_"), "{id}");
    let got = json(&c.organizations().get(&id).send().await.unwrap());
    assert_eq!(got["display_name"], "Acme");
    let by_name = json(&c.organizations().get_by_name("acme").send().await.unwrap());
    assert_eq!(by_name["id"], id.as_str());

    let updated = json(
        &c.organizations()
            .update(&id)
            .body(UpdateOrganizationRequestContent {
                display_name: "Acme Inc.".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["display_name"], "Acme Inc.");
    assert_eq!(updated["name"], "acme");
    c.organizations()
        .update(&id)
        .body(UpdateOrganizationRequestContent {
            display_name: Nullable::Null,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_cleared(
        &json(&c.organizations().get(&id).send().await.unwrap()),
        "display_name",
    );

    let listed = c.organizations().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&id));
    c.organizations().delete(&id).send().await.unwrap();
    assert_gone(c.organizations().get(&id).send().await, "the organization");
}

#[tokio::test]
async fn connections_created_read_updated_cleared_listed_deleted() {
    let (_standin, c) = tenant().await;
    let created = json(
        &c.connections()
            .create()
            .body(CreateConnectionRequestContent {
                name: "customers".into(),
                strategy: "auth0".into(),
                display_name: "Customers".into(),
                authentication: Nullable::Absent,
                connected_accounts: Nullable::Absent,
                cross_app_access_requesting_app: Nullable::Absent,
                enabled_clients: Nullable::Absent,
                is_domain_connection: Nullable::Absent,
                metadata: Nullable::Absent,
                options: Nullable::Absent,
                realms: Nullable::Absent,
                show_as_button: Nullable::Absent,
                extra: Default::default(),
            })
            .send()
            .await
            .unwrap(),
    );
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("con_"), "{id}");
    assert_eq!(created["strategy"], "auth0");
    let got = json(&c.connections().get(&id).send().await.unwrap());
    assert_eq!(got["name"], "customers");
    assert_eq!(got["display_name"], "Customers");

    let updated = json(
        &c.connections()
            .update(&id)
            .body(UpdateConnectionRequestContent {
                display_name: "Our customers".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["display_name"], "Our customers");
    assert_eq!(updated["name"], "customers");
    c.connections()
        .update(&id)
        .body(UpdateConnectionRequestContent {
            display_name: Nullable::Null,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_cleared(
        &json(&c.connections().get(&id).send().await.unwrap()),
        "display_name",
    );

    let listed = c.connections().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&id));
    let named = c
        .connections()
        .list()
        .name("customers")
        .send_page()
        .await
        .unwrap()
        .items;
    assert_eq!(ids(&named, "id"), vec![id.clone()]);
    c.connections().delete(&id).send().await.unwrap();
    assert_gone(c.connections().get(&id).send().await, "the connection");
}

#[tokio::test]
async fn users_created_read_updated_cleared_listed_deleted() {
    let (_standin, c) = tenant().await;
    let metadata = |v: Value| v.as_object().unwrap().clone();
    let created = json(
        &c.users()
            .create()
            .body(CreateUserRequestContent {
                connection: auth0_standin::CONNECTION.into(),
                email: "dora@example.com".into(),
                password: "a long passphrase 7".into(),
                given_name: "Dora".into(),
                user_metadata: metadata(json!({"plan": "pro", "team": "a"})).into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let id = created["user_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("auth0|"), "{id}");
    assert_eq!(
        created["identities"][0]["connection"],
        auth0_standin::CONNECTION
    );
    let got = json(&c.users().get(&id).send().await.unwrap());
    assert_eq!(got["email"], "dora@example.com");
    assert_eq!(got["given_name"], "Dora");

    // Metadata merges: a member set to `null` is removed, the others stay.
    let updated = json(
        &c.users()
            .update(&id)
            .body(UpdateUserRequestContent {
                family_name: "Explorer".into(),
                user_metadata: metadata(json!({"team": null})).into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["family_name"], "Explorer");
    assert_eq!(updated["given_name"], "Dora");
    assert_eq!(updated["user_metadata"], json!({"plan": "pro"}));

    let listed = c.users().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "user_id").contains(&id));
    c.users().delete(&id).send().await.unwrap();
    assert_gone(c.users().get(&id).send().await, "the user");
}

#[tokio::test]
async fn clients_resource_servers_and_client_grants_in_sequence() {
    let (_standin, c) = tenant().await;
    // An application.
    let app = json(
        &c.clients()
            .create()
            .body(CreateClientRequestContent {
                name: "billing".into(),
                description: "the billing job".into(),
                app_type: ClientAppTypeEnum::from("non_interactive").into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let client_id = app["client_id"].as_str().unwrap().to_string();
    assert!(app["client_secret"].as_str().is_some_and(|s| !s.is_empty()));
    let got = json(&c.clients().get(&client_id).send().await.unwrap());
    assert_eq!(got["name"], "billing");
    let updated = json(
        &c.clients()
            .update(&client_id)
            .body(UpdateClientRequestContent {
                name: "billing job".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "billing job");
    assert_eq!(updated["description"], "the billing job");
    c.clients()
        .update(&client_id)
        .body(UpdateClientRequestContent {
            description: Nullable::Null,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_cleared(
        &json(&c.clients().get(&client_id).send().await.unwrap()),
        "description",
    );
    let listed = c.clients().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "client_id").contains(&client_id));

    // An API.
    let api = json(
        &c.resource_servers()
            .create()
            .body(CreateResourceServerRequestContent {
                identifier: "https://billing.example.com/".into(),
                name: "Billing".into(),
                scopes: vec![ResourceServerScope {
                    value: "read:invoices".into(),
                    ..Default::default()
                }]
                .into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let api_id = api["id"].as_str().unwrap().to_string();
    let got = json(&c.resource_servers().get(&api_id).send().await.unwrap());
    assert_eq!(got["identifier"], "https://billing.example.com/");
    let updated = json(
        &c.resource_servers()
            .update(&api_id)
            .body(UpdateResourceServerRequestContent {
                name: "Billing API".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "Billing API");
    assert_eq!(updated["identifier"], "https://billing.example.com/");
    let listed = c.resource_servers().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&api_id));

    // The application's grant for the API.
    let grant = json(
        &c.client_grants()
            .create()
            .body(CreateClientGrantRequestContent {
                client_id: client_id.clone().into(),
                audience: "https://billing.example.com/".into(),
                scope: vec!["read:invoices".to_string()].into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let grant_id = grant["id"].as_str().unwrap().to_string();
    assert!(grant_id.starts_with("cgr_"), "{grant_id}");
    let got = json(&c.client_grants().get(&grant_id).send().await.unwrap());
    assert_eq!(got["client_id"], client_id.as_str());
    let updated = json(
        &c.client_grants()
            .update(&grant_id)
            .body(UpdateClientGrantRequestContent {
                scope: Vec::<String>::new().into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["scope"], json!([]));
    assert_eq!(updated["audience"], "https://billing.example.com/");
    let listed = c
        .client_grants()
        .list()
        .client_id(client_id.as_str())
        .send_page()
        .await
        .unwrap()
        .items;
    assert_eq!(ids(&listed, "id"), vec![grant_id.clone()]);

    c.client_grants().delete(&grant_id).send().await.unwrap();
    assert_gone(c.client_grants().get(&grant_id).send().await, "the grant");
    c.resource_servers().delete(&api_id).send().await.unwrap();
    assert_gone(c.resource_servers().get(&api_id).send().await, "the API");
    c.clients().delete(&client_id).send().await.unwrap();
    assert_gone(c.clients().get(&client_id).send().await, "the application");
}

#[tokio::test]
async fn rules_hooks_and_actions_created_read_updated_listed_deleted() {
    let (_standin, c) = tenant().await;
    let rule = json(
        &c.rules()
            .create()
            .body(CreateRuleRequestContent {
                name: "add-claims".into(),
                script: "function (user, context, callback) { callback(null, user, context); }"
                    .into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let rule_id = rule["id"].as_str().unwrap().to_string();
    let updated = json(
        &c.rules()
            .update(&rule_id)
            .body(UpdateRuleRequestContent {
                enabled: false.into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["name"], "add-claims");
    let got = json(&c.rules().get(&rule_id).send().await.unwrap());
    assert_eq!(got["enabled"], false);
    let listed = c.rules().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&rule_id));
    c.rules().delete(&rule_id).send().await.unwrap();
    assert_gone(c.rules().get(&rule_id).send().await, "the rule");

    let hook = json(
        &c.hooks()
            .create()
            .body(CreateHookRequestContent {
                name: "on-signup".into(),
                script: "module.exports = function (user, context, cb) { cb(); };".into(),
                trigger_id: "pre-user-registration".into(),
                dependencies: Nullable::Absent,
                enabled: Nullable::Absent,
                extra: Default::default(),
            })
            .send()
            .await
            .unwrap(),
    );
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let updated = json(
        &c.hooks()
            .update(&hook_id)
            .body(UpdateHookRequestContent {
                name: "on-sign-up".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "on-sign-up");
    assert_eq!(updated["triggerId"], "pre-user-registration");
    let got = json(&c.hooks().get(&hook_id).send().await.unwrap());
    assert_eq!(got["name"], "on-sign-up");
    let listed = c.hooks().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&hook_id));
    c.hooks().delete(&hook_id).send().await.unwrap();
    assert_gone(c.hooks().get(&hook_id).send().await, "the hook");

    let action = json(
        &c.actions()
            .create()
            .body(CreateActionRequestContent {
                name: "enrich-token".into(),
                code: "exports.onExecutePostLogin = async () => {};".into(),
                supported_triggers: vec![ActionTrigger {
                    id: types::ActionTriggerTypeEnum::from("post-login").into(),
                    version: "v3".into(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let action_id = action["id"].as_str().unwrap().to_string();
    let updated = json(
        &c.actions()
            .update(&action_id)
            .body(UpdateActionRequestContent {
                code: "exports.onExecutePostLogin = async (event) => {};".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(
        updated["code"],
        "exports.onExecutePostLogin = async (event) => {};"
    );
    assert_eq!(updated["name"], "enrich-token");
    let got = json(&c.actions().get(&action_id).send().await.unwrap());
    assert_eq!(got["supported_triggers"][0]["id"], "post-login");
    let listed = c.actions().list().send_page().await.unwrap().items;
    assert!(ids(&listed, "id").contains(&action_id));
    c.actions().delete(&action_id).send().await.unwrap();
    assert_gone(c.actions().get(&action_id).send().await, "the action");
}

#[tokio::test]
async fn log_streams_and_custom_domains_created_read_updated_listed_deleted() {
    let (_standin, c) = tenant().await;
    let stream = json(
        &c.log_streams()
            .create()
            .body(CreateLogStreamRequestContent::HttpRequestBody(
                CreateLogStreamHttpRequestBody {
                    name: "siem".into(),
                    sink: LogStreamHttpSink {
                        http_endpoint: "https://logs.example.com/in".into(),
                        http_content_type: "application/json".into(),
                        http_content_format: LogStreamHttpContentFormatEnum::from("JSONLINES")
                            .into(),
                        ..Default::default()
                    },
                    type_: "http".into(),
                    filters: Nullable::Absent,
                    is_priority: Nullable::Absent,
                    pii_config: Nullable::Absent,
                    start_from: Nullable::Absent,
                    extra: Default::default(),
                },
            ))
            .send()
            .await
            .unwrap(),
    );
    let stream_id = stream["id"].as_str().unwrap().to_string();
    assert_eq!(stream["type"], "http");
    let updated = json(
        &c.log_streams()
            .update(&stream_id)
            .body(UpdateLogStreamRequestContent {
                status: LogStreamStatusEnum::from("paused").into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["status"], "paused");
    assert_eq!(updated["name"], "siem");
    let got = json(&c.log_streams().get(&stream_id).send().await.unwrap());
    assert_eq!(got["sink"]["httpEndpoint"], "https://logs.example.com/in");
    let listed = c.log_streams().list().send().await.unwrap();
    assert!(ids(&listed, "id").contains(&stream_id));
    c.log_streams().delete(&stream_id).send().await.unwrap();
    assert_gone(
        c.log_streams().get(&stream_id).send().await,
        "the log stream",
    );

    let domain = json(
        &c.custom_domains()
            .create()
            .body(CreateCustomDomainRequestContent {
                domain: "login.example.com".into(),
                type_: "auth0_managed_certs".into(),
                relying_party_identifier: "example.com".into(),
                custom_client_ip_header: Nullable::Absent,
                domain_metadata: Nullable::Absent,
                tls_policy: Nullable::Absent,
                verification_method: Nullable::Absent,
                extra: Default::default(),
            })
            .send()
            .await
            .unwrap(),
    );
    let domain_id = domain["custom_domain_id"].as_str().unwrap().to_string();
    assert!(domain_id.starts_with("cd_"), "{domain_id}");
    c.custom_domains()
        .update(&domain_id)
        .body(UpdateCustomDomainRequestContent {
            relying_party_identifier: Nullable::Null,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let got = json(&c.custom_domains().get(&domain_id).send().await.unwrap());
    assert_eq!(got["domain"], "login.example.com");
    assert_cleared(&got, "relying_party_identifier");
    // The list's answer is an array, or an object with the array in `custom_domains`.
    let listed = json(&c.custom_domains().list().send().await.unwrap());
    let listed = listed
        .as_array()
        .or_else(|| listed["custom_domains"].as_array())
        .cloned()
        .unwrap_or_default();
    assert!(ids(&listed, "custom_domain_id").contains(&domain_id));
    c.custom_domains().delete(&domain_id).send().await.unwrap();
    assert_gone(
        c.custom_domains().get(&domain_id).send().await,
        "the custom domain",
    );
}

/// The items of a list's answer as JSON: the array, or the array under `member`.
fn items_of(answer: Value, member: &str) -> Vec<Value> {
    answer
        .as_array()
        .or_else(|| answer[member].as_array())
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn forms_flows_and_self_service_profiles_created_read_updated_listed_deleted() {
    let (_standin, c) = tenant().await;
    let form = json(
        &c.forms()
            .create()
            .body(CreateFormRequestContent {
                name: "signup-extra".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let form_id = form["id"].as_str().unwrap().to_string();
    let updated = json(
        &c.forms()
            .update(&form_id)
            .body(UpdateFormRequestContent {
                name: "signup-details".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "signup-details");
    let got = json(&c.forms().get(&form_id).send().await.unwrap());
    assert_eq!(got["name"], "signup-details");
    let listed = items_of(json(&c.forms().list().send().await.unwrap()), "forms");
    assert!(ids(&listed, "id").contains(&form_id));
    c.forms().delete(&form_id).send().await.unwrap();
    assert_gone(c.forms().get(&form_id).send().await, "the form");

    let flow = json(
        &c.flows()
            .create()
            .body(CreateFlowRequestContent {
                name: "notify".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let flow_id = flow["id"].as_str().unwrap().to_string();
    let updated = json(
        &c.flows()
            .update(&flow_id)
            .body(UpdateFlowRequestContent {
                name: "notify-team".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "notify-team");
    let got = json(&c.flows().get(&flow_id).send().await.unwrap());
    assert_eq!(got["name"], "notify-team");
    let listed = items_of(json(&c.flows().list().send().await.unwrap()), "flows");
    assert!(ids(&listed, "id").contains(&flow_id));
    c.flows().delete(&flow_id).send().await.unwrap();
    assert_gone(c.flows().get(&flow_id).send().await, "the flow");

    let profile = json(
        &c.self_service_profiles()
            .create()
            .body(CreateSelfServiceProfileRequestContent {
                name: "partners".into(),
                description: "for partner SSO".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let profile_id = profile["id"].as_str().unwrap().to_string();
    let updated = json(
        &c.self_service_profiles()
            .update(&profile_id)
            .body(UpdateSelfServiceProfileRequestContent {
                name: "partner SSO".into(),
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["name"], "partner SSO");
    assert_eq!(updated["description"], "for partner SSO");
    c.self_service_profiles()
        .update(&profile_id)
        .body(UpdateSelfServiceProfileRequestContent {
            description: Nullable::Null,
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let got = json(
        &c.self_service_profiles()
            .get(&profile_id)
            .send()
            .await
            .unwrap(),
    );
    assert_cleared(&got, "description");
    let listed = items_of(
        json(&c.self_service_profiles().list().send().await.unwrap()),
        "self_service_profiles",
    );
    assert!(ids(&listed, "id").contains(&profile_id));
    c.self_service_profiles()
        .delete(&profile_id)
        .send()
        .await
        .unwrap();
    assert_gone(
        c.self_service_profiles().get(&profile_id).send().await,
        "the self-service profile",
    );
}

#[tokio::test]
async fn token_exchange_profiles_created_read_updated_listed_deleted() {
    let (_standin, c) = tenant().await;
    let action = json(
        &c.actions()
            .create()
            .body(CreateActionRequestContent {
                name: "exchange-legacy".into(),
                code: "exports.onExecuteCustomTokenExchange = async () => {};".into(),
                supported_triggers: vec![ActionTrigger {
                    id: types::ActionTriggerTypeEnum::from("custom-token-exchange").into(),
                    version: "v1".into(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .send()
            .await
            .unwrap(),
    );
    let action_id = action["id"].as_str().unwrap().to_string();
    let profile = json(
        &c.token_exchange_profiles()
            .create()
            .body(CreateTokenExchangeProfileRequestContent {
                action_id: action_id.clone(),
                name: "legacy".into(),
                subject_token_type: "urn:example:legacy-token".into(),
                type_: "custom_authentication".into(),
                extra: Default::default(),
            })
            .send()
            .await
            .unwrap(),
    );
    let id = profile["id"].as_str().unwrap().to_string();
    assert_eq!(profile["action_id"], action_id.as_str());
    c.token_exchange_profiles()
        .update(&id)
        .body(UpdateTokenExchangeProfileRequestContent {
            name: "legacy tokens".into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let got = json(&c.token_exchange_profiles().get(&id).send().await.unwrap());
    assert_eq!(got["name"], "legacy tokens");
    assert_eq!(got["subject_token_type"], "urn:example:legacy-token");
    let listed = items_of(
        json(&c.token_exchange_profiles().list().send().await.unwrap()),
        "token_exchange_profiles",
    );
    assert!(ids(&listed, "id").contains(&id));
    c.token_exchange_profiles()
        .delete(&id)
        .send()
        .await
        .unwrap();
    assert_gone(
        c.token_exchange_profiles().get(&id).send().await,
        "the token exchange profile",
    );
}
