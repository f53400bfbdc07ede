//! DPoP-bound access tokens (RFC 9449) through the layer: real ES256 and RS256 proofs, and
//! hostile ones.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_verify::dpop::{
    DpopError, DpopMode, DpopOptions, MemoryReplayCache, ProofRequest, ReplayCache as _,
    jwk_thumbprint,
};
use auth0_verify::protect::{AuthLayer, Authenticated};
use auth0_verify::{AccessTokenVerifier, SymmetricSignatureVerifier};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

use crate::common::*;

const ORIGIN: &str = "https://api.example.test";

/// A client's key pair for proofs.
struct ClientKey {
    alg: Algorithm,
    private: EncodingKey,
    public: Value,
}

impl ClientKey {
    fn es256() -> Self {
        let private = ec_p256();
        let mut public = jwk(&private, Algorithm::ES256, "unused", false);
        strip(&mut public);
        ClientKey {
            alg: Algorithm::ES256,
            private,
            public,
        }
    }

    fn rs256() -> Self {
        let private = rsa_b();
        let mut public = jwk(&private, Algorithm::RS256, "unused", false);
        strip(&mut public);
        ClientKey {
            alg: Algorithm::RS256,
            private,
            public,
        }
    }

    fn jkt(&self) -> String {
        jwk_thumbprint(self.public.as_object().unwrap()).unwrap()
    }

    /// A proof with `changes` to its header and payload (`null` removes a member).
    fn proof(&self, method: &str, htu: &str, token: &str, header: Value, payload: Value) -> String {
        let mut h =
            json!({"typ": "dpop+jwt", "alg": format!("{:?}", self.alg), "jwk": self.public});
        merge(&mut h, header);
        let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            token.as_bytes(),
        ));
        let mut p = json!({
            "jti": format!("jti-{}", random()), "htm": method, "htu": htu,
            "iat": now(), "ath": ath,
        });
        merge(&mut p, payload);
        sign_raw(
            self.alg,
            &self.private,
            h.to_string().as_bytes(),
            p.to_string().as_bytes(),
        )
    }
}

fn strip(jwk: &mut Value) {
    let o = jwk.as_object_mut().unwrap();
    for k in ["kid", "use", "alg"] {
        o.remove(k);
    }
}

fn merge(target: &mut Value, changes: Value) {
    let t: &mut Map<String, Value> = target.as_object_mut().unwrap();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            t.remove(k);
        } else {
            t.insert(k.clone(), v.clone());
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn random() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// An access token for the API, bound to `jkt` when given (real time: proofs use it too).
fn access_token(jkt: Option<&str>) -> String {
    let mut claims = with(
        access_claims(),
        json!({"iat": now() - 10, "exp": now() + 3600}),
    );
    if let Some(jkt) = jkt {
        claims["cnf"] = json!({"jkt": jkt});
    }
    hs256(&claims)
}

fn app(mode: DpopMode) -> Router {
    let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API);
    let options = DpopOptions::new().mode(mode).public_origin(ORIGIN).unwrap();
    Router::new()
        .route(
            "/private",
            get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
        )
        .layer(AuthLayer::new(verifier).dpop(options))
}

struct Answer {
    status: StatusCode,
    challenges: Vec<String>,
    body: Value,
}

