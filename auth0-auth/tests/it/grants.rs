//! `/oauth/token`: every grant's form body, and the decoded answer.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_auth::verify::{SymmetricSignatureVerifier, TokenVerifier, VerifyOptions};
use auth0_auth::{Client, Error, FederatedSubject, PasswordlessRealm, Pkce, TokenResponse};
use serde_json::json;

use crate::common::*;

/// Runs a grant against a server answering [`token_answer`], checks the answer, and returns
/// the form the server received.
async fn grant<F, Fut>(make: F, expected: &[(&str, &str)]) -> wiremock::Request
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<TokenResponse, Error>>,
{
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let tokens = make(client(&server)).await.unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "at_1");
    assert_eq!(tokens.token_type.as_deref(), Some("Bearer"));
    assert_eq!(tokens.expires_in, Some(86400));
    assert_eq!(tokens.scope.as_deref(), Some("read:things"));
    let request = only_request(&server).await;
    let mut want = vec![("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    want.extend_from_slice(expected);
    assert_form(&request, "POST", "/oauth/token", &want);
    assert_eq!(header(&request, "accept"), Some("application/json"));
    request
}

#[tokio::test]
async fn client_credentials() {
    grant(
        |c| async move {
            c.client_credentials()
                .audience("https://api.example.com")
                .organization("org_abc")
                .send()
                .await
        },
        &[
            ("grant_type", "client_credentials"),
            ("audience", "https://api.example.com"),
            ("organization", "org_abc"),
        ],
    )
    .await;
}

#[tokio::test]
async fn password_and_password_realm() {
    let request = grant(
        |c| async move {
            c.password_grant("ana@example.com", "s3cret!")
                .scope("openid")
                .audience("https://api")
                .send()
                .await
        },
        &[
            ("grant_type", "password"),
            ("username", "ana@example.com"),
            ("password", "s3cret!"),
            ("scope", "openid"),
            ("audience", "https://api"),
        ],
    )
    .await;
    assert_eq!(header(&request, "auth0-forwarded-for"), None);

    let request = grant(
        |c| async move {
            c.password_grant("ana@example.com", "s3cret!")
                .realm("Username-Password-Authentication")
                .forwarded_for("203.0.113.7")
                .send()
                .await
        },
        &[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/password-realm",
            ),
            ("username", "ana@example.com"),
            ("password", "s3cret!"),
            ("realm", "Username-Password-Authentication"),
        ],
    )
    .await;
    assert_eq!(header(&request, "auth0-forwarded-for"), Some("203.0.113.7"));
}

