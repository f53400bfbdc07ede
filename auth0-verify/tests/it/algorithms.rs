//! The algorithm is pinned by the verifier, never chosen by the token.

use auth0_verify::{
    Algorithm, AsymmetricSignatureVerifier, TokenValidationError, TokenVerifier, VerifyOptions,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};

use crate::common::*;

fn rsa_verifier(url: &str) -> TokenVerifier {
    TokenVerifier::new(AsymmetricSignatureVerifier::new(url), ISS, AUD).with_clock(clock)
}

#[tokio::test]
async fn rs256_verifies_with_the_jwks_key() {
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let claims = rsa_verifier(&url)
        .verify(&rs256(&id_claims()), &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(claims.sub, "auth0|user-1");
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"key-a"}"#);
    let payload = URL_SAFE_NO_PAD.encode(id_claims().to_string());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.c2ln"),
    ] {
        for verifier in [rsa_verifier(&url), id_verifier()] {
            let err = verifier
                .verify(&token, &VerifyOptions::default())
                .await
                .unwrap_err();
            assert!(
                matches!(
                    &err,
                    TokenValidationError::UnsupportedAlgorithm { found, .. } if found == "none"
                ),
                "{err}"
            );
        }
    }
    let err = rsa_verifier(&url)
        .verify(
            &format!("{header}.{payload}.c2ln"),
            &VerifyOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.claim(), Some("alg"));
    assert!(
        err.to_string().contains("[RS256]") && err.to_string().contains("\"none\""),
        "{err}"
    );
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    // The classic key-confusion attack: HMAC keyed with the public key's published forms.
    let jwk = rsa_a_jwk();
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    for secret in [RSA_A_PUBLIC.to_vec(), n] {
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("key-a".into());
        let token = jsonwebtoken::encode(&header, &id_claims(), &EncodingKey::from_secret(&secret))
            .unwrap();
        for verifier in [
            rsa_verifier(&url),
            // Even when HS256 is (wrongly) asked for, a JWKS never yields an HMAC key.
            TokenVerifier::new(
                AsymmetricSignatureVerifier::new(&url)
                    .algorithms([Algorithm::RS256, Algorithm::HS256]),
                ISS,
                AUD,
            )
            .with_clock(clock),
        ] {
            let err = verifier
                .verify(&token, &VerifyOptions::default())
                .await
                .unwrap_err();
            assert!(
                matches!(err, TokenValidationError::UnsupportedAlgorithm { .. }),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn symmetric_verifier_rejects_asymmetric_tokens() {
    let err = id_verifier()
        .verify(&rs256(&id_claims()), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnsupportedAlgorithm { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("[HS256]"), "{err}");
}

#[tokio::test]
async fn other_algorithms_are_accepted_only_when_allowed() {
    let ec = jwk(&ec_p256(), jsonwebtoken::Algorithm::ES256, "key-ec", true);
    let ps = jwk(&rsa_b(), jsonwebtoken::Algorithm::PS256, "key-ps", true);
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk(), ec, ps])).await;
    let es256 = sign(
        jsonwebtoken::Algorithm::ES256,
        Some("key-ec"),
        &ec_p256(),
        &id_claims(),
    );
    let ps256 = sign(
        jsonwebtoken::Algorithm::PS256,
        Some("key-ps"),
        &rsa_b(),
        &id_claims(),
    );

    let default = rsa_verifier(&url);
    for token in [&es256, &ps256] {
        let err = default
            .verify(token, &VerifyOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, TokenValidationError::UnsupportedAlgorithm { .. }),
            "{err}"
        );
    }
    let all = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(&url).algorithms([
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::ES256,
        ]),
        ISS,
        AUD,
    )
    .with_clock(clock);
    for token in [&es256, &ps256, &rs256(&id_claims())] {
        all.verify(token, &VerifyOptions::default()).await.unwrap();
    }
}

#[tokio::test]
async fn the_key_type_must_fit_the_algorithm() {
    // EC key published without `alg`; an RS256 token naming it must not be checked with it.
    let ec = jwk(&ec_p256(), jsonwebtoken::Algorithm::ES256, "key-ec", false);
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk(), ec])).await;
    let verifier = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(&url).algorithms([Algorithm::RS256, Algorithm::ES256]),
        ISS,
        AUD,
    )
    .with_clock(clock);
    let token = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-ec"),
        &rsa_a(),
        &id_claims(),
    );
    let err = verifier
        .verify(&token, &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnusableKey { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("EC P-256"), "{err}");
}

#[tokio::test]
async fn a_key_pinned_to_one_algorithm_refuses_another() {
    // key-a is published with alg RS256; a PS256 token signed by the same key is refused.
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let verifier = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(&url).algorithms([Algorithm::RS256, Algorithm::PS256]),
        ISS,
        AUD,
    )
    .with_clock(clock);
    let token = sign(
        jsonwebtoken::Algorithm::PS256,
        Some("key-a"),
        &rsa_a(),
        &id_claims(),
    );
    let err = verifier
        .verify(&token, &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnusableKey { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_signature_by_another_key_is_rejected() {
    let (_server, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let token = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-a"),
        &rsa_b(),
        &id_claims(),
    );
    let err = rsa_verifier(&url)
        .verify(&token, &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TokenValidationError::InvalidSignature {
                algorithm: Algorithm::RS256
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn critical_header_extensions_are_rejected() {
    let token = sign_raw(
        jsonwebtoken::Algorithm::HS256,
        &hmac(),
        br#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        id_claims().to_string().as_bytes(),
    );
    let err = id_verifier()
        .verify(&token, &VerifyOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.claim(), Some("crit"), "{err}");
}