async fn call(app: &Router, authorization: Option<String>, proofs: &[String]) -> Answer {
    let mut request = Request::get("/private?x=1");
    if let Some(a) = authorization {
        request = request.header(header::AUTHORIZATION, a);
    }
    for p in proofs {
        request = request.header("dpop", p);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenges = response
        .headers()
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        challenges,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

const HTU: &str = "https://api.example.test/private";

#[tokio::test]
async fn bound_tokens_with_valid_proofs_pass_es256_and_rs256() {
    let app = app(DpopMode::Allowed);
    for key in [ClientKey::es256(), ClientKey::rs256()] {
        let token = access_token(Some(&key.jkt()));
        let proof = key.proof("GET", HTU, &token, json!({}), json!({}));
        let a = call(&app, Some(format!("DPoP {token}")), &[proof]).await;
        assert_eq!(a.status, StatusCode::OK, "{:?}: {:?}", key.alg, a.body);
    }
    // Unbound bearer tokens still pass when DPoP is allowed.
    let a = call(&app, Some(format!("Bearer {}", access_token(None))), &[]).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn challenges_offer_dpop_with_its_algorithms() {
    let a = call(&app(DpopMode::Allowed), None, &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.challenges,
        [
            "Bearer realm=\"api\"".to_owned(),
            "DPoP realm=\"api\", algs=\"ES256 ES384 RS256 PS256\"".to_owned()
        ]
    );
    let a = call(&app(DpopMode::Required), None, &[]).await;
    assert_eq!(
        a.challenges,
        ["DPoP realm=\"api\", algs=\"ES256 ES384 RS256 PS256\""]
    );
    let a = call(&app(DpopMode::Disabled), None, &[]).await;
    assert_eq!(a.challenges, ["Bearer realm=\"api\""]);
}

#[tokio::test]
async fn modes_and_bindings() {
    let key = ClientKey::es256();
    let bound = access_token(Some(&key.jkt()));
    let unbound = access_token(None);

    // A bound token presented as Bearer is refused, in every mode.
    for mode in [DpopMode::Allowed, DpopMode::Disabled] {
        let a = call(&app(mode), Some(format!("Bearer {bound}")), &[]).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{mode:?}");
        assert_eq!(a.body["error"], "invalid_token");
    }
    // Required: a bearer token is refused, on the DPoP challenge.
    let a = call(
        &app(DpopMode::Required),
        Some(format!("Bearer {unbound}")),
        &[],
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.challenges[0].starts_with("DPoP ") && a.challenges[0].contains("invalid_token"));
    // Disabled: the DPoP scheme is not understood (a challenge without error).
    let proof = key.proof("GET", HTU, &bound, json!({}), json!({}));
    let a = call(
        &app(DpopMode::Disabled),
        Some(format!("DPoP {bound}")),
        &[proof],
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.challenges, ["Bearer realm=\"api\""]);
    // An unbound token with the DPoP scheme.
    let proof = key.proof("GET", HTU, &unbound, json!({}), json!({}));
    let a = call(
        &app(DpopMode::Allowed),
        Some(format!("DPoP {unbound}")),
        &[proof],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_token");
    // A token bound to another key than the proof's.
    let other = ClientKey::rs256();
    let proof = other.proof("GET", HTU, &bound, json!({}), json!({}));
    let a = call(
        &app(DpopMode::Allowed),
        Some(format!("DPoP {bound}")),
        &[proof],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_token");
    assert!(
        a.challenges[1].contains("error=\"invalid_token\""),
        "{:?}",
        a.challenges
    );
}

/// The DPoP rules with the token also taken from a cookie: only the `Authorization` header
/// carries DPoP-bound tokens.
#[tokio::test]
async fn tokens_from_a_cookie_are_bearer_tokens() {
    use auth0_verify::protect::TokenSource;
    let app = |mode: DpopMode| {
        let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API);
        let options = DpopOptions::new().mode(mode).public_origin(ORIGIN).unwrap();
        let source = TokenSource::cookie("at").or(TokenSource::authorization());
        Router::new()
            .route("/private", get(|| async { "ok" }))
            .layer(AuthLayer::new(verifier).dpop(options).token_from(source))
    };
    let cookie_call = |app: Router, token: String, proof: Option<String>| async move {
        let mut request = Request::get("/private").header(header::COOKIE, format!("at={token}"));
        if let Some(proof) = proof {
            request = request.header("dpop", proof);
        }
        let response = app
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
        )
    };
    let key = ClientKey::es256();
    let bound = access_token(Some(&key.jkt()));
    let unbound = access_token(None);

    let (status, _) = cookie_call(app(DpopMode::Allowed), unbound.clone(), None).await;
    assert_eq!(status, StatusCode::OK);
    // A bound token in a cookie is refused, its proof or not.
    let proof = key.proof("GET", HTU, &bound, json!({}), json!({}));
    for proof in [None, Some(proof)] {
        let (status, body) = cookie_call(app(DpopMode::Allowed), bound.clone(), proof).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "invalid_token");
    }
    // DPoP required: nothing from a cookie passes.
    let (status, body) = cookie_call(app(DpopMode::Required), unbound, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    // The header form still takes the bound token with its proof.
    let proof = key.proof("GET", HTU, &bound, json!({}), json!({}));
    let a = call(
        &app(DpopMode::Required),
        Some(format!("DPoP {bound}")),
        &[proof],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
}

#[tokio::test]
async fn hostile_proofs_are_refused() {
    let app = app(DpopMode::Allowed);
    let key = ClientKey::es256();
    let token = access_token(Some(&key.jkt()));
    let auth = || Some(format!("DPoP {token}"));
    let mut private_jwk = key.public.clone();
    private_jwk["d"] = json!("AAAA");
    let cases: Vec<(&str, String)> = vec![
        (
            "typ",
            key.proof("GET", HTU, &token, json!({"typ": "JWT"}), json!({})),
        ),
        (
            "no typ",
            key.proof("GET", HTU, &token, json!({"typ": null}), json!({})),
        ),
        ("alg none", {
            let h = json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.public});
            let p = json!({"jti": "x", "htm": "GET", "htu": HTU, "iat": now()});
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(h.to_string()),
                URL_SAFE_NO_PAD.encode(p.to_string())
            )
        }),
        ("HS256", {
            let h =
                json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": {"kty": "oct", "k": "c2VjcmV0"}});
            sign_raw(Algorithm::HS256, &hmac(), h.to_string().as_bytes(), b"{}")
        }),
        (
            "private jwk",
            key.proof("GET", HTU, &token, json!({"jwk": private_jwk}), json!({})),
        ),
        (
            "no jwk",
            key.proof("GET", HTU, &token, json!({"jwk": null}), json!({})),
        ),
        ("htm", key.proof("POST", HTU, &token, json!({}), json!({}))),
        (
            "htu host",
            key.proof(
                "GET",
                "https://evil.example/private",
                &token,
                json!({}),
                json!({}),
            ),
        ),
        (
            "htu path",
            key.proof(
                "GET",
                "https://api.example.test/other",
                &token,
                json!({}),
                json!({}),
            ),
        ),
        (
            "iat old",
            key.proof("GET", HTU, &token, json!({}), json!({"iat": now() - 3600})),
        ),
        (
            "iat future",
            key.proof("GET", HTU, &token, json!({}), json!({"iat": now() + 3600})),
        ),
        (
            "no iat",
            key.proof("GET", HTU, &token, json!({}), json!({"iat": null})),
        ),
        (
            "ath",
            key.proof("GET", HTU, &token, json!({}), json!({"ath": "AAAA"})),
        ),
        (
            "no ath",
            key.proof("GET", HTU, &token, json!({}), json!({"ath": null})),
        ),
        (
            "no jti",
            key.proof("GET", HTU, &token, json!({}), json!({"jti": null})),
        ),
        ("bad signature", {
            let p = key.proof("GET", HTU, &token, json!({}), json!({}));
            let (head, _) = p.rsplit_once('.').unwrap();
            format!("{head}.{}", URL_SAFE_NO_PAD.encode([7u8; 64]))
        }),
        ("signed by another key", {
            let other = ClientKey::es256();
            let mut p = other.proof("GET", HTU, &token, json!({}), json!({}));
            // Claim the bound key, sign with a different one (an RSA key, here).
            let h = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.public});
            let (_, rest) = p.split_once('.').unwrap();
            p = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(h.to_string()));
            let (head, _) = p.rsplit_once('.').unwrap();
            let sig =
                jsonwebtoken::crypto::sign(head.as_bytes(), &rsa_a(), Algorithm::RS256).unwrap();
            format!("{head}.{sig}")
        }),
        ("garbage", "not.a.proof".to_owned()),
    ];
    for (what, proof) in cases {
        let a = call(&app, auth(), &[proof]).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what}: {:?}", a.body);
        assert_eq!(a.body["error"], "invalid_dpop_proof", "{what}");
        assert!(
            a.challenges[1].starts_with("DPoP ") && a.challenges[1].contains("invalid_dpop_proof"),
            "{what}"
        );
    }
    // No proof, or two.
    let a = call(&app, auth(), &[]).await;
    assert_eq!(a.body["error"], "invalid_dpop_proof");
    let p1 = key.proof("GET", HTU, &token, json!({}), json!({}));
    let p2 = key.proof("GET", HTU, &token, json!({}), json!({}));
    let a = call(&app, auth(), &[p1, p2]).await;
    assert_eq!(a.body["error"], "invalid_dpop_proof");
}

