//! The on-behalf-of exchange (RFC 8693 with the incoming access token as the subject token):
//! the form it sends, and the exchange end to end against the stand-in tenant.

use auth0_auth::Client;
use auth0_auth::verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
use auth0_standin::{Api, Standin};
use serde_json::json;
use wiremock::MockServer;

use crate::common::*;

const ORDERS: &str = "https://orders.example.com";
const BILLING: &str = "https://billing.example.com";

#[tokio::test]
async fn the_exchange_sends_the_incoming_token_as_an_access_token_subject() {
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let tokens = client(&server)
        .on_behalf_of("incoming.access.token", BILLING)
        .scope("read:invoices")
        .organization("org_acme")
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "at_1");
    assert_form(
        &only_request(&server).await,
        "POST",
        "/oauth/token",
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", "incoming.access.token"),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            ("audience", BILLING),
            ("scope", "read:invoices"),
            ("organization", "org_acme"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    );
}

#[tokio::test]
async fn the_exchange_authenticates_the_client_as_configured() {
    let server: MockServer = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let basic = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .client_secret_basic()
        .build()
        .unwrap();
    let request = basic.on_behalf_of("incoming", BILLING);
    assert!(
        !format!("{request:?}").contains("incoming\""),
        "{request:?}"
    );
    request.send().await.unwrap();
    let sent = only_request(&server).await;
    assert!(
        header(&sent, "authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_form(
        &sent,
        "POST",
        "/oauth/token",
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", "incoming"),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            ("audience", BILLING),
        ],
    );
}

async fn tenant() -> Standin {
    Standin::builder()
        .api(Api::new(ORDERS).scopes(["read:orders"]))
        .api(Api::new(BILLING).scopes(["read:invoices", "write:invoices"]))
        .start()
        .await
        .unwrap()
}

fn standin_client(tenant: &Standin) -> Client {
    Client::builder(tenant.url())
        .client_id(auth0_standin::CLIENT_ID)
        .client_secret(auth0_standin::CLIENT_SECRET)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_api_gets_a_token_for_another_api_for_the_same_user() {
    let tenant = tenant().await;
    // The orders API received this token from a user of the organization.
    let incoming = tenant
        .mint_access_token(
            ORDERS,
            &json!({"sub": "auth0|ana", "scope": "read:orders", "org_id": "org_acme"}),
        )
        .unwrap();
    let tokens = standin_client(&tenant)
        .on_behalf_of(incoming.as_str(), BILLING)
        .scope("read:invoices")
        .organization("org_acme")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tokens.issued_token_type.as_deref(),
        Some("urn:ietf:params:oauth:token-type:access_token")
    );
    // The billing API verifies it as any of its tokens.
    let billing = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(tenant.jwks_url()),
        tenant.issuer(),
        BILLING,
    );
    let claims = billing
        .verify(tokens.access_token.expose_secret())
        .await
        .unwrap();
    assert_eq!(claims.sub.as_deref(), Some("auth0|ana"));
    assert_eq!(claims.aud, vec![BILLING.to_owned()]);
    assert_eq!(claims.scope.as_deref(), Some("read:invoices"));
    assert_eq!(claims.org_id.as_deref(), Some("org_acme"));
    assert_eq!(claims.azp.as_deref(), Some(auth0_standin::CLIENT_ID));
    assert_eq!(
        claims.extra["act"],
        json!({"sub": auth0_standin::CLIENT_ID})
    );
}

#[tokio::test]
async fn the_standin_refuses_what_auth0_refuses() {
    let tenant = tenant().await;
    let client = standin_client(&tenant);
    let incoming = tenant
        .mint_access_token(ORDERS, &json!({"scope": "read:orders"}))
        .unwrap();
    let refusal = |incoming: String, audience: &'static str, scope: &'static str| {
        let client = client.clone();
        async move {
            client
                .on_behalf_of(incoming, audience)
                .scope(scope)
                .send()
                .await
                .unwrap_err()
        }
    };
    // An API the tenant does not have, a scope the API does not define.
    let e = refusal(incoming.clone(), "https://nowhere.example.com", "").await;
    assert_eq!(e.error(), Some("access_denied"), "{e}");
    let e = refusal(incoming.clone(), BILLING, "delete:everything").await;
    assert_eq!(e.error(), Some("access_denied"), "{e}");
    // An organization the token is not for.
    let e = client
        .on_behalf_of(incoming.as_str(), BILLING)
        .organization("org_other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.error(), Some("access_denied"), "{e}");
    // An expired token, a token of another tenant.
    let expired = tenant
        .sign(&json!({
            "iss": tenant.issuer(), "sub": "auth0|ana", "aud": ORDERS,
            "iat": 1_000_000_000, "exp": 1_000_000_600,
        }))
        .unwrap();
    let e = refusal(expired, BILLING, "read:invoices").await;
    assert_eq!(e.error(), Some("invalid_grant"), "{e}");
    let elsewhere = Standin::builder()
        .api(Api::new(ORDERS))
        .start()
        .await
        .unwrap()
        .mint_access_token(ORDERS, &json!({}))
        .unwrap();
    let e = refusal(elsewhere, BILLING, "read:invoices").await;
    assert_eq!(e.error(), Some("invalid_grant"), "{e}");
    // A token type other than an access token.
    let e = client
        .token_exchange(incoming, "urn:ietf:params:oauth:token-type:id_token")
        .audience(BILLING)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.error(), Some("invalid_request"), "{e}");
}
