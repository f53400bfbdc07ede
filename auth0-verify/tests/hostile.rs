//! Hostile input never panics and never verifies.

#[path = "it/common.rs"]
mod common;

use std::sync::OnceLock;
use std::time::Duration;

use auth0_verify::blocking::{AccessTokenVerifier, TokenVerifier};
use auth0_verify::{
    AsymmetricSignatureVerifier, SymmetricSignatureVerifier, TokenValidationError, VerifyOptions,
};
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

struct Fixture {
    _runtime: tokio::runtime::Runtime,
    _server: wiremock::MockServer,
    rsa: TokenVerifier,
    hmac: TokenVerifier,
    api: AccessTokenVerifier,
    api_rsa: AccessTokenVerifier,
    rs_token: String,
    hs_token: String,
    rs_access: String,
    hs_access: String,
}

/// The verifier a valid fixture token is for.
#[derive(Clone, Copy, Debug)]
enum For {
    Rsa,
    Hmac,
    Api,
    ApiRsa,
}

impl Fixture {
    /// Whether `token` passes the verifier `which` (ID tokens with every option).
    fn verifies(&self, which: For, token: &str) -> bool {
        match which {
            For::Rsa => self.rsa.verify(token, &all_options()).is_ok(),
            For::Hmac => self.hmac.verify(token, &all_options()).is_ok(),
            For::Api => self.api.verify(token).is_ok(),
            For::ApiRsa => self.api_rsa.verify(token).is_ok(),
        }
    }

    /// The valid tokens, two ID tokens and two access tokens, each with its verifier.
    fn valid_tokens(&self) -> [(For, &str); 4] {
        [
            (For::Rsa, &self.rs_token),
            (For::Hmac, &self.hs_token),
            (For::Api, &self.hs_access),
            (For::ApiRsa, &self.rs_access),
        ]
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (server, url) = runtime.block_on(jwks_server(jwks(&[rsa_a_jwk(), rsa_b_jwk()])));
        let keys =
            AsymmetricSignatureVerifier::new(url).refetch_cooldown(Duration::from_secs(3600));
        Fixture {
            rsa: TokenVerifier::new(keys.clone(), ISS, AUD).with_clock(clock),
            hmac: TokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, AUD)
                .with_clock(clock),
            api: AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API)
                .with_clock(clock),
            api_rsa: AccessTokenVerifier::new(keys, ISS, API).with_clock(clock),
            rs_token: rs256(&id_claims()),
            hs_token: hs256(&id_claims()),
            rs_access: rs256(&access_claims()),
            hs_access: hs256(&access_claims()),
            _runtime: runtime,
            _server: server,
        }
    })
}

fn all_options() -> VerifyOptions {
    VerifyOptions::default()
        .nonce("nonce-1")
        .max_age(Duration::from_secs(3600))
        .organization("org_123")
}

/// No verifier accepts `token`: neither ID-token verifier, with or without options, nor
/// either access-token verifier.
fn never_verifies(token: &str) {
    let f = fixture();
    for options in [VerifyOptions::default(), all_options()] {
        assert!(
            f.rsa.verify(token, &options).is_err(),
            "RS256 verified {token:?}"
        );
        assert!(
            f.hmac.verify(token, &options).is_err(),
            "HS256 verified {token:?}"
        );
    }
    assert!(f.api.verify(token).is_err(), "HS256 API verified {token:?}");
    assert!(
        f.api_rsa.verify(token).is_err(),
        "RS256 API verified {token:?}"
    );
}

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A JSON value that is not of the type `kind` requires.
fn wrong_value(kind: &'static str) -> BoxedStrategy<Value> {
    let any = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        prop::collection::vec(any::<i32>(), 0..4).prop_map(|v| json!(v)),
        Just(json!(["a", 1])),
        Just(json!({"k": "v"})),
    ];
    any.prop_filter("wrong type", move |v| match kind {
        "string" => !v.is_string(),
        "date" => !v.is_number(),
        "aud" => !(v.is_string() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))),
        "strings" => !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        _ => unreachable!(),
    })
    .boxed()
}

fn id_claim_and_wrong_value() -> impl Strategy<Value = (&'static str, Value)> {
    prop_oneof![
        prop::sample::select(vec!["iss", "sub", "nonce", "azp", "org_id", "org_name"])
            .prop_flat_map(|c| (Just(c), wrong_value("string"))),
        prop::sample::select(vec!["exp", "iat", "nbf", "auth_time"])
            .prop_flat_map(|c| (Just(c), wrong_value("date"))),
        (Just("aud"), wrong_value("aud")),
    ]
}