#[tokio::test]
async fn a_proof_is_accepted_once() {
    let app = app(DpopMode::Allowed);
    let key = ClientKey::es256();
    let token = access_token(Some(&key.jkt()));
    let proof = key.proof("GET", HTU, &token, json!({}), json!({}));
    let first = call(
        &app,
        Some(format!("DPoP {token}")),
        std::slice::from_ref(&proof),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    let again = call(&app, Some(format!("DPoP {token}")), &[proof]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.body["error"], "invalid_dpop_proof");
}

#[tokio::test]
async fn without_a_public_origin_the_host_header_names_the_uri() {
    let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API);
    let app: Router = Router::new()
        .route("/private", get(|| async { "ok" }))
        .layer(AuthLayer::new(verifier));
    let key = ClientKey::es256();
    let token = access_token(Some(&key.jkt()));
    let proof = key.proof(
        "GET",
        "http://localhost:3010/private",
        &token,
        json!({}),
        json!({}),
    );
    let request = Request::get("/private")
        .header(header::HOST, "localhost:3010")
        .header(header::AUTHORIZATION, format!("DPoP {token}"))
        .header("dpop", proof)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// The request of `proof` for `token`, bound to `key`.
fn proof_request<'a>(proof: &'a str, token: &'a str, jkt: &'a str) -> ProofRequest<'a> {
    ProofRequest {
        proof,
        method: "GET",
        htu: HTU,
        access_token: token,
        jkt,
    }
}

