//! ID-token claims checks, each valid and invalid (HS256 keeps these fast; the checks are
//! the same for every algorithm).

use std::error::Error as _;
use std::time::Duration;

use auth0_verify::{
    SymmetricSignatureVerifier, TokenValidationError, TokenVerifier, VerifyOptions,
};
use serde_json::json;

use crate::common::*;

async fn verify(
    claims: serde_json::Value,
    options: &VerifyOptions,
) -> Result<auth0_verify::IdTokenClaims, TokenValidationError> {
    id_verifier().verify(&hs256(&claims), options).await
}

async fn rejects(claims: serde_json::Value, options: &VerifyOptions, claim: &str) -> String {
    let err = verify(claims, options)
        .await
        .expect_err("token must be rejected");
    assert_eq!(err.claim(), Some(claim), "{err}");
    err.to_string()
}

fn none() -> VerifyOptions {
    VerifyOptions::default()
}

#[tokio::test]
async fn valid_token_gives_typed_and_extra_claims() {
    let claims = verify(id_claims(), &none()).await.unwrap();
    assert_eq!(claims.iss, ISS);
    assert_eq!(claims.sub, "auth0|user-1");
    assert_eq!(claims.aud, vec![AUD.to_owned()]);
    assert_eq!(claims.exp, NOW + 3600);
    assert_eq!(claims.iat, NOW - 10);
    assert_eq!(claims.nonce.as_deref(), Some("nonce-1"));
    assert_eq!(claims.org_id.as_deref(), Some("org_123"));
    assert_eq!(claims.email.as_deref(), Some("user@example.test"));
    let roles: Vec<String> = claims.claim("https://example.test/roles").unwrap().unwrap();
    assert_eq!(roles, ["admin"]);
    assert!(claims.claim::<u32>("https://example.test/roles").is_err());
    for typed in ["iss", "email"] {
        assert!(
            claims.get(typed).is_none(),
            "typed claims are not repeated in extra: {typed}"
        );
    }
}

#[tokio::test]
async fn profile_claims_are_typed_and_one_of_another_type_is_kept_in_extra() {
    let claims = verify(
        with(
            id_claims(),
            json!({
                "name": "Ana", "email_verified": "yes", "phone_number_verified": true,
                "address": {"country": "PT"}, "updated_at": 1_700_000_000, "sid": "sid-9",
                "locale": ["pt"],
            }),
        ),
        &none(),
    )
    .await
    .unwrap();
    assert_eq!(claims.name.as_deref(), Some("Ana"));
    assert_eq!(claims.sid.as_deref(), Some("sid-9"));
    assert_eq!(claims.phone_number_verified, Some(true));
    assert_eq!(claims.address, Some(json!({"country": "PT"})));
    // Sent with another type than OpenID Connect's: not typed, kept as sent.
    assert_eq!(claims.email_verified, None);
    assert_eq!(claims.get("email_verified"), Some(&json!("yes")));
    assert_eq!(claims.updated_at, None);
    assert_eq!(claims.get("updated_at"), Some(&json!(1_700_000_000)));
    assert_eq!(claims.locale, None);
    assert_eq!(claims.get("locale"), Some(&json!(["pt"])));
    // Written back, every claim is there once, as it came.
    let written = serde_json::to_value(&claims).unwrap();
    assert_eq!(written["name"], "Ana");
    assert_eq!(written["email_verified"], "yes");
    assert_eq!(written["updated_at"], 1_700_000_000);
    assert_eq!(written["address"], json!({"country": "PT"}));
}

#[tokio::test]
async fn issuer_must_match_exactly() {
    let msg = rejects(
        with(id_claims(), json!({"iss": "https://evil.test/"})),
        &none(),
        "iss",
    )
    .await;
    assert!(
        msg.contains(ISS) && msg.contains("https://evil.test/"),
        "{msg}"
    );
    rejects(
        with(id_claims(), json!({"iss": "https://tenant.example.test"})),
        &none(),
        "iss",
    )
    .await;
    rejects(with(id_claims(), json!({"iss": null})), &none(), "iss").await;
    rejects(with(id_claims(), json!({"iss": 1})), &none(), "iss").await;
}

#[tokio::test]
async fn subject_is_required_and_a_string() {
    rejects(with(id_claims(), json!({"sub": null})), &none(), "sub").await;
    let msg = rejects(with(id_claims(), json!({"sub": 42})), &none(), "sub").await;
    assert!(
        msg.contains("expected a string") && msg.contains("number 42"),
        "{msg}"
    );
}

#[tokio::test]
async fn audience_may_be_a_string_or_an_array() {
    assert!(verify(id_claims(), &none()).await.is_ok());
    assert!(
        verify(with(id_claims(), json!({"aud": [AUD]})), &none())
            .await
            .is_ok()
    );
    assert!(
        verify(
            with(id_claims(), json!({"aud": ["other", AUD], "azp": AUD})),
            &none()
        )
        .await
        .is_ok()
    );
    let msg = rejects(with(id_claims(), json!({"aud": "other"})), &none(), "aud").await;
    assert!(msg.contains(AUD) && msg.contains("\"other\""), "{msg}");
    rejects(
        with(id_claims(), json!({"aud": ["x", "y"], "azp": AUD})),
        &none(),
        "aud",
    )
    .await;
    rejects(with(id_claims(), json!({"aud": null})), &none(), "aud").await;
    rejects(with(id_claims(), json!({"aud": [AUD, 3]})), &none(), "aud").await;
}

