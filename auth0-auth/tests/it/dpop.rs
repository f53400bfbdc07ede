//! DPoP-bound tokens end to end against the stand-in tenant: the client's proofs on token
//! requests (with the nonce retry), the tenant's binding, the API's check of a call's proof.

use auth0_auth::verify::dpop::{DpopOptions, ProofRequest};
use auth0_auth::verify::{AccessTokenVerifier, AsymmetricSignatureVerifier};
use auth0_auth::{Client, DpopKey};
use auth0_standin::{CLIENT_ID, CLIENT_SECRET, Standin};
use base64::Engine as _;

fn payload(token: &str) -> serde_json::Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn tokens_are_bound_to_the_clients_key_and_proofs_pass_the_api() {
    let tenant = Standin::start().await.unwrap();
    let key = DpopKey::generate().unwrap();
    let client = Client::builder(tenant.url())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .dpop_key(key.clone())
        .build()
        .unwrap();
    let audience = tenant.management_audience();
    let tokens = client
        .client_credentials()
        .audience(&audience)
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.token_type.as_deref(), Some("DPoP"));
    let access = tokens.access_token.expose_secret().to_owned();
    assert_eq!(payload(&access)["cnf"]["jkt"], key.thumbprint());

    // The API: the token, then the proof of the call.
    let verifier = AccessTokenVerifier::new(
        AsymmetricSignatureVerifier::new(tenant.jwks_url()),
        tenant.issuer(),
        audience,
    );
    let claims = verifier.verify(&access).await.unwrap();
    let url = "https://api.example.test/orders";
    let proof = key.proof("GET", url, Some(&access), None).unwrap();
    let options = DpopOptions::new();
    fn request<'a>(
        proof: &'a str,
        url: &'a str,
        access: &'a str,
        jkt: &'a str,
    ) -> ProofRequest<'a> {
        ProofRequest {
            proof,
            method: "GET",
            htu: url,
            access_token: access,
            jkt,
        }
    }
    let jkt = claims.jkt().unwrap();
    options
        .verify_proof(request(&proof, url, &access, jkt))
        .await
        .unwrap();
    // Another key's proof does not pass for this token.
    let other = DpopKey::generate().unwrap();
    let foreign = other.proof("GET", url, Some(&access), None).unwrap();
    assert!(
        options
            .verify_proof(request(&foreign, url, &access, jkt))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_nonce_asked_for_is_sent_on_the_retry() {
    let tenant = Standin::start().await.unwrap();
    tenant.require_dpop_nonce(Some("nonce-from-the-tenant"));
    let client = Client::builder(tenant.url())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .dpop_key(DpopKey::generate().unwrap())
        .build()
        .unwrap();
    let tokens = client
        .client_credentials()
        .audience(tenant.management_audience())
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.token_type.as_deref(), Some("DPoP"));

    // Without a DPoP key the same tenant issues bearer tokens.
    let plain = Client::builder(tenant.url())
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .build()
        .unwrap();
    let tokens = plain
        .client_credentials()
        .audience(tenant.management_audience())
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.token_type.as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn a_bad_proof_is_refused_by_the_tenant() {
    let tenant = Standin::start().await.unwrap();
    let key = DpopKey::generate().unwrap();
    // A proof for another endpoint.
    let proof = key
        .proof("POST", "https://elsewhere.example/oauth/token", None, None)
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", tenant.url()))
        .header("dpop", proof)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", &tenant.management_audience()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_dpop_proof");
}

#[test]
fn keys_round_trip_through_pem() {
    let pem = include_str!("../fixtures/ec_private.pem");
    let a = DpopKey::from_pem(pem).unwrap();
    let b = DpopKey::from_pem(pem).unwrap();
    assert_eq!(a.thumbprint(), b.thumbprint());
    assert!(
        DpopKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err()
    );
}