#[tokio::test]
async fn authorization_code_with_and_without_pkce() {
    grant(
        |c| async move {
            c.authorization_code("code_1", "https://app/cb")
                .send()
                .await
        },
        &[
            ("grant_type", "authorization_code"),
            ("code", "code_1"),
            ("redirect_uri", "https://app/cb"),
        ],
    )
    .await;

    let pkce = Pkce::from_verifier("verifier-0123456789-0123456789-0123456789-~.").unwrap();
    let p = pkce.clone();
    grant(
        |c| async move {
            c.authorization_code("code_2", "https://app/cb")
                .pkce(&p)
                .send()
                .await
        },
        &[
            ("grant_type", "authorization_code"),
            ("code", "code_2"),
            ("redirect_uri", "https://app/cb"),
            (
                "code_verifier",
                "verifier-0123456789-0123456789-0123456789-~.",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn refresh_token() {
    grant(
        |c| async move { c.refresh_token("rt_1").scope("openid").send().await },
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt_1"),
            ("scope", "openid"),
        ],
    )
    .await;
}

#[tokio::test]
async fn passwordless_otp() {
    grant(
        |c| async move {
            c.passwordless_otp(PasswordlessRealm::Email, "ana@example.com", "123456")
                .scope("openid email")
                .audience("https://api")
                .send()
                .await
        },
        &[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/passwordless/otp",
            ),
            ("realm", "email"),
            ("username", "ana@example.com"),
            ("otp", "123456"),
            ("scope", "openid email"),
            ("audience", "https://api"),
        ],
    )
    .await;
}

#[tokio::test]
async fn ciba_poll() {
    grant(
        |c| async move { c.ciba_token("req_1").send().await },
        &[
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", "req_1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn token_exchange_with_custom_subject_type() {
    grant(
        |c| async move {
            c.token_exchange("external-token", "urn:acme:legacy-token")
                .audience("https://api")
                .scope("openid")
                .organization("org_1")
                .send()
                .await
        },
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", "external-token"),
            ("subject_token_type", "urn:acme:legacy-token"),
            ("audience", "https://api"),
            ("scope", "openid"),
            ("organization", "org_1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn token_vault_federated_connection_access_token() {
    grant(
        |c| async move {
            c.federated_connection_access_token(
                "google-oauth2",
                FederatedSubject::RefreshToken("rt_user".into()),
            )
            .login_hint("google-user-1")
            .send()
            .await
        },
        &[
            (
                "grant_type",
                "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token",
            ),
            ("subject_token", "rt_user"),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token",
            ),
            (
                "requested_token_type",
                "http://auth0.com/oauth/token-type/federated-connection-access-token",
            ),
            ("connection", "google-oauth2"),
            ("login_hint", "google-user-1"),
        ],
    )
    .await;
    grant(
        |c| async move {
            c.federated_connection_access_token(
                "github",
                FederatedSubject::AccessToken("at_user".into()),
            )
            .send()
            .await
        },
        &[
            (
                "grant_type",
                "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token",
            ),
            ("subject_token", "at_user"),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            (
                "requested_token_type",
                "http://auth0.com/oauth/token-type/federated-connection-access-token",
            ),
            ("connection", "github"),
        ],
    )
    .await;
}

#[tokio::test]
async fn mfa_grants() {
    grant(
        |c| async move { c.mfa_otp("mfa_tok", "654321").send().await },
        &[
            ("grant_type", "http://auth0.com/oauth/grant-type/mfa-otp"),
            ("mfa_token", "mfa_tok"),
            ("otp", "654321"),
        ],
    )
    .await;
    grant(
        |c| async move {
            c.mfa_oob("mfa_tok", "oob_1")
                .binding_code("000111")
                .send()
                .await
        },
        &[
            ("grant_type", "http://auth0.com/oauth/grant-type/mfa-oob"),
            ("mfa_token", "mfa_tok"),
            ("oob_code", "oob_1"),
            ("binding_code", "000111"),
        ],
    )
    .await;
    grant(
        |c| async move { c.mfa_recovery_code("mfa_tok", "RC-1").send().await },
        &[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/mfa-recovery-code",
            ),
            ("mfa_token", "mfa_tok"),
            ("recovery_code", "RC-1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn recovery_code_answer_carries_the_new_code() {
    let server = server().await;
    let mut body = token_answer();
    body["recovery_code"] = json!("NEWCODE");
    answer(&server, "POST", "/oauth/token", 200, body).await;
    let tokens = client(&server)
        .mfa_recovery_code("mfa_tok", "RC-1")
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.recovery_code.unwrap().expose_secret(), "NEWCODE");
}

#[tokio::test]
async fn device_code_poll() {
    grant(
        |c| async move { c.device_code_token("dev_1").send().await },
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", "dev_1"),
        ],
    )
    .await;
}

#[tokio::test]
async fn extra_params_and_unknown_answer_members() {
    let server = server().await;
    let mut body = token_answer();
    body["refresh_token"] = json!("rt_new");
    body["issued_token_type"] = json!("urn:ietf:params:oauth:token-type:access_token");
    body["something_new"] = json!({"secretish": "value-xyz"});
    answer(&server, "POST", "/oauth/token", 200, body).await;
    let tokens = client(&server)
        .client_credentials()
        .param("resource", "https://r")
        .send()
        .await
        .unwrap();
    let form = only_request(&server).await;
    assert!(String::from_utf8_lossy(&form.body).contains("resource=https%3A%2F%2Fr"));
    assert_eq!(
        tokens.refresh_token.as_ref().unwrap().expose_secret(),
        "rt_new"
    );
    assert_eq!(
        tokens.issued_token_type.as_deref(),
        Some("urn:ietf:params:oauth:token-type:access_token")
    );
    assert!(tokens.extra().contains_key("something_new"));
    let expires = tokens.expires_at().unwrap();
    assert!(expires > SystemTime::now() + Duration::from_secs(86000));
    let debug = format!("{tokens:?}");
    for secret in ["at_1", "rt_new", "value-xyz"] {
        assert!(!debug.contains(secret), "{debug}");
    }
}

fn id_token(server_issuer: &str, nonce: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": server_issuer, "sub": "auth0|ana", "aud": CLIENT_ID,
        "iat": now, "exp": now + 600, "nonce": nonce,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(CLIENT_SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn id_token_verification_is_opt_in() {
    let server = server().await;
    let iss = issuer(&server);
    let mut body = token_answer();
    body["id_token"] = json!(id_token(&iss, "n-1"));
    answer(&server, "POST", "/oauth/token", 200, body).await;
    let client = client(&server);
    let verifier = TokenVerifier::new(
        SymmetricSignatureVerifier::new(CLIENT_SECRET),
        iss.clone(),
        CLIENT_ID,
    );

    // Not asked for: no claims.
    let tokens = client
        .authorization_code("c", "https://app/cb")
        .send()
        .await
        .unwrap();
    assert!(tokens.id_token_claims().is_none());

    // Asked for, with the right nonce.
    let tokens = client
        .authorization_code("c", "https://app/cb")
        .verify_id_token(&verifier)
        .verify_options(VerifyOptions::default().nonce("n-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.id_token_claims().unwrap().sub, "auth0|ana");

    // Afterwards, on the answer.
    let claims = tokens
        .verify_id_token(&verifier, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(claims.sub, "auth0|ana");

    // A wrong nonce is an error naming the claim.
    let err = client
        .authorization_code("c", "https://app/cb")
        .verify_id_token(&verifier)
        .verify_options(VerifyOptions::default().nonce("other"))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::IdToken { source, tokens } => {
            assert_eq!(source.claim(), Some("nonce"));
            // The code is spent: the tokens come back with the failure.
            assert!(tokens.as_ref().unwrap().id_token.is_some());
        }
        other => panic!("expected an ID-token error, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert!(err.into_tokens().is_some());
}

#[tokio::test]
async fn missing_id_token_fails_verification() {
    let server = server().await;
    answer(&server, "POST", "/oauth/token", 200, token_answer()).await;
    let verifier = TokenVerifier::new(
        SymmetricSignatureVerifier::new(CLIENT_SECRET),
        issuer(&server),
        CLIENT_ID,
    );
    let err = client(&server)
        .refresh_token("rt")
        .verify_id_token(&verifier)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingIdToken { .. }), "{err:?}");
    // The refresh token may have been rotated: it is handed back, not lost.
    let tokens = err.tokens().expect("the tokens of the answer");
    assert_eq!(tokens.access_token.expose_secret(), "at_1");
}

#[tokio::test]
async fn pkce_verifiers_follow_rfc_7636() {
    let long = "a".repeat(129);
    for bad in [
        "short",
        "x".repeat(42).as_str(),
        long.as_str(),
        &format!("{}+/=", "a".repeat(43)),
        &format!("{} ", "a".repeat(43)),
    ] {
        let err = Pkce::from_verifier(bad).unwrap_err();
        assert!(err.to_string().contains("RFC 7636"), "{err}");
        assert!(
            bad.len() < 10 || !err.to_string().contains(bad),
            "the verifier is not quoted"
        );
    }
    for good in ["a".repeat(43), "A-Z.a_z~0".repeat(14)] {
        assert_eq!(
            Pkce::from_verifier(good.as_str())
                .unwrap()
                .verifier()
                .expose_secret(),
            good
        );
    }
    assert_eq!(Pkce::new().verifier().expose_secret().len(), 43);
    // A verifier set directly is refused when sending, before any request.
    let server = crate::common::server().await;
    let client = Client::builder(server.uri())
        .client_id("cid")
        .build()
        .unwrap();
    let err = client
        .authorization_code("code", "https://app/cb")
        .code_verifier("too-short")
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
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn extra_parameters_cannot_set_client_authentication() {
    let server = crate::common::server().await;
    let client = Client::builder(server.uri())
        .client_id("cid")
        .client_secret("the-real-secret")
        .build()
        .unwrap();
    for name in [
        "client_id",
        "client_secret",
        "client_assertion",
        "client_assertion_type",
    ] {
        let err = client
            .client_credentials()
            .audience("https://api")
            .param(name, "forged")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                auth0_auth::Error::Http(auth0_auth::HttpError::InvalidRequest { .. })
            ),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains(name), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // A parameter named like a secret stays one in `Debug`.
    let request = client
        .client_credentials()
        .param("subject_token", "tok-123456")
        .param("Vendor-Api-Key", "key-123456")
        .param("resource", "https://r");
    let debug = format!("{request:?}");
    assert!(
        !debug.contains("tok-123456") && !debug.contains("key-123456"),
        "{debug}"
    );
    assert!(debug.contains("https://r"), "{debug}");
}