#[tokio::test]
async fn azp_is_required_and_checked_when_aud_has_several_values() {
    let several = with(
        id_claims(),
        json!({"aud": [AUD, "https://api.example.test"]}),
    );
    let msg = rejects(several.clone(), &none(), "azp").await;
    assert!(msg.contains("found none"), "{msg}");
    let msg = rejects(
        with(several.clone(), json!({"azp": "someone-else"})),
        &none(),
        "azp",
    )
    .await;
    assert!(msg.contains(AUD) && msg.contains("someone-else"), "{msg}");
    assert!(
        verify(with(several, json!({"azp": AUD})), &none())
            .await
            .is_ok()
    );
    // A single audience needs no azp, and a wrongly typed azp is always rejected.
    assert!(
        verify(with(id_claims(), json!({"azp": "anything"})), &none())
            .await
            .is_ok()
    );
    rejects(with(id_claims(), json!({"azp": ["x"]})), &none(), "azp").await;
}

#[tokio::test]
async fn expiry_is_checked_with_the_leeway() {
    assert!(
        verify(with(id_claims(), json!({"exp": NOW - 60})), &none())
            .await
            .is_ok()
    );
    let err = verify(with(id_claims(), json!({"exp": NOW - 61})), &none())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::Expired { expected, found } if expected == NOW - 60 && found == NOW - 61),
        "{err}"
    );
    rejects(with(id_claims(), json!({"exp": null})), &none(), "exp").await;
    rejects(
        with(id_claims(), json!({"exp": "tomorrow"})),
        &none(),
        "exp",
    )
    .await;
    // A custom leeway.
    let strict = id_verifier().leeway(Duration::ZERO);
    let token = hs256(&with(id_claims(), json!({"exp": NOW - 1})));
    assert!(matches!(
        strict.verify(&token, &none()).await,
        Err(TokenValidationError::Expired { .. })
    ));
    let token = hs256(&with(id_claims(), json!({"exp": NOW})));
    assert!(strict.verify(&token, &none()).await.is_ok());
}

#[tokio::test]
async fn issued_at_must_not_be_in_the_future_beyond_the_leeway() {
    assert!(
        verify(with(id_claims(), json!({"iat": NOW + 60})), &none())
            .await
            .is_ok()
    );
    let err = verify(with(id_claims(), json!({"iat": NOW + 61})), &none())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::IssuedInFuture { expected, found } if expected == NOW + 60 && found == NOW + 61),
        "{err}"
    );
    rejects(with(id_claims(), json!({"iat": null})), &none(), "iat").await;
    rejects(with(id_claims(), json!({"iat": [1]})), &none(), "iat").await;
}

#[tokio::test]
async fn not_before_is_checked_when_present() {
    assert!(
        verify(with(id_claims(), json!({"nbf": NOW + 60})), &none())
            .await
            .is_ok()
    );
    rejects(with(id_claims(), json!({"nbf": NOW + 61})), &none(), "nbf").await;
}

#[tokio::test]
async fn nonce_is_checked_when_expected() {
    let opts = none().nonce("nonce-1");
    assert!(verify(id_claims(), &opts).await.is_ok());
    let msg = rejects(id_claims(), &none().nonce("nonce-2"), "nonce").await;
    assert!(msg.contains("nonce-1") && msg.contains("nonce-2"), "{msg}");
    rejects(with(id_claims(), json!({"nonce": null})), &opts, "nonce").await;
    // Not expected: not required.
    assert!(
        verify(with(id_claims(), json!({"nonce": null})), &none())
            .await
            .is_ok()
    );
    rejects(with(id_claims(), json!({"nonce": 5})), &none(), "nonce").await;
}

#[tokio::test]
async fn auth_time_is_checked_against_max_age() {
    let opts = none().max_age(Duration::from_secs(100));
    // auth_time = NOW - 100: exactly max_age ago.
    assert!(verify(id_claims(), &opts).await.is_ok());
    assert!(
        verify(with(id_claims(), json!({"auth_time": NOW - 160})), &opts)
            .await
            .is_ok()
    );
    let err = verify(with(id_claims(), json!({"auth_time": NOW - 161})), &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::AuthenticationTooOld { expected, found } if expected == NOW - 160 && found == NOW - 161),
        "{err}"
    );
    rejects(
        with(id_claims(), json!({"auth_time": null})),
        &opts,
        "auth_time",
    )
    .await;
    assert!(
        verify(with(id_claims(), json!({"auth_time": null})), &none())
            .await
            .is_ok()
    );
    rejects(
        with(id_claims(), json!({"auth_time": "x"})),
        &none(),
        "auth_time",
    )
    .await;
}

