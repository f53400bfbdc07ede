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
/// its discovery domains); `create` is the name of the operation that makes an item (`add`
/// for an organization's enabled connections); `update` is left out for a resource without
/// one; `write_only` names members sent but never answered (secrets); `list: false` for a
/// resource without a list operation.
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
    // The update, its answer and a second read; then the member cleared with `null`.
    (@update ($($l:ident)+) ($($resource:ident).+) ($($parent:expr),*) ($id:literal) ()) => {};
    (
        @update ($c:ident $get:ident $sent:ident $what:ident $item:ident)
        ($($resource:ident).+) ($($parent:expr),*) ($id:literal)
        ($update:ty = $update_body:expr $(; $clear:literal)?)
    ) => {{
        let update = |change: &Value| {
            $c.$($resource()).+
                .update($($parent,)* &$item)
                .body(body::<$update>(change))
                .send()
        };
        let change: Value = $update_body;
        let updated = json(
            &update(&change)
                .await
                .unwrap_or_else(|e| panic!("{}.update: {e}", $what)),
        );
        assert_holds(&updated, &change, $what);
        assert_eq!(updated[$id], json!($item), "{}: the update's answer names the item", $what);
        assert_holds(&json(&$get().await.unwrap()), &patched(&$sent, &change), $what);
        $(
            update(&json!({ $clear: null }))
                .await
                .unwrap_or_else(|e| panic!("{}.update (clear): {e}", $what));
            assert_cleared(&json(&$get().await.unwrap()), $clear);
        )?
    }};
    (
        $c:expr, $($resource:ident).+ $([$($parent:expr),+])?,
        id: $id:literal,
        $create_op:ident: $create:ty = $create_body:expr
        $(, update: $update:ty = $update_body:expr $(, clear: $clear:literal)?)?
        $(, write_only: [$($secret:literal),+])?
        $(, list: $list:tt)?
        $(,)?
    ) => {{
        let c: &Client = &$c;
        let what = stringify!($($resource).+);
        let sent: Value = $create_body;
        let created = json(
            &c.$($resource()).+
                .$create_op($($($parent),+)?)
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

        lifecycle!(@update (c get sent what id) ($($resource).+) ($($($parent),+)?) ($id)
            ($($update = $update_body $(; $clear)?)?));
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
        clear: "expires_at",
        write_only: ["pem"],
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

/// Seconds since the Unix epoch of a time as Auth0 writes it (`2026-01-31T09:30:00.123Z`).
fn unix_seconds(at: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| -> i64 {
        at.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a time: {at}"))
    };
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from 1970-01-01 to the date, in the proleptic Gregorian calendar.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// The status of a refused request.
fn status_of<T: std::fmt::Debug>(answer: Result<T, Error>) -> u16 {
    match answer {
        Err(e) => e.status().map_or(0, |s| s.as_u16()),
        Ok(v) => panic!("taken: {v:?}"),
    }
}

#[tokio::test]
async fn organization_invitations_and_enabled_connections() {
    let (_standin, c) = tenant().await;
    let org = json(
        &c.organizations()
            .create()
            .body(body::<CreateOrganizationRequestContent>(
                &json!({"name": "wayne"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let org_id = org["id"].as_str().unwrap().to_string();
    // Invitations have no update; how long one lasts and whether to mail it are taken,
    // never answered.
    let id = lifecycle!(c, organizations.invitations [org_id.as_str()], id: "id",
        create: CreateOrganizationInvitationRequestContent = json!({
            "inviter": {"name": "Jane"},
            "invitee": {"email": "new.hire@example.com"},
            "client_id": auth0_standin::CLIENT_ID,
            "roles": ["rol_0000000000000001"],
            "ttl_sec": 259_200,
            "send_invitation_email": false,
        }),
        write_only: ["ttl_sec", "send_invitation_email"],
    );
    assert!(id.starts_with("uinv_"), "{id}");
    // It expires `ttl_sec` after it was made, a week without one; its URL names it and the
    // organization.
    for (ttl, lasts) in [(json!(3600), 3600), (Value::Null, 7 * 86_400)] {
        let mut sent = json!({
            "inviter": {"name": "Jane"},
            "invitee": {"email": "another.hire@example.com"},
            "client_id": auth0_standin::CLIENT_ID,
        });
        if !ttl.is_null() {
            sent["ttl_sec"] = ttl;
        }
        let invitation = json(
            &c.organizations()
                .invitations()
                .create(&org_id)
                .body(body::<CreateOrganizationInvitationRequestContent>(&sent))
                .send()
                .await
                .unwrap(),
        );
        let (created, expires) = (
            invitation["created_at"].as_str().unwrap(),
            invitation["expires_at"].as_str().unwrap(),
        );
        assert_eq!(
            unix_seconds(expires) - unix_seconds(created),
            lasts,
            "{invitation}"
        );
        assert_eq!(invitation["organization_id"], json!(org_id));
        let url = invitation["invitation_url"].as_str().unwrap();
        assert!(
            url.contains(&format!("organization={org_id}")) && url.contains("invitation="),
            "{url}"
        );
    }

    // A connection enabled for the organization: added, read, changed, listed, removed.
    let connection = json(
        &c.connections()
            .create()
            .body(body::<CreateConnectionRequestContent>(
                &json!({"name": "wayne-staff", "strategy": "auth0"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let connection_id = connection["id"].as_str().unwrap().to_string();
    let enabled = c.organizations().enabled_connections();
    let id = lifecycle!(c, organizations.enabled_connections [org_id.as_str()],
        id: "connection_id",
        add: AddOrganizationConnectionRequestContent = json!({
            "connection_id": connection_id,
            "assign_membership_on_login": true,
            "show_as_button": true,
        }),
        update: UpdateOrganizationConnectionRequestContent =
            json!({"assign_membership_on_login": false, "is_signup_enabled": true}),
    );
    assert_eq!(id, connection_id);
    // The answer names the connection; one that does not exist cannot be added.
    let added = json(
        &enabled
            .add(&org_id)
            .body(body::<AddOrganizationConnectionRequestContent>(
                &json!({"connection_id": connection_id}),
            ))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(
        added["connection"],
        json!({"name": "wayne-staff", "strategy": "auth0"})
    );
    let missing = enabled
        .add(&org_id)
        .body(body::<AddOrganizationConnectionRequestContent>(
            &json!({"connection_id": "con_0000000000000000"}),
        ))
        .send()
        .await;
    assert_eq!(status_of(missing), 404);
}

#[tokio::test]
async fn email_templates_created_read_changed_and_replaced() {
    let (_standin, c) = tenant().await;
    let templates = c.email_templates();
    let name = EmailTemplateNameEnum::WelcomeEmail;
    assert_gone(
        templates.get(name.clone()).send().await,
        "a template never created",
    );
    // Changing one that was never created: 404.
    let change = json!({"subject": "Welcome aboard", "resultUrl": null});
    let early = templates
        .update(name.clone())
        .body(body::<UpdateEmailTemplateRequestContent>(&change))
        .send()
        .await;
    assert_eq!(status_of(early), 404);

    let sent = json!({
        "template": "welcome_email",
        "body": "<p>Welcome, {{ user.name }}</p>",
        "from": "hello@example.com",
        "subject": "Welcome",
        "syntax": "liquid",
        "enabled": true,
        "resultUrl": "https://example.com/welcome",
    });
    let created = json(
        &templates
            .create()
            .body(body::<CreateEmailTemplateRequestContent>(&sent))
            .send()
            .await
            .unwrap(),
    );
    assert_holds(&created, &sent, "the template created");
    let get = || templates.get(name.clone()).send();
    assert_holds(&json(&get().await.unwrap()), &sent, "the template read");
    // A template is created once.
    let again = templates
        .create()
        .body(body::<CreateEmailTemplateRequestContent>(&sent))
        .send()
        .await;
    assert_eq!(status_of(again), 409);

    // Changed: the members named, one cleared with `null`, the others kept.
    let updated = json(
        &templates
            .update(name.clone())
            .body(body::<UpdateEmailTemplateRequestContent>(&change))
            .send()
            .await
            .unwrap(),
    );
    assert_holds(&updated, &change, "the template changed");
    let got = json(&get().await.unwrap());
    assert_holds(&got, &patched(&sent, &change), "the template read");
    assert_cleared(&got, "resultUrl");

    // Replaced whole.
    let whole = json!({
        "template": "welcome_email",
        "body": "<p>Hi</p>",
        "from": "team@example.com",
        "subject": "Hi",
        "syntax": "liquid",
        "enabled": false,
    });
    let set = json(
        &templates
            .set(name.clone())
            .body(body::<SetEmailTemplateRequestContent>(&whole))
            .send()
            .await
            .unwrap(),
    );
    assert_holds(&set, &whole, "the template replaced");
    assert_holds(&json(&get().await.unwrap()), &whole, "the template read");
    // Another template is still not there, and cannot be replaced before it is created.
    let mut other = whole.clone();
    other["template"] = json!("reset_email");
    let early = templates
        .set(EmailTemplateNameEnum::ResetEmail)
        .body(body::<SetEmailTemplateRequestContent>(&other))
        .send()
        .await;
    assert_eq!(status_of(early), 404);
    assert_gone(
        templates
            .get(EmailTemplateNameEnum::ResetEmail)
            .send()
            .await,
        "a template never created",
    );
}

#[tokio::test]
async fn encryption_keys_and_verifiable_credential_templates() {
    let (_standin, c) = tenant().await;
    // Encryption keys have no update.
    let kid = lifecycle!(c, keys.encryption, id: "kid",
        create: CreateEncryptionKeyRequestContent =
            json!({"type": "customer-provided-root-key"}),
    );
    assert_eq!(kid.len(), 36, "a UUID: {kid}");
    // A key is made without its material, which comes wrapped with the tenant's public
    // wrapping key and activates it.
    let keys = c.keys().encryption();
    let key = json(
        &keys
            .create()
            .body(body::<CreateEncryptionKeyRequestContent>(
                &json!({"type": "customer-provided-root-key"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(key["state"], "pre-activation", "{key}");
    assert_eq!(key["parent_kid"], Value::Null, "{key}");
    let kid = key["kid"].as_str().unwrap().to_string();
    let wrapped = json!({"wrapped_key": "d3JhcHBlZCBrZXkgbWF0ZXJpYWw="});
    // Imported before its wrapping key was made: refused (409), still waiting.
    let early = keys
        .import(&kid)
        .body(body::<ImportEncryptionKeyRequestContent>(&wrapped))
        .send()
        .await;
    assert_eq!(status_of(early), 409);
    assert_eq!(
        json(&keys.get(&kid).send().await.unwrap())["state"],
        "pre-activation"
    );
    let wrapping = json(&keys.create_public_wrapping_key(&kid).send().await.unwrap());
    assert!(
        wrapping["public_key"]
            .as_str()
            .is_some_and(|k| k.starts_with("-----BEGIN PUBLIC KEY-----")),
        "{wrapping}"
    );
    let imported = json(
        &keys
            .import(&kid)
            .body(body::<ImportEncryptionKeyRequestContent>(&wrapped))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(imported["kid"], json!(kid), "{imported}");
    assert_eq!(imported["state"], "active", "{imported}");
    assert_eq!(
        json(&keys.get(&kid).send().await.unwrap())["state"],
        "active"
    );
    // Active, it takes no other material.
    let again = keys.create_public_wrapping_key(&kid).send().await;
    assert_eq!(status_of(again), 409);
    keys.rekey().send().await.unwrap();

    let id = lifecycle!(c, verifiable_credentials.verification.templates, id: "id",
        create: CreateVerifiableCredentialTemplateRequestContent = json!({
            "name": "age check",
            "type": "mdl",
            "dialect": "simplified/1.0",
            "presentation": {
                "org.iso.18013.5.1.mDL": {"org.iso.18013.5.1": {"birth_date": true}},
            },
            "well_known_trusted_issuers": "aamva",
        }),
        update: UpdateVerifiableCredentialTemplateRequestContent =
            json!({"name": "age and name check"}),
    );
    assert!(id.starts_with("vct_"), "{id}");
}

#[tokio::test]
async fn a_users_authentication_methods() {
    let (_standin, c) = tenant().await;
    let user = json(
        &c.users()
            .create()
            .body(body::<CreateUserRequestContent>(&json!({
                "connection": auth0_standin::CONNECTION,
                "email": "mfa@example.com",
                "password": "a long passphrase 7",
            })))
            .send()
            .await
            .unwrap(),
    );
    let user_id = user["user_id"].as_str().unwrap().to_string();
    let id = lifecycle!(c, users.authentication_methods [user_id.as_str()], id: "id",
        create: CreateUserAuthenticationMethodRequestContent = json!({
            "type": "phone",
            "name": "my phone",
            "phone_number": "+15550100",
            "preferred_authentication_method": "sms",
        }),
        update: UpdateUserAuthenticationMethodRequestContent =
            json!({"name": "work phone", "preferred_authentication_method": "voice"}),
    );
    // The id names the method's type, as Auth0's do (`phone|dev_...`).
    assert!(id.starts_with("phone|dev_"), "{id}");

    // Set whole: what was there is replaced; then removed all at once.
    let methods = c.users().authentication_methods();
    methods
        .create(&user_id)
        .body(body::<CreateUserAuthenticationMethodRequestContent>(
            &json!({"type": "email", "name": "old", "email": "old@example.com"}),
        ))
        .send()
        .await
        .unwrap();
    let set = json(
        &methods
            .set(&user_id)
            .body(body::<SetUserAuthenticationMethodsRequestContent>(&json!([
                {"type": "email", "name": "mail", "email": "mfa@example.com"},
                {"type": "phone", "name": "phone", "phone_number": "+15550101"},
                {"type": "totp", "name": "app", "totp_secret": "5HCWXIP2MJNSUBGYVUZFLRB2HWIGXR4S"},
            ])))
            .send()
            .await
            .unwrap(),
    );
    let set_ids = ids(&items_of(set.clone()), "id");
    assert_eq!(set_ids.len(), 3, "{set_ids:?}");
    let listed = items_of(json(&methods.list(&user_id).send().await.unwrap()));
    let names: Vec<&str> = listed.iter().filter_map(|m| m["name"].as_str()).collect();
    assert_eq!(names, ["mail", "phone", "app"], "{listed:?}");
    assert_eq!(ids(&listed, "id"), set_ids);
    // The TOTP secret is taken, never read back.
    let totp = &set_ids[2];
    assert!(totp.starts_with("totp|dev_"), "{totp}");
    let read = json(&methods.get(&user_id, totp).send().await.unwrap());
    for answer in [&set, &json!(listed), &read] {
        assert!(!answer.to_string().contains("totp_secret"), "{answer}");
    }
    methods.delete_all(&user_id).send().await.unwrap();
    let listed = items_of(json(&methods.list(&user_id).send().await.unwrap()));
    assert!(listed.is_empty(), "{listed:?}");
}

#[tokio::test]
async fn a_hooks_secrets_added_named_changed_and_deleted() {
    let (_standin, c) = tenant().await;
    let hook = json(
        &c.hooks()
            .create()
            .body(body::<CreateHookRequestContent>(&json!({
                "name": "on-signup",
                "script": "module.exports = function (user, context, cb) { cb(); };",
                "triggerId": "pre-user-registration",
            })))
            .send()
            .await
            .unwrap(),
    );
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let secrets = c.hooks().secrets();
    let named = || async { json(&secrets.get(&hook_id).send().await.unwrap()) };
    assert_eq!(named().await, json!({}));
    let values = |pairs: &[(&str, &str)]| -> std::collections::HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    secrets
        .create(&hook_id)
        .body(values(&[("API_KEY", "one"), ("DB_PASSWORD", "two")]))
        .send()
        .await
        .unwrap();
    // Named, never shown.
    let hidden = json!({"API_KEY": "_VALUE_NOT_SHOWN_", "DB_PASSWORD": "_VALUE_NOT_SHOWN_"});
    assert_eq!(named().await, hidden);
    // Adding a name that is there is a conflict; changing one that is not, 404.
    let again = secrets
        .create(&hook_id)
        .body(values(&[("API_KEY", "uno")]))
        .send()
        .await;
    assert_eq!(status_of(again), 409);
    let unknown = secrets
        .update(&hook_id)
        .body(values(&[("NO_SUCH", "x")]))
        .send()
        .await;
    assert_eq!(status_of(unknown), 404);
    assert_eq!(named().await, hidden);
    secrets
        .update(&hook_id)
        .body(values(&[("API_KEY", "uno")]))
        .send()
        .await
        .unwrap();
    assert_eq!(named().await, hidden);
    // Deleted by name.
    secrets
        .delete(&hook_id)
        .body(vec!["API_KEY".to_string()])
        .send()
        .await
        .unwrap();
    assert_eq!(named().await, json!({"DB_PASSWORD": "_VALUE_NOT_SHOWN_"}));
    // A hook that does not exist has no secrets to read.
    assert_gone(
        secrets.get("01H0000000000000000000000").send().await,
        "a missing hook's secrets",
    );
}

#[tokio::test]
async fn checkpoint_pages_give_next_while_more_may_remain() {
    let (_standin, c) = tenant().await;
    let templates = c.verifiable_credentials().verification().templates();
    let mut made = Vec::new();
    for n in 0..4 {
        let t = json(
            &templates
                .create()
                .body(body::<CreateVerifiableCredentialTemplateRequestContent>(
                    &json!({
                        "name": format!("template {n}"),
                        "type": "mdl",
                        "dialect": "simplified/1.0",
                        "presentation": {
                            "org.iso.18013.5.1.mDL": {"org.iso.18013.5.1": {"birth_date": true}},
                        },
                        "well_known_trusted_issuers": "aamva",
                    }),
                ))
                .send()
                .await
                .unwrap(),
        );
        made.push(t["id"].as_str().unwrap().to_string());
    }
    // Pages of two: each full page has `next`, the last full one too (Auth0 gives it
    // whenever there may be more), and the page after it is empty without one.
    let page = |from: Option<String>, take: i64| {
        let list = templates.list().take(take);
        let list = match from {
            Some(from) => list.from(from),
            None => list,
        };
        async { json(&list.send().await.unwrap()) }
    };
    let mut seen = Vec::new();
    let mut from = None;
    for _ in 0..2 {
        let full = page(from, 2).await;
        seen.extend(ids(&items_of(full.clone()), "id"));
        from = Some(
            full["next"]
                .as_str()
                .unwrap_or_else(|| panic!("a full page without next: {full}"))
                .to_string(),
        );
    }
    assert_eq!(seen, made);
    let after = page(from, 2).await;
    assert_eq!(after, json!({"templates": []}));
    // A page not full is the last: no `next`.
    let short = page(None, 3).await;
    let next = short["next"].as_str().unwrap().to_string();
    let last = page(Some(next), 3).await;
    assert_eq!(items_of(last.clone()).len(), 1, "{last}");
    assert!(last.get("next").is_none(), "{last}");
    // Walked by the client: every item once, whether the last page is full or not.
    use futures::TryStreamExt;
    for take in [1, 2, 3, 4, 5] {
        let walked: Vec<_> = templates
            .list()
            .take(take)
            .items()
            .try_collect()
            .await
            .unwrap();
        let walked: Vec<Value> = walked.iter().map(json).collect();
        assert_eq!(ids(&walked, "id"), made, "pages of {take}");
    }
}