#[tokio::test]
async fn a_full_replay_cache_refuses_proofs_rather_than_forget_one() {
    const CAPACITY: usize = 8;
    let options = DpopOptions::new().replay_cache(MemoryReplayCache::new(CAPACITY));
    let victim = ClientKey::es256();
    let (victim_token, victim_jkt) = (access_token(Some(&victim.jkt())), victim.jkt());
    let proof = victim.proof("GET", HTU, &victim_token, json!({}), json!({}));
    options
        .verify_proof(proof_request(&proof, &victim_token, &victim_jkt))
        .await
        .unwrap();

    // Someone with a bound token of their own sends more proofs than the cache holds, dated
    // ahead so that each is remembered longer than the victim's.
    let attacker = ClientKey::rs256();
    let (token, jkt) = (access_token(Some(&attacker.jkt())), attacker.jkt());
    let mut accepted = 0;
    for _ in 0..CAPACITY + 2 {
        let flood = attacker.proof("GET", HTU, &token, json!({}), json!({"iat": now() + 20}));
        if options
            .verify_proof(proof_request(&flood, &token, &jkt))
            .await
            .is_ok()
        {
            accepted += 1;
        }
    }
    assert_eq!(accepted, CAPACITY - 1, "only what the cache can remember");

    // The victim's proof is still remembered: replayed, it is refused.
    let err = options
        .verify_proof(proof_request(&proof, &victim_token, &victim_jkt))
        .await
        .unwrap_err();
    assert!(matches!(err, DpopError::Proof(_)), "{err}");
    // While the cache is full of live proofs, a new one cannot be remembered, so it is
    // refused too.
    let fresh = victim.proof("GET", HTU, &victim_token, json!({}), json!({}));
    assert!(
        options
            .verify_proof(proof_request(&fresh, &victim_token, &victim_jkt))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_memory_replay_cache_never_forgets_a_live_key_when_full() {
    let cache = MemoryReplayCache::new(2);
    let soon = SystemTime::now() + Duration::from_secs(60);
    let later = soon + Duration::from_secs(600);
    assert!(cache.first_use("victim", soon).await);
    assert!(cache.first_use("other", later).await);
    assert!(!cache.first_use("third", later).await, "full: refused");
    assert!(!cache.first_use("victim", soon).await, "still remembered");
    assert!(!cache.first_use("other", later).await, "still remembered");
}

#[tokio::test]
async fn a_proof_is_accepted_once_to_the_end_of_its_last_second() {
    // No leeway and a one-second window: a proof dated a second ago is accepted until the end
    // of this second, and must be remembered that long, not until the second began.
    let options = DpopOptions::new()
        .max_age(Duration::from_secs(1))
        .leeway(Duration::ZERO);
    let key = ClientKey::es256();
    let (token, jkt) = (access_token(Some(&key.jkt())), key.jkt());
    let mut tried = 0;
    loop {
        tried += 1;
        let proof = key.proof("GET", HTU, &token, json!({}), json!({"iat": now() - 1}));
        if let Err(e) = options
            .verify_proof(proof_request(&proof, &token, &jkt))
            .await
        {
            // The second ended between signing and checking: try again.
            assert!(e.to_string().contains("too old") && tried < 10, "{e}");
            continue;
        }
        let err = options
            .verify_proof(proof_request(&proof, &token, &jkt))
            .await
            .unwrap_err();
        if err.to_string().contains("too old") && tried < 10 {
            continue;
        }
        assert!(err.to_string().contains("used before"), "{err}");
        break;
    }
}

#[tokio::test]
async fn the_longest_windows_check_proofs_without_panicking() {
    let key = ClientKey::es256();
    let (token, jkt) = (access_token(Some(&key.jkt())), key.jkt());
    for options in [
        DpopOptions::new().max_age(Duration::MAX),
        DpopOptions::new().leeway(Duration::MAX),
        DpopOptions::new()
            .max_age(Duration::MAX)
            .leeway(Duration::MAX),
    ] {
        let proof = key.proof("GET", HTU, &token, json!({}), json!({}));
        options
            .verify_proof(proof_request(&proof, &token, &jkt))
            .await
            .unwrap();
        assert!(
            options
                .verify_proof(proof_request(&proof, &token, &jkt))
                .await
                .is_err(),
            "{options:?}: a replay"
        );
        let proof = key.proof("POST", HTU, "", json!({}), json!({"ath": null}));
        let thumbprint = options
            .verify_token_request_proof(&proof, "POST", HTU)
            .await
            .unwrap();
        assert_eq!(thumbprint, jkt);
        assert!(
            options
                .verify_token_request_proof(&proof, "POST", HTU)
                .await
                .is_err()
        );
    }
    // An unbounded age takes proofs from long ago, and still only once.
    let options = DpopOptions::new().max_age(Duration::MAX);
    let old = key.proof("GET", HTU, &token, json!({}), json!({"iat": 1}));
    options
        .verify_proof(proof_request(&old, &token, &jkt))
        .await
        .unwrap();
    assert!(
        options
            .verify_proof(proof_request(&old, &token, &jkt))
            .await
            .is_err()
    );
    // An unbounded leeway takes proofs from far ahead, and still only once.
    let options = DpopOptions::new().leeway(Duration::MAX);
    let ahead = key.proof("GET", HTU, &token, json!({}), json!({"iat": i64::MAX}));
    options
        .verify_proof(proof_request(&ahead, &token, &jkt))
        .await
        .unwrap();
    assert!(
        options
            .verify_proof(proof_request(&ahead, &token, &jkt))
            .await
            .is_err()
    );
}

mod mutations {
    //! Any change to a valid proof makes it fail, never panic, and never pass.

    use super::*;
    use proptest::prelude::*;

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        RT.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        })
    }

    fn fixture() -> &'static (ClientKey, String, String) {
        static F: std::sync::OnceLock<(ClientKey, String, String)> = std::sync::OnceLock::new();
        F.get_or_init(|| {
            let key = ClientKey::es256();
            let token = access_token(Some(&key.jkt()));
            let jkt = key.jkt();
            (key, token, jkt)
        })
    }

    /// The bytes of each part of a compact JWS, read by a decoder that ignores the unused
    /// bits of a part's last character.
    fn decoded_parts(jws: &str) -> Option<Vec<Vec<u8>>> {
        use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
        let lenient = GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::RequireNone)
                .with_decode_allow_trailing_bits(true),
        );
        let parts: Vec<&str> = jws.split('.').collect();
        if parts.len() != 3 {
            return None;
        }
        parts.iter().map(|p| lenient.decode(p).ok()).collect()
    }

    #[test]
    fn only_unused_bits_decode_to_the_same_bytes() {
        let (key, token, _) = fixture();
        let proof = key.proof("GET", HTU, token, json!({}), json!({}));
        let original = decoded_parts(&proof).unwrap();
        // An ES256 signature is 64 bytes: 86 characters, the last one's low 4 bits unused.
        let last = *proof.as_bytes().last().unwrap();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let value = alphabet.iter().position(|c| *c == last).unwrap();
        let twin = alphabet[value ^ 1] as char;
        let other = alphabet[value ^ 0b10000] as char;
        let with_last = |c: char| format!("{}{c}", &proof[..proof.len() - 1]);
        assert_eq!(decoded_parts(&with_last(twin)), Some(original.clone()));
        assert_ne!(decoded_parts(&with_last(other)), Some(original));
        // The verifier itself takes neither.
        assert!(!check(&with_last(twin)) && !check(&with_last(other)));
    }

    fn check(proof: &str) -> bool {
        let (_, token, jkt) = fixture();
        // A fresh cache each time: a mutation must fail on its own merits, not as a replay.
        let options = DpopOptions::new();
        runtime()
            .block_on(options.verify_proof(ProofRequest {
                proof,
                method: "GET",
                htu: HTU,
                access_token: token,
                jkt,
            }))
            .is_ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn a_changed_byte_never_verifies(at in 0usize..2000, with in any::<u8>()) {
            let (key, token, _) = fixture();
            let proof = key.proof("GET", HTU, token, json!({}), json!({}));
            prop_assert!(check(&proof), "the unchanged proof verifies");
            let mut bytes = proof.clone().into_bytes();
            let at = at % bytes.len();
            prop_assume!(bytes[at] != with);
            bytes[at] = with;
            let changed = String::from_utf8_lossy(&bytes).into_owned();
            // Only a change that decodes to the very same bytes (a part's last character
            // differing in the bits base64url leaves unused) may be excused.
            let same_bytes = decoded_parts(&changed).is_some_and(|c| Some(c) == decoded_parts(&proof));
            prop_assert!(same_bytes || !check(&changed), "{changed}");
        }

        #[test]
        fn arbitrary_claims_never_panic(value in "\\PC{0,40}", number in any::<i64>()) {
            let (key, token, _) = fixture();
            for payload in [
                json!({"htm": value.clone()}), json!({"htu": value.clone()}),
                json!({"iat": number}), json!({"jti": value.clone()}), json!({"ath": value.clone()}),
                json!({"iat": value.clone()}),
            ] {
                let proof = key.proof("GET", HTU, token, json!({}), payload);
                let _ = check(&proof);
            }
            for header in [json!({"alg": value.clone()}), json!({"typ": number}), json!({"jwk": value.clone()})] {
                let proof = key.proof("GET", HTU, token, header, json!({}));
                prop_assert!(!check(&proof));
            }
        }
    }
}