#[tokio::test]
async fn organization_by_id_is_exact() {
    assert!(
        verify(id_claims(), &none().organization("org_123"))
            .await
            .is_ok()
    );
    let msg = rejects(id_claims(), &none().organization("org_999"), "org_id").await;
    assert!(msg.contains("org_999") && msg.contains("org_123"), "{msg}");
    rejects(
        with(id_claims(), json!({"org_id": "ORG_123"})),
        &none().organization("org_123"),
        "org_id",
    )
    .await;
    rejects(
        with(id_claims(), json!({"org_id": null})),
        &none().organization("org_123"),
        "org_id",
    )
    .await;
}

#[tokio::test]
async fn organization_by_name_is_case_insensitive() {
    assert!(
        verify(id_claims(), &none().organization("ACME"))
            .await
            .is_ok()
    );
    assert!(
        verify(
            with(id_claims(), json!({"org_name": "AcMe"})),
            &none().organization("acme")
        )
        .await
        .is_ok()
    );
    let msg = rejects(id_claims(), &none().organization("globex"), "org_name").await;
    assert!(msg.contains("globex") && msg.contains("acme"), "{msg}");
    rejects(
        with(id_claims(), json!({"org_name": null})),
        &none().organization("acme"),
        "org_name",
    )
    .await;
    rejects(
        with(id_claims(), json!({"org_name": {"a": 1}})),
        &none(),
        "org_name",
    )
    .await;
}

#[tokio::test]
async fn an_empty_secret_refuses_even_tokens_signed_with_it() {
    let empty = jsonwebtoken::EncodingKey::from_secret(b"");
    let token = sign(jsonwebtoken::Algorithm::HS256, None, &empty, &id_claims());
    let v = TokenVerifier::new(SymmetricSignatureVerifier::new(""), ISS, AUD).with_clock(clock);
    let err = v.verify(&token, &none()).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnusableKey { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("empty"), "{err}");
}

#[tokio::test]
async fn the_shared_secret_is_taken_as_text_a_client_secret_or_bytes() {
    let token = hs256(&id_claims());
    let client_secret = auth0_http::ClientSecret::new(SECRET);
    for keys in [
        SymmetricSignatureVerifier::new(SECRET),
        SymmetricSignatureVerifier::new(&client_secret),
        SymmetricSignatureVerifier::from_bytes(SECRET.as_bytes()),
    ] {
        let v = TokenVerifier::new(keys, ISS, AUD).with_clock(clock);
        assert_eq!(v.verify(&token, &none()).await.unwrap().sub, "auth0|user-1");
    }
    let empty = SymmetricSignatureVerifier::from_bytes([]);
    let v = TokenVerifier::new(empty, ISS, AUD).with_clock(clock);
    assert!(matches!(
        v.verify(&token, &none()).await,
        Err(TokenValidationError::UnusableKey { .. })
    ));
}

#[tokio::test]
async fn signature_must_match_the_secret() {
    let token = hs256(&id_claims());
    let other = TokenVerifier::new(SymmetricSignatureVerifier::new("another-secret"), ISS, AUD)
        .with_clock(clock);
    assert!(matches!(
        other.verify(&token, &none()).await,
        Err(TokenValidationError::InvalidSignature { .. })
    ));

    // Swap in another payload under the original signature.
    let forged_payload = hs256(&with(id_claims(), json!({"sub": "auth0|admin"})));
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[1] = forged_payload.split('.').nth(1).unwrap();
    let forged = parts.join(".");
    assert!(matches!(
        id_verifier().verify(&forged, &none()).await,
        Err(TokenValidationError::InvalidSignature { .. })
    ));
}

#[tokio::test]
async fn malformed_tokens_keep_their_source() {
    let err = id_verifier()
        .verify("!!!.e30.c2ln", &none())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::Malformed { .. }),
        "{err}"
    );
    assert!(err.source().is_some());
    for bad in ["", "a", "a.b", "a.b.c.d", "..", "e30.e30.", ".e30.c2ln"] {
        let err = id_verifier().verify(bad, &none()).await.unwrap_err();
        assert!(
            matches!(err, TokenValidationError::Malformed { .. }),
            "{bad:?}: {err}"
        );
    }
}

#[tokio::test]
async fn the_clock_is_injected() {
    let token = hs256(&id_claims());
    let later = id_verifier().with_clock(|| clock() + Duration::from_secs(3600 + 61));
    assert!(matches!(
        later.verify(&token, &none()).await,
        Err(TokenValidationError::Expired { .. })
    ));
    let before_epoch = id_verifier().with_clock(|| std::time::UNIX_EPOCH - Duration::from_secs(5));
    assert!(matches!(
        before_epoch.verify(&token, &none()).await,
        Err(TokenValidationError::IssuedInFuture { .. })
    ));
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let v = SymmetricSignatureVerifier::new(SECRET);
    let dbg = format!(
        "{v:?} {:?} {:?}",
        auth0_verify::Secret::new(SECRET),
        id_verifier()
    );
    assert!(!dbg.contains(SECRET), "{dbg}");
    assert!(dbg.contains("[redacted]"), "{dbg}");
}
