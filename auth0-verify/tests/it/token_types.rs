//! A token of one kind never passes as another (RFC 8725 3.11): the header's `typ` and a
//! logout token's `events` claim.

use auth0_verify::{
    AccessTokenVerifier, SymmetricSignatureVerifier, TokenValidationError, VerifyOptions,
};
use serde_json::json;

use crate::common::*;

fn typed(typ: Option<&str>, claims: &serde_json::Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = typ.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &hmac()).unwrap()
}

fn logout_claims() -> serde_json::Value {
    let mut c = id_claims();
    c["events"] = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
    c["sid"] = json!("sid-1");
    c["jti"] = json!("jti-1");
    c.as_object_mut().unwrap().remove("nonce");
    c
}

#[tokio::test]
async fn id_tokens_refuse_other_token_types() {
    let v = id_verifier();
    let ok = VerifyOptions::default();
    for typ in [None, Some("JWT"), Some("jwt"), Some("application/JWT")] {
        v.verify(&typed(typ, &id_claims()), &ok).await.unwrap();
    }
    for typ in [
        "logout+jwt",
        "at+jwt",
        "application/at+jwt",
        "dpop+jwt",
        "secevent+jwt",
    ] {
        let err = v
            .verify(&typed(Some(typ), &id_claims()), &ok)
            .await
            .unwrap_err();
        assert!(
            matches!(err, TokenValidationError::WrongType { .. }),
            "{typ}: {err}"
        );
        assert!(err.to_string().contains(typ), "{err}");
    }
    // A logout token passes as an ID token neither by its `typ` nor, without one, by its
    // `events` claim (no nonce is expected here).
    let err = v
        .verify(&typed(Some("logout+jwt"), &logout_claims()), &ok)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::WrongType { .. }),
        "{err}"
    );
    let err = v
        .verify(&typed(None, &logout_claims()), &ok)
        .await
        .unwrap_err();
    assert_eq!(err.claim(), Some("events"), "{err}");
}

#[tokio::test]
async fn access_tokens_take_at_jwt_and_refuse_logout_tokens() {
    let v = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API)
        .with_clock(clock);
    for typ in [
        None,
        Some("JWT"),
        Some("at+jwt"),
        Some("application/at+jwt"),
    ] {
        v.verify(&typed(typ, &access_claims())).await.unwrap();
    }
    for typ in ["logout+jwt", "dpop+jwt"] {
        let err = v
            .verify(&typed(Some(typ), &access_claims()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, TokenValidationError::WrongType { .. }),
            "{typ}: {err}"
        );
    }
}

#[tokio::test]
async fn an_unsigned_token_fails_as_an_algorithm_mismatch() {
    use base64::Engine as _;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&id_claims()));
    let err = id_verifier()
        .verify(&token, &VerifyOptions::default())
        .await
        .unwrap_err();
    match &err {
        TokenValidationError::UnsupportedAlgorithm { expected, found } => {
            assert_eq!(found, "none");
            assert!(expected.contains("HS256"), "{expected}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("found \"none\""), "{err}");
}

fn logout_verifier() -> auth0_verify::LogoutTokenVerifier {
    auth0_verify::LogoutTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, AUD)
        .with_clock(clock)
}

#[tokio::test]
async fn logout_tokens_are_verified_as_the_back_channel_logout_spec_says() {
    let v = logout_verifier();
    let claims = v
        .verify(&typed(Some("logout+jwt"), &logout_claims()))
        .await
        .unwrap();
    assert_eq!(claims.sid.as_deref(), Some("sid-1"));
    assert_eq!(claims.jti, "jti-1");
    assert!(
        claims
            .events
            .contains_key(auth0_verify::BACKCHANNEL_LOGOUT_EVENT)
    );
    // `sub` alone is enough.
    let mut sub_only = logout_claims();
    sub_only.as_object_mut().unwrap().remove("sid");
    v.verify(&typed(Some("logout+jwt"), &sub_only))
        .await
        .unwrap();

    // Each requirement, broken.
    let id_token = typed(Some("JWT"), &id_claims());
    let err = v.verify(&id_token).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::WrongType { .. }),
        "{err}"
    );
    let err = v.verify(&typed(None, &logout_claims())).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::WrongType { .. }),
        "{err}"
    );
    for (change, claim) in [
        (json!({"nonce": "n"}), "nonce"),
        (json!({"events": {"other": {}}}), "events"),
        (json!({"events": "x"}), "events"),
        (
            json!({"events": {"http://schemas.openid.net/event/backchannel-logout": "x"}}),
            "events",
        ),
        (json!({"iss": "https://elsewhere.example/"}), "iss"),
        (json!({"aud": "another-client"}), "aud"),
        (json!({"iat": 4_102_444_800u64}), "iat"),
        (json!({"exp": 1_000}), "exp"),
    ] {
        let claims = with(logout_claims(), change.clone());
        let err = v
            .verify(&typed(Some("logout+jwt"), &claims))
            .await
            .unwrap_err();
        assert_eq!(err.claim(), Some(claim), "{change}: {err}");
    }
    for missing in ["jti", "iat", "events"] {
        let mut claims = logout_claims();
        claims.as_object_mut().unwrap().remove(missing);
        let err = v
            .verify(&typed(Some("logout+jwt"), &claims))
            .await
            .unwrap_err();
        assert_eq!(err.claim(), Some(missing), "{err}");
    }
    let mut neither = logout_claims();
    neither.as_object_mut().unwrap().remove("sid");
    neither.as_object_mut().unwrap().remove("sub");
    let err = v
        .verify(&typed(Some("logout+jwt"), &neither))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::MissingClaim { .. }),
        "{err}"
    );
}