fn access_claim_and_wrong_value() -> impl Strategy<Value = (&'static str, Value)> {
    prop_oneof![
        prop::sample::select(vec!["iss", "sub", "azp", "scope", "org_id", "org_name"])
            .prop_flat_map(|c| (Just(c), wrong_value("string"))),
        prop::sample::select(vec!["exp", "iat", "nbf"])
            .prop_flat_map(|c| (Just(c), wrong_value("date"))),
        (Just("aud"), wrong_value("aud")),
        (Just("permissions"), wrong_value("strings")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        never_verifies(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_shaped_strings(s in "[A-Za-z0-9_.-]{0,300}", t in "eyJ[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,400}") {
        never_verifies(&s);
        never_verifies(&t);
    }

    #[test]
    fn truncated_valid_tokens(cut in any::<prop::sample::Index>()) {
        let f = fixture();
        for (which, token) in f.valid_tokens() {
            prop_assert!(f.verifies(which, token), "{which:?} refuses its unchanged token");
            never_verifies(&token[..cut.index(token.len())]);
        }
    }

    #[test]
    fn mutated_valid_tokens(at in any::<prop::sample::Index>(), with_char in prop_oneof![prop::sample::select(B64URL.to_vec()), any::<u8>()], extra in any::<bool>()) {
        let f = fixture();
        for (which, token) in f.valid_tokens() {
            prop_assert!(f.verifies(which, token), "{which:?} refuses its unchanged token");
            let mut bytes = token.to_owned().into_bytes();
            let i = at.index(bytes.len());
            if extra {
                bytes.insert(i, with_char);
            } else if bytes[i] == with_char {
                continue;
            } else {
                bytes[i] = with_char;
            }
            never_verifies(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn huge_headers(size in 8 * 1024usize..400 * 1024, fill in prop::sample::select(B64URL.to_vec())) {
        // Validly signed, with the claims of either kind of token, so only the size stops them.
        let header = json!({"alg": "HS256", "typ": "JWT", "x": String::from_utf8(vec![fill; size]).unwrap()});
        for claims in [id_claims(), access_claims()] {
            let token = sign_raw(jsonwebtoken::Algorithm::HS256, &hmac(), header.to_string().as_bytes(), claims.to_string().as_bytes());
            never_verifies(&token);
        }
    }

    #[test]
    fn non_utf8_header_or_payload(junk in prop::collection::vec(any::<u8>(), 0..200), in_header in any::<bool>()) {
        let mut bad = vec![0xff];
        bad.extend(junk);
        let good_header = br#"{"alg":"HS256"}"#.to_vec();
        for claims in [id_claims(), access_claims()] {
            let good_payload = claims.to_string().into_bytes();
            let (h, p) = if in_header { (bad.clone(), good_payload) } else { (good_header.clone(), bad.clone()) };
            never_verifies(&sign_raw(jsonwebtoken::Algorithm::HS256, &hmac(), &h, &p));
        }
    }

    #[test]
    fn wrong_types_in_id_token_claims((claim, value) in id_claim_and_wrong_value(), options in any::<bool>()) {
        let mut claims = id_claims();
        claims[claim] = value;
        let f = fixture();
        let options = if options { all_options() } else { VerifyOptions::default() };
        let err = f.hmac.verify(&hs256(&claims), &options).unwrap_err();
        prop_assert!(matches!(err, TokenValidationError::InvalidClaimType { .. }), "{}", err);
        prop_assert_eq!(err.claim(), Some(claim));
    }

    #[test]
    fn wrong_types_in_access_token_claims((claim, value) in access_claim_and_wrong_value()) {
        let f = fixture();
        prop_assert!(f.verifies(For::Api, &f.hs_access));
        let mut claims = access_claims();
        claims[claim] = value;
        let err = f.api.verify(&hs256(&claims)).unwrap_err();
        prop_assert!(matches!(err, TokenValidationError::InvalidClaimType { .. }), "{}", err);
        prop_assert_eq!(err.claim(), Some(claim));
    }

    #[test]
    fn wrong_types_in_the_header(param in prop::sample::select(vec!["alg", "kid", "crit"]), value in wrong_value("string")) {
        let mut header = json!({"alg": "HS256", "kid": "key-a"});
        header[param] = value;
        for claims in [id_claims(), access_claims()] {
            let token = sign_raw(jsonwebtoken::Algorithm::HS256, &hmac(), header.to_string().as_bytes(), claims.to_string().as_bytes());
            never_verifies(&token);
        }
    }

    #[test]
    fn payloads_that_are_not_objects(value in wrong_value("string").prop_filter("not an object", |v| !v.is_object())) {
        never_verifies(&sign_raw(jsonwebtoken::Algorithm::HS256, &hmac(), br#"{"alg":"HS256"}"#, value.to_string().as_bytes()));
    }
}

#[test]
fn a_wrongly_typed_claim_in_a_validly_signed_rs256_token_fails() {
    for (claim, value) in [
        ("exp", json!("soon")),
        ("aud", json!({"a": 1})),
        ("sub", json!(null)),
    ] {
        let mut claims = id_claims();
        claims[claim] = value;
        let err = fixture()
            .rsa
            .verify(&rs256(&claims), &VerifyOptions::default())
            .unwrap_err();
        assert_eq!(err.claim(), Some(claim), "{err}");
    }
}

#[test]
fn the_fixture_tokens_do_verify() {
    let f = fixture();
    f.rsa.verify(&f.rs_token, &all_options()).unwrap();
    f.hmac.verify(&f.hs_token, &all_options()).unwrap();
    f.api.verify(&f.hs_access).unwrap();
    f.api_rsa.verify(&f.rs_access).unwrap();
    for (which, token) in f.valid_tokens() {
        assert!(f.verifies(which, token), "{which:?}");
    }
    // The same tokens with the header and claims of the other property tests verify too, so
    // that those tests' changes are what makes them fail.
    for (which, claims) in [(For::Hmac, id_claims()), (For::Api, access_claims())] {
        let token = sign_raw(
            jsonwebtoken::Algorithm::HS256,
            &hmac(),
            br#"{"alg":"HS256","kid":"key-a"}"#,
            claims.to_string().as_bytes(),
        );
        assert!(f.verifies(which, &token), "{which:?}");
    }
}
