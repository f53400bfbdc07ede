//! The sequences real clients send (create, read, update, clear a member with `null`, list,
//! delete, read again: 404) through this crate's typed builders against the local stand-in
//! tenant (`auth0-standin`), for every resource with those operations, and read, change, read
//! again for the tenant's settings. Each body is written as the JSON an app sends and read
//! into the builder's own request type.

use auth0_mgmt::types::*;
use auth0_mgmt::{Client, Error};
use auth0_standin::Standin;
use serde::Serialize;
use serde::de::DeserializeOwned;
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

/// A request body of the SDK's type `T`, from the JSON an app sends.
fn body<T: DeserializeOwned>(sent: &Value) -> T {
    serde_json::from_value(sent.clone()).unwrap_or_else(|e| {
        panic!(
            "{sent} does not read as a {}: {e}",
            std::any::type_name::<T>()
        )
    })
}

/// The `member` (the id) of each listed item.
fn ids(items: &[Value], member: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i[member].as_str().map(str::to_string))
        .collect()
}

/// The items of a list's answer: the array, or the first array of objects under a member of
/// a page object (`{"forms": [...], "total": 1}`).
fn items_of(answer: Value) -> Vec<Value> {
    match answer {
        Value::Array(items) => items,
        Value::Object(page) => page
            .into_iter()
            .find_map(|(_, v)| match v {
                Value::Array(items) if items.iter().all(Value::is_object) => Some(items),
                _ => None,
            })
            .unwrap_or_default(),
        other => panic!("a list answered {other}"),
    }
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

/// `answer` holds what was sent: every member of an object sent (recursively: Auth0 fills
/// in members of its own beside them), arrays item by item, numbers by value (`1` is `1.0`),
/// a `null` sent as absent or `null`.
fn holds(answer: &Value, sent: &Value) -> bool {
    match (answer, sent) {
        (_, Value::Object(s)) => s.iter().all(|(k, v)| match (answer.get(k), v) {
            (None | Some(Value::Null), Value::Null) => true,
            (Some(a), v) => holds(a, v),
            (None, _) => false,
        }),
        (Value::Array(a), Value::Array(s)) => {
            a.len() == s.len() && a.iter().zip(s).all(|(a, s)| holds(a, s))
        }
        (Value::Number(a), Value::Number(s)) => a.as_f64() == s.as_f64(),
        (a, s) => a == s,
    }
}

#[track_caller]
fn assert_holds(answer: &Value, sent: &Value, what: &str) {
    assert!(holds(answer, sent), "{what}: {answer} does not hold {sent}");
}

/// `base` with the top-level members of `change` set over it (what a PATCH leaves).
fn patched(base: &Value, change: &Value) -> Value {
    let mut out = base.clone();
    if let (Value::Object(out), Value::Object(change)) = (&mut out, change) {
        for (k, v) in change {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Drives one resource through the sequence apps send, asserting each answer: create (the
/// answer holds what was sent and names the new id), get, update (the answer and a second
/// get hold the change and the members not changed), optionally clear a member with `null`,
/// list (holds the id), delete, get (404), list (no longer holds the id). Evaluates to the
/// id. `[parents]` are the path parameters before the item's own (an organization's id for
/// its discovery domains); `write_only` names members sent but never answered (secrets);
/// `list: false` for a resource without a list operation.
macro_rules! lifecycle {
    // Whether the list holds the item (`true`) or not; nothing for a resource without a list.
    (@listed ($c:expr) ($($resource:ident).+) ($($parent:expr),*) ($id:literal) ($item:expr) $want:tt false) => {};
    (@listed ($c:expr) ($($resource:ident).+) ($($parent:expr),*) ($id:literal) ($item:expr) $want:tt) => {{
        let listed = ids(
            &items_of(json(&$c.$($resource()).+.list($($parent),*).send().await.unwrap())),
            $id,
        );
        assert_eq!(
            listed.contains($item),
            $want,
            "{}: {} listed: {listed:?}",
            stringify!($($resource).+),
            $item
        );
    }};
    (
        $c:expr, $($resource:ident).+ $([$($parent:expr),+])?,
        id: $id:literal,
        create: $create:ty = $create_body:expr,
        update: $update:ty = $update_body:expr
        $(, write_only: [$($secret:literal),+])?
        $(, clear: $clear:literal)?
        $(, list: $list:tt)?
        $(,)?
    ) => {{
        let c: &Client = &$c;
        let what = stringify!($($resource).+);
        let sent: Value = $create_body;
        let created = json(
            &c.$($resource()).+
                .create($($($parent),+)?)
                .body(body::<$create>(&sent))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{what}.create: {e}")),
        );
        let id = created[$id]
            .as_str()
            .unwrap_or_else(|| panic!("{what}.create answered no {}: {created}", $id))
            .to_string();
        // Members Auth0 takes and never answers.
        let sent = {
            let secrets: &[&str] = &[$($($secret),+)?];
            let mut sent = sent;
            for secret in secrets {
                assert_cleared(&created, secret);
                sent.as_object_mut().unwrap().remove(*secret);
            }
            sent
        };
        assert_holds(&created, &sent, what);
        let get = || c.$($resource()).+.get($($($parent,)+)? &id).send();
        assert_holds(&json(&get().await.unwrap()), &sent, what);

        let update = |change: &Value| {
            c.$($resource()).+
                .update($($($parent,)+)? &id)
                .body(body::<$update>(change))
                .send()
        };
        let change: Value = $update_body;
        let updated = json(
            &update(&change)
                .await
                .unwrap_or_else(|e| panic!("{what}.update: {e}")),
        );
        assert_holds(&updated, &change, what);
        assert_eq!(updated[$id], json!(id), "{what}: the update's answer names the item");
        assert_holds(&json(&get().await.unwrap()), &patched(&sent, &change), what);
        $(
            update(&json!({ $clear: null }))
                .await
                .unwrap_or_else(|e| panic!("{what}.update (clear): {e}"));
            assert_cleared(&json(&get().await.unwrap()), $clear);
        )?

        lifecycle!(@listed (c) ($($resource).+) ($($($parent),+)?) ($id) (&id) true $($list)?);
        c.$($resource()).+
            .delete($($($parent,)+)? &id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}.delete: {e}"));
        assert_gone(get().await, what);
        lifecycle!(@listed (c) ($($resource).+) ($($($parent),+)?) ($id) (&id) false $($list)?);
        id
    }};
}

/// Settings read, changed, read again: the change's answer and the second read hold the
/// change, and the members it did not name keep what the first read said.
macro_rules! settings {
    ($c:expr, $($resource:ident).+, $get:ident / $update:ident : $ty:ty = $change:expr $(,)?) => {{
        let c: &Client = &$c;
        let what = stringify!($($resource).+);
        let before = json(&c.$($resource()).+.$get().send().await.unwrap_or_else(|e| panic!("{what}: {e}")));
        let change: Value = $change;
        assert!(!holds(&before, &change), "{what}: already {change}");
        let updated = json(
            &c.$($resource()).+
                .$update()
                .body(body::<$ty>(&change))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{what}.{}: {e}", stringify!($update))),
        );
        assert_holds(&updated, &change, what);
        let after = json(&c.$($resource()).+.$get().send().await.unwrap());
        assert_holds(&after, &patched(&before, &change), what);
        after
    }};
}

#[tokio::test]
async fn roles_organizations_and_connections() {
    let (_standin, c) = tenant().await;
    let id = lifecycle!(c, roles, id: "id",
        create: CreateRoleRequestContent = json!({"name": "readers", "description": "can read"}),
        update: UpdateRoleRequestContent = json!({"name": "writers"}),
        clear: "description",
    );
    assert!(id.starts_with("rol_"), "{id}");

    let id = lifecycle!(c, organizations, id: "id",
        create: CreateOrganizationRequestContent = json!({"name": "acme", "display_name": "Acme"}),
        update: UpdateOrganizationRequestContent = json!({"display_name": "Acme Inc."}),
        clear: "display_name",
    );
    assert!(id.starts_with("org_"), "{id}");
    // By name, while it exists.
    let org = json(
        &c.organizations()
            .create()
            .body(body::<CreateOrganizationRequestContent>(
                &json!({"name": "globex"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let by_name = json(
        &c.organizations()
            .get_by_name("globex")
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(by_name["id"], org["id"]);

    let id = lifecycle!(c, connections, id: "id",
        create: CreateConnectionRequestContent =
            json!({"name": "customers", "strategy": "auth0", "display_name": "Customers"}),
        update: UpdateConnectionRequestContent = json!({"display_name": "Our customers"}),
        clear: "display_name",
    );
    assert!(id.starts_with("con_"), "{id}");
    // A list filtered by name holds that connection alone.
    let partners = json(
        &c.connections()
            .create()
            .body(body::<CreateConnectionRequestContent>(
                &json!({"name": "partners", "strategy": "auth0"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let named = items_of(json(
        &c.connections()
            .list()
            .name("partners")
            .send()
            .await
            .unwrap(),
    ));
    assert_eq!(ids(&named, "id"), vec![partners["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn users_created_read_updated_cleared_listed_deleted() {
    let (_standin, c) = tenant().await;
    let created = json(
        &c.users()
            .create()
            .body(body::<CreateUserRequestContent>(&json!({
                "connection": auth0_standin::CONNECTION,
                "email": "dora@example.com",
                "password": "a long passphrase 7",
                "given_name": "Dora",
                "user_metadata": {"plan": "pro", "team": "a"},
            })))
            .send()
            .await
            .unwrap(),
    );
    let id = created["user_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("auth0|"), "{id}");
    assert!(created.get("password").is_none(), "{created}");
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
            .body(body::<UpdateUserRequestContent>(&json!({
                "family_name": "Explorer",
                "user_metadata": {"team": null},
            })))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(updated["family_name"], "Explorer");
    assert_eq!(updated["given_name"], "Dora");
    assert_eq!(updated["user_metadata"], json!({"plan": "pro"}));
    c.users()
        .update(&id)
        .body(body::<UpdateUserRequestContent>(
            &json!({"family_name": null}),
        ))
        .send()
        .await
        .unwrap();
    assert_cleared(
        &json(&c.users().get(&id).send().await.unwrap()),
        "family_name",
    );

    let listed = items_of(json(&c.users().list().send().await.unwrap()));
    assert!(ids(&listed, "user_id").contains(&id));
    c.users().delete(&id).send().await.unwrap();
    assert_gone(c.users().get(&id).send().await, "the user");
    let listed = items_of(json(&c.users().list().send().await.unwrap()));
    assert!(!ids(&listed, "user_id").contains(&id));
}

#[tokio::test]
async fn clients_resource_servers_client_grants_and_credentials() {
    let (_standin, c) = tenant().await;
    let client_id = lifecycle!(c, clients, id: "client_id",
        create: CreateClientRequestContent = json!({
            "name": "billing", "description": "the billing job", "app_type": "non_interactive",
        }),
        update: UpdateClientRequestContent = json!({"name": "billing job"}),
        clear: "description",
    );
    assert_eq!(client_id.len(), 32, "{client_id}");
    lifecycle!(c, resource_servers, id: "id",
        create: CreateResourceServerRequestContent = json!({
            "identifier": "https://billing.example.com/",
            "name": "Billing",
            "scopes": [{"value": "read:invoices", "description": "Read invoices"}],
        }),
        update: UpdateResourceServerRequestContent = json!({"name": "Billing API"}),
    );

    // A grant needs its application and API.
    let app = json(
        &c.clients()
            .create()
            .body(body::<CreateClientRequestContent>(
                &json!({"name": "reports", "app_type": "non_interactive"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let app_id = app["client_id"].as_str().unwrap().to_string();
    c.resource_servers()
        .create()
        .body(body::<CreateResourceServerRequestContent>(
            &json!({"identifier": "https://reports.example.com/", "name": "Reports"}),
        ))
        .send()
        .await
        .unwrap();
    let grant_id = lifecycle!(c, client_grants, id: "id",
        create: CreateClientGrantRequestContent = json!({
            "client_id": app_id, "audience": "https://reports.example.com/", "scope": ["read:reports"],
        }),
        update: UpdateClientGrantRequestContent = json!({"scope": []}),
    );
    assert!(grant_id.starts_with("cgr_"), "{grant_id}");

    // The application's credentials: the key is kept, its PEM text is not answered.
    let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    let id = lifecycle!(c, clients.credentials [app_id.as_str()], id: "id",
        create: PostClientCredentialRequestContent =
            json!({"credential_type": "public_key", "name": "signing key", "pem": pem}),
        update: PatchClientCredentialRequestContent =
            json!({"expires_at": "2031-01-01T00:00:00.000Z"}),
        write_only: ["pem"],
        clear: "expires_at",
    );
    assert!(id.starts_with("cred_"), "{id}");
}

#[tokio::test]
async fn rules_hooks_actions_and_action_modules() {
    let (_standin, c) = tenant().await;
    lifecycle!(c, rules, id: "id",
        create: CreateRuleRequestContent = json!({
            "name": "add-claims",
            "script": "function (user, context, callback) { callback(null, user, context); }",
        }),
        update: UpdateRuleRequestContent = json!({"enabled": false}),
    );
    lifecycle!(c, hooks, id: "id",
        create: CreateHookRequestContent = json!({
            "name": "on-signup",
            "script": "module.exports = function (user, context, cb) { cb(); };",
            "triggerId": "pre-user-registration",
        }),
        update: UpdateHookRequestContent = json!({"name": "on-sign-up"}),
    );
    lifecycle!(c, actions, id: "id",
        create: CreateActionRequestContent = json!({
            "name": "enrich-token",
            "code": "exports.onExecutePostLogin = async () => {};",
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
        }),
        update: UpdateActionRequestContent =
            json!({"code": "exports.onExecutePostLogin = async (event) => {};"}),
    );
    lifecycle!(c, actions.modules, id: "id",
        create: CreateActionModuleRequestContent =
            json!({"name": "shared-helpers", "code": "module.exports = {};"}),
        update: UpdateActionModuleRequestContent =
            json!({"code": "module.exports = { greet: () => 'hi' };"}),
    );
}

#[tokio::test]
async fn log_streams_event_streams_and_custom_domains() {
    let (_standin, c) = tenant().await;
    lifecycle!(c, log_streams, id: "id",
        create: CreateLogStreamRequestContent = json!({
            "name": "siem",
            "type": "http",
            "sink": {
                "httpEndpoint": "https://logs.example.com/in",
                "httpContentType": "application/json",
                "httpContentFormat": "JSONLINES",
            },
        }),
        update: UpdateLogStreamRequestContent = json!({"status": "paused"}),
    );
    let id = lifecycle!(c, event_streams, id: "id",
        create: PostEventStreamsBody = json!({
            "name": "user-events",
            "status": "enabled",
            "subscriptions": [{"event_type": "user.created"}, {"event_type": "user.deleted"}],
            "destination": {
                "type": "eventbridge",
                "configuration": {"aws_account_id": "123456789012", "aws_region": "us-east-2"},
            },
        }),
        update: UpdateEventStreamRequestContent =
            json!({"name": "user-changes", "status": "disabled"}),
    );
    assert!(id.starts_with("est_"), "{id}");
    let id = lifecycle!(c, custom_domains, id: "custom_domain_id",
        create: CreateCustomDomainRequestContent = json!({
            "domain": "login.example.com",
            "type": "auth0_managed_certs",
            "relying_party_identifier": "example.com",
        }),
        update: UpdateCustomDomainRequestContent =
            json!({"relying_party_identifier": "login.example.com"}),
        clear: "relying_party_identifier",
    );
    assert!(id.starts_with("cd_"), "{id}");
}

#[tokio::test]
async fn forms_flows_and_profiles() {
    let (_standin, c) = tenant().await;
    lifecycle!(c, forms, id: "id",
        create: CreateFormRequestContent = json!({"name": "signup-extra"}),
        update: UpdateFormRequestContent = json!({"name": "signup-details"}),
    );
    lifecycle!(c, flows, id: "id",
        create: CreateFlowRequestContent = json!({"name": "notify"}),
        update: UpdateFlowRequestContent = json!({"name": "notify-team"}),
    );
    lifecycle!(c, self_service_profiles, id: "id",
        create: CreateSelfServiceProfileRequestContent =
            json!({"name": "partners", "description": "for partner SSO"}),
        update: UpdateSelfServiceProfileRequestContent = json!({"name": "partner SSO"}),
        clear: "description",
    );
    let id = lifecycle!(c, user_attribute_profiles, id: "id",
        create: CreateUserAttributeProfileRequestContent = json!({
            "name": "workforce",
            "user_attributes": {
                "email": {
                    "label": "Email",
                    "description": "the work address",
                    "profile_required": true,
                    "auth0_mapping": "email",
                },
            },
        }),
        update: UpdateUserAttributeProfileRequestContent = json!({"name": "workforce v2"}),
    );
    assert!(id.starts_with("uap_"), "{id}");
    lifecycle!(c, connection_profiles, id: "id",
        create: CreateConnectionProfileRequestContent = json!({"name": "partner-sso"}),
        update: UpdateConnectionProfileRequestContent = json!({"name": "partner-sso-v2"}),
    );
    let action = json(
        &c.actions()
            .create()
            .body(body::<CreateActionRequestContent>(&json!({
                "name": "exchange-legacy",
                "code": "exports.onExecuteCustomTokenExchange = async () => {};",
                "supported_triggers": [{"id": "custom-token-exchange", "version": "v1"}],
            })))
            .send()
            .await
            .unwrap(),
    );
    lifecycle!(c, token_exchange_profiles, id: "id",
        create: CreateTokenExchangeProfileRequestContent = json!({
            "name": "legacy",
            "subject_token_type": "urn:example:legacy-token",
            "action_id": action["id"],
            "type": "custom_authentication",
        }),
        update: UpdateTokenExchangeProfileRequestContent = json!({"name": "legacy tokens"}),
    );
}

#[tokio::test]
async fn network_acls_and_rate_limit_policies() {
    let (_standin, c) = tenant().await;
    let id = lifecycle!(c, network_acls, id: "id",
        create: SetNetworkAclRequestContent = json!({
            "description": "block one country",
            "active": true,
            "priority": 1,
            "rule": {
                "action": {"block": true},
                "match": {"geo_country_codes": ["AQ"]},
                "scope": "authentication",
            },
        }),
        update: UpdateNetworkAclRequestContent = json!({"active": false, "priority": 2}),
    );
    assert!(id.starts_with("acl_"), "{id}");
    lifecycle!(c, rate_limit_policies, id: "id",
        create: CreateRateLimitPolicyRequestContent = json!({
            "resource": "oauth_authentication_api",
            "consumer": "client",
            "consumer_selector": "*",
            "configuration": {"action": "block", "limit": 100},
        }),
        update: PatchRateLimitPolicyRequestContent =
            json!({"configuration": {"action": "log", "limit": 50}}),
    );
}

#[tokio::test]
async fn organization_discovery_domains_and_phone_branding() {
    let (_standin, c) = tenant().await;
    let org = json(
        &c.organizations()
            .create()
            .body(body::<CreateOrganizationRequestContent>(
                &json!({"name": "initech"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let org_id = org["id"].as_str().unwrap().to_string();
    let id = lifecycle!(c, organizations.discovery_domains [org_id.as_str()], id: "id",
        create: CreateOrganizationDiscoveryDomainRequestContent =
            json!({"domain": "initech.example.com"}),
        update: UpdateOrganizationDiscoveryDomainRequestContent =
            json!({"use_for_organization_discovery": false}),
    );
    assert!(id.starts_with("ord_"), "{id}");

    lifecycle!(c, branding.phone.providers, id: "id",
        create: CreateBrandingPhoneProviderRequestContent = json!({
            "name": "twilio",
            "disabled": false,
            "configuration": {
                "sid": "AC0123",
                "default_from": "+15550100",
                "delivery_methods": ["text"],
            },
            "credentials": {"auth_token": "a secret"},
        }),
        update: UpdateBrandingPhoneProviderRequestContent = json!({"disabled": true}),
        write_only: ["credentials"],
    );
    lifecycle!(c, branding.phone.templates, id: "id",
        create: CreatePhoneTemplateRequestContent = json!({
            "type": "otp_verify",
            "disabled": false,
            "content": {"from": "+15550100", "body": {"text": "Your code: {{code}}"}},
        }),
        update: UpdatePhoneTemplateRequestContent = json!({"disabled": true}),
    );
}

#[tokio::test]
async fn tenant_settings_branding_prompts_and_attack_protection() {
    let (_standin, c) = tenant().await;
    settings!(c, tenants.settings, get / update: UpdateTenantSettingsRequestContent =
        json!({"friendly_name": "Acme", "support_email": "help@acme.example.com"}));
    settings!(c, branding, get / update: UpdateBrandingRequestContent = json!({
        "colors": {"primary": "#0059d6"},
        "logo_url": "https://acme.example.com/logo.png",
    }));
    // A member cleared with `null`.
    c.branding()
        .update()
        .body(body::<UpdateBrandingRequestContent>(
            &json!({"logo_url": null}),
        ))
        .send()
        .await
        .unwrap();
    let branding = json(&c.branding().get().send().await.unwrap());
    assert_cleared(&branding, "logo_url");
    assert_eq!(branding["colors"]["primary"], "#0059d6");
    settings!(c, prompts, get_settings / update_settings: UpdateSettingsRequestContent =
        json!({"universal_login_experience": "classic", "identifier_first": true}));
    settings!(c, attack_protection.bot_detection, get / update:
        UpdateBotDetectionSettingsRequestContent =
        json!({"bot_detection_level": "high", "allowlist": ["192.0.2.1"]}));
    settings!(c, attack_protection.breached_password_detection, get / update:
        UpdateBreachedPasswordDetectionSettingsRequestContent =
        json!({"enabled": true, "method": "enhanced", "shields": ["block"]}));
    settings!(c, attack_protection.brute_force_protection, get / update:
        UpdateBruteForceSettingsRequestContent = json!({"enabled": true, "max_attempts": 5}));
    settings!(c, attack_protection.captcha, get / update:
        UpdateAttackProtectionCaptchaRequestContent =
        json!({"active_provider_id": "auth_challenge", "auth_challenge": {"fail_open": true}}));
    settings!(c, attack_protection.suspicious_ip_throttling, get / update:
        UpdateSuspiciousIpThrottlingSettingsRequestContent =
        json!({"enabled": false, "allowlist": ["192.0.2.0/24"]}));
    settings!(c, risk_assessments.settings.new_device, get / update:
        UpdateRiskAssessmentsSettingsNewDeviceRequestContent = json!({"remember_for": 30}));
}

/// The refusal of a body, as Auth0 words it: 400 `invalid_body`, the message naming the
/// member.
async fn assert_refused<T: std::fmt::Debug>(
    answer: impl std::future::Future<Output = Result<T, Error>>,
    names: &str,
) {
    let e = answer
        .await
        .expect_err("a body the document refuses was taken");
    let api = e.api().unwrap_or_else(|| panic!("not an API error: {e}"));
    assert_eq!(api.status().as_u16(), 400, "{e}");
    assert_eq!(api.error_code(), Some("invalid_body"), "{e}");
    let message = api.message().unwrap_or_default();
    assert!(
        message.starts_with("Payload validation error: ") && message.contains(names),
        "{message}"
    );
}

#[tokio::test]
async fn bodies_the_document_refuses_answer_400_naming_the_member() {
    let (_standin, c) = tenant().await;
    // A member the schema does not list, where it lists them all.
    assert_refused(
        c.roles()
            .create()
            .body(body::<CreateRoleRequestContent>(
                &json!({"name": "readers", "colour": "blue"}),
            ))
            .send(),
        "Additional properties not allowed: colour",
    )
    .await;
    // A value outside the member's enum.
    assert_refused(
        c.attack_protection()
            .bot_detection()
            .update()
            .body(body::<UpdateBotDetectionSettingsRequestContent>(
                &json!({"bot_detection_level": "extreme"}),
            ))
            .send(),
        "No enum match for: \"extreme\"' on property bot_detection_level",
    )
    .await;
    // Nothing was made of them.
    let roles = items_of(json(&c.roles().list().send().await.unwrap()));
    assert!(roles.iter().all(|r| r["name"] != "readers"), "{roles:?}");
}

#[tokio::test]
async fn settings_that_are_created_and_deleted() {
    let (_standin, c) = tenant().await;
    // The email provider: none until created, read, changed, deleted, none again.
    assert_gone(
        c.emails().provider().get().send().await,
        "an email provider",
    );
    let sent = json!({
        "name": "sendgrid",
        "default_from_address": "no-reply@example.com",
        "credentials": {"api_key": "a secret"},
    });
    let created = json(
        &c.emails()
            .provider()
            .create()
            .body(body::<CreateEmailProviderRequestContent>(&sent))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(created["name"], "sendgrid");
    let got = json(&c.emails().provider().get().send().await.unwrap());
    assert_eq!(got["default_from_address"], "no-reply@example.com");
    c.emails()
        .provider()
        .update()
        .body(body::<UpdateEmailProviderRequestContent>(
            &json!({"default_from_address": "hello@example.com"}),
        ))
        .send()
        .await
        .unwrap();
    let got = json(&c.emails().provider().get().send().await.unwrap());
    assert_eq!(got["default_from_address"], "hello@example.com");
    assert_eq!(got["name"], "sendgrid");
    c.emails().provider().delete().send().await.unwrap();
    assert_gone(
        c.emails().provider().get().send().await,
        "the email provider",
    );

    // A connection's SCIM configuration, the same way.
    let connection = json(
        &c.connections()
            .create()
            .body(body::<CreateConnectionRequestContent>(
                &json!({"name": "workforce", "strategy": "samlp"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let id = connection["id"].as_str().unwrap().to_string();
    let scim = c.connections().scim_configuration();
    assert_gone(scim.get(&id).send().await, "a SCIM configuration");
    scim.create(&id)
        .body(body::<CreateScimConfigurationRequestContent>(
            &json!({"user_id_attribute": "externalId"}),
        ))
        .send()
        .await
        .unwrap();
    let got = json(&scim.get(&id).send().await.unwrap());
    assert_eq!(got["user_id_attribute"], "externalId");
    let mapping = json!([{"auth0": "email", "scim": "emails[primary eq true].value"}]);
    scim.update(&id)
        .body(body::<UpdateScimConfigurationRequestContent>(
            &json!({"user_id_attribute": "userName", "mapping": mapping}),
        ))
        .send()
        .await
        .unwrap();
    let got = json(&scim.get(&id).send().await.unwrap());
    assert_eq!(got["user_id_attribute"], "userName");
    assert_eq!(got["mapping"], mapping);
    scim.delete(&id).send().await.unwrap();
    assert_gone(scim.get(&id).send().await, "the SCIM configuration");
}

/// A login page theme with every member the document requires, its buttons in `primary`.
fn theme(primary: &str) -> Value {
    let colors: serde_json::Map<String, Value> = [
        "body_text",
        "error",
        "header",
        "icons",
        "input_background",
        "input_border",
        "input_filled_text",
        "input_labels_placeholders",
        "links_focused_components",
        "primary_button_label",
        "secondary_button_border",
        "secondary_button_label",
        "success",
        "widget_background",
        "widget_border",
    ]
    .iter()
    .map(|c| (c.to_string(), json!("#222222")))
    .chain([("primary_button".to_string(), json!(primary))])
    .collect();
    let text = json!({"bold": false, "size": 100});
    json!({
        "displayName": "house style",
        "borders": {
            "button_border_radius": 3,
            "button_border_weight": 1,
            "buttons_style": "rounded",
            "input_border_radius": 3,
            "input_border_weight": 1,
            "inputs_style": "rounded",
            "show_widget_shadow": true,
            "widget_border_weight": 0,
            "widget_corner_radius": 5,
        },
        "colors": colors,
        "fonts": {
            "body_text": text,
            "buttons_text": text,
            "font_url": "",
            "input_labels": text,
            "links": text,
            "links_style": "normal",
            "reference_text_size": 16,
            "subtitle": text,
            "title": {"bold": true, "size": 150},
        },
        "page_background": {
            "background_color": "#000000",
            "background_image_url": "",
            "page_layout": "center",
        },
        "widget": {
            "header_text_alignment": "center",
            "logo_height": 52,
            "logo_position": "center",
            "logo_url": "",
            "social_buttons_layout": "bottom",
        },
    })
}

#[tokio::test]
async fn login_themes_and_an_organizations_connections() {
    let (_standin, c) = tenant().await;
    // Themes have no list; an update sends the whole theme.
    lifecycle!(c, branding.themes, id: "themeId",
        create: CreateBrandingThemeRequestContent = theme("#0059d6"),
        update: CreateBrandingThemeRequestContent = theme("#ea5323"),
        list: false,
    );

    let org = json(
        &c.organizations()
            .create()
            .body(body::<CreateOrganizationRequestContent>(
                &json!({"name": "umbrella"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let org_id = org["id"].as_str().unwrap().to_string();
    let connection = json(
        &c.connections()
            .create()
            .body(body::<CreateConnectionRequestContent>(
                &json!({"name": "umbrella-staff", "strategy": "auth0"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let connection_id = connection["id"].as_str().unwrap().to_string();
    let id = lifecycle!(c, organizations.connections [org_id.as_str()], id: "connection_id",
        create: CreateOrganizationAllConnectionRequestContent = json!({
            "connection_id": connection_id,
            "assign_membership_on_login": true,
            "organization_connection_name": "Staff",
        }),
        update: UpdateOrganizationAllConnectionRequestContent =
            json!({"assign_membership_on_login": false}),
        clear: "organization_connection_name",
    );
    assert_eq!(id, connection_id);
}

#[tokio::test]
async fn vault_connections_segments_and_feature_flags() {
    let (_standin, c) = tenant().await;
    // The connection's credentials are taken, never answered.
    lifecycle!(c, flows.vault.connections, id: "id",
        create: CreateFlowsVaultConnectionRequestContent = json!({
            "name": "crm",
            "app_id": "HTTP",
            "setup": {"type": "BEARER", "token": "a secret"},
        }),
        update: UpdateFlowsVaultConnectionRequestContent = json!({"name": "crm-api"}),
        write_only: ["setup"],
    );
    lifecycle!(c, experimentation.segments, id: "id",
        create: CreateSegmentRequestContent = json!({
            "name": "europe",
            "description": "visitors from Europe",
            "rules": [{"match": {"region": ["eu"]}}],
        }),
        update: UpdateSegmentRequestContent = json!({"name": "eu"}),
        clear: "description",
    );
    lifecycle!(c, experimentation.feature_flags, id: "id",
        create: CreateFeatureFlagRequestContent = json!({
            "name": "new-login",
            "description": "the new login page",
            "parameters": {"layout": {"type": "string", "value": "compact"}},
        }),
        update: UpdateFeatureFlagRequestContent = json!({"name": "new-login-page"}),
        clear: "description",
    );
}
