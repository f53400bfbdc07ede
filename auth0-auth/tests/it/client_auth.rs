//! Client authentication (secret in the body, HTTP Basic, private-key JWT, none) and the
//! telemetry header.

use std::collections::HashSet;

use auth0_auth::client_auth::{ClientAssertionKey, ClientAuthentication};
use auth0_auth::http::Telemetry;
use auth0_auth::{AssertionAlgorithm, Client};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::common::*;

const RSA_PRIVATE: &str = include_str!("../fixtures/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("../fixtures/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("../fixtures/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../fixtures/ec_public.pem");

fn form(request: &wiremock::Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

fn get<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn private_key_jwt_for_every_algorithm() {
    for (alg, jwt_alg, private, public) in [
        (
            AssertionAlgorithm::RS256,
            Algorithm::RS256,
            RSA_PRIVATE,
            RSA_PUBLIC,
        ),
        (
            AssertionAlgorithm::RS384,
            Algorithm::RS384,
            RSA_PRIVATE,
            RSA_PUBLIC,
        ),
        (
            AssertionAlgorithm::PS256,
            Algorithm::PS256,
            RSA_PRIVATE,
            RSA_PUBLIC,
        ),
        (
            AssertionAlgorithm::ES256,
            Algorithm::ES256,
            EC_PRIVATE,
            EC_PUBLIC,
        ),
    ] {
        let server = server().await;
        answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
        let client = Client::builder(server.uri())
            .client_id(CLIENT_ID)
            .client_assertion_signing_key(private, alg)
            .build()
            .unwrap();
        client
            .client_credentials()
            .audience("https://api")
            .send()
            .await
            .unwrap();
        client.client_credentials().send().await.unwrap();

        let mut jtis = HashSet::new();
        for request in server.received_requests().await.unwrap() {
            let form = form(&request);
            assert_eq!(get(&form, "client_id"), Some(CLIENT_ID));
            assert_eq!(get(&form, "client_secret"), None);
            assert_eq!(
                get(&form, "client_assertion_type"),
                Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            );
            let assertion = get(&form, "client_assertion").unwrap();
            let key = match jwt_alg {
                Algorithm::ES256 => DecodingKey::from_ec_pem(public.as_bytes()).unwrap(),
                _ => DecodingKey::from_rsa_pem(public.as_bytes()).unwrap(),
            };
            let mut validation = Validation::new(jwt_alg);
            validation.set_audience(&[issuer(&server)]);
            validation.set_issuer(&[CLIENT_ID]);
            validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            let data = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
                .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            assert_eq!(data.header.alg, jwt_alg);
            let c = data.claims;
            assert_eq!(c["sub"], CLIENT_ID);
            assert_eq!(c["aud"], issuer(&server));
            let (iat, exp) = (c["iat"].as_u64().unwrap(), c["exp"].as_u64().unwrap());
            assert_eq!(exp - iat, 180);
            assert!(
                jtis.insert(c["jti"].as_str().unwrap().to_owned()),
                "jti reused"
            );
        }
        assert_eq!(jtis.len(), 2);
    }
}

#[tokio::test]
async fn assertion_key_with_key_id_and_wrong_algorithm() {
    let key = ClientAssertionKey::from_pem(RSA_PRIVATE, AssertionAlgorithm::RS256)
        .unwrap()
        .key_id("kid-1");
    assert!(!format!("{key:?}").contains("PRIVATE"));
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let client = Client::builder(server.uri())
        .client_authentication(ClientAuthentication::private_key_jwt(CLIENT_ID, key))
        .build()
        .unwrap();
    client.client_credentials().send().await.unwrap();
    let f = form(&only_request(&server).await);
    let header = jsonwebtoken::decode_header(get(&f, "client_assertion").unwrap()).unwrap();
    assert_eq!(header.kid.as_deref(), Some("kid-1"));

    // An EC key cannot sign RS256, nor an RSA key ES256.
    assert!(ClientAssertionKey::from_pem(EC_PRIVATE, AssertionAlgorithm::RS256).is_err());
    assert!(ClientAssertionKey::from_pem(RSA_PRIVATE, AssertionAlgorithm::ES256).is_err());
}

#[tokio::test]
async fn client_secret_basic() {
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .client_secret_basic()
        .build()
        .unwrap();
    client
        .client_credentials()
        .audience("https://api")
        .send()
        .await
        .unwrap();
    let r = only_request(&server).await;
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    assert_eq!(
        header(&r, "authorization"),
        Some(format!("Basic {expected}").as_str())
    );
    assert_form(
        &r,
        "POST",
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("audience", "https://api"),
        ],
    );
    assert!(!format!("{client:?}").contains(CLIENT_SECRET));
}

#[tokio::test]
async fn public_client_sends_only_its_id() {
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let client = Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .build()
        .unwrap();
    client.refresh_token("rt").send().await.unwrap();
    assert_form(
        &only_request(&server).await,
        "POST",
        "/oauth/token",
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt"),
        ],
    );
}

#[tokio::test]
async fn telemetry_header_on_by_default_and_can_be_turned_off() {
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    client(&server).client_credentials().send().await.unwrap();
    let r = only_request(&server).await;
    let value = header(&r, "auth0-client").unwrap();
    let json: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json["name"], "auth0-rust");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["env"]["rust"].is_string());

    let server = crate::common::server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .telemetry(false)
        .build()
        .unwrap()
        .client_credentials()
        .send()
        .await
        .unwrap();
    assert_eq!(header(&only_request(&server).await, "auth0-client"), None);

    let server = crate::common::server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .telemetry_info(Telemetry::new("auth0-mgmt", "9.9.9"))
        .build()
        .unwrap()
        .client_credentials()
        .send()
        .await
        .unwrap();
    let r = only_request(&server).await;
    assert_eq!(
        header(&r, "auth0-client"),
        Some(
            Telemetry::new("auth0-mgmt", "9.9.9")
                .header_value()
                .to_str()
                .unwrap()
        )
    );
}

#[tokio::test]
async fn custom_http_client_is_used() {
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let http = reqwest::Client::builder()
        .user_agent("custom-agent/1")
        .build()
        .unwrap();
    Client::builder(server.uri())
        .client_id(CLIENT_ID)
        .http_client(http)
        .build()
        .unwrap()
        .client_credentials()
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&only_request(&server).await, "user-agent"),
        Some("custom-agent/1")
    );
}