/// A replay cache that answers as a fresh one and records how long it is asked to remember.
#[derive(Clone, Default)]
struct RecordingCache(std::sync::Arc<std::sync::Mutex<Vec<SystemTime>>>);

impl auth0_verify::dpop::ReplayCache for RecordingCache {
    fn first_use(&self, _key: &str, until: SystemTime) -> auth0_verify::dpop::ReplayFuture<'_> {
        self.0.lock().unwrap().push(until);
        Box::pin(std::future::ready(true))
    }
}

#[tokio::test]
async fn clones_sharing_a_replay_cache_remember_proofs_for_the_longest_window_of_them() {
    // A strict options and a clone accepting older proofs share one replay cache: a proof
    // accepted by the strict one must be remembered for as long as the lenient one would
    // still accept it, or it could be replayed to the lenient one once the strict one forgot.
    let cache = RecordingCache::default();
    let strict = DpopOptions::new()
        .max_age(Duration::from_secs(10))
        .leeway(Duration::ZERO)
        .replay_cache(cache.clone());
    let _lenient = strict.clone().max_age(Duration::from_secs(600));
    let key = ClientKey::es256();
    let (token, jkt) = (access_token(Some(&key.jkt())), key.jkt());
    let iat = now();
    let proof = key.proof("GET", HTU, &token, json!({}), json!({"iat": iat}));
    strict
        .verify_proof(proof_request(&proof, &token, &jkt))
        .await
        .unwrap();
    let until = cache.0.lock().unwrap()[0];
    let remembered = until.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(
        remembered >= u64::try_from(iat).unwrap() + 600,
        "remembered until {remembered}, iat {iat}: shorter than the lenient clone's window"
    );

    // A replay cache of its own starts from the options' own window.
    let own = RecordingCache::default();
    let alone = strict.clone().replay_cache(own.clone());
    let proof = key.proof("GET", HTU, &token, json!({}), json!({"iat": iat}));
    alone
        .verify_proof(proof_request(&proof, &token, &jkt))
        .await
        .unwrap();
    let remembered = own.0.lock().unwrap()[0]
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        remembered < u64::try_from(iat).unwrap() + 600,
        "{remembered}"
    );
}
