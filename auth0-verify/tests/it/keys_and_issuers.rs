//! Where keys and issuers come from: keys given as text (PEM, JWK, JWKS), an issuer by its URL
//! alone (its discovery document on 127.0.0.1), issuers chosen per request by a function with
//! a bounded table of key caches, a saved key set reused without a request, and the
//! `Cache-Control: max-age` of the JWKS answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth0_http::ManualClock;
use auth0_verify::protect::{AuthLayer, Authenticated};
use auth0_verify::{
    AccessTokenVerifier, Algorithm, AsymmetricSignatureVerifier, IssuerResolver, JwksError,
    TokenValidationError,
};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const DISCOVERY: &str = "/.well-known/openid-configuration";
const JWKS: &str = "/.well-known/jwks.json";

/// An authorization server on 127.0.0.1: its discovery document and its JWKS.
struct Tenant {
    server: MockServer,
    issuer: String,
}

impl Tenant {
    /// Serves `keys`, and a discovery document naming `document` (its own issuer and JWKS
    /// URL, with `changes` applied).
    async fn start(keys: &[Value], changes: Value) -> Self {
        let server = MockServer::start().await;
        let issuer = format!("{}/", server.uri());
        let document = with(
            json!({"issuer": issuer, "jwks_uri": format!("{}{JWKS}", server.uri())}),
            changes,
        );
        Mock::given(method("GET"))
            .and(path(DISCOVERY))
            .respond_with(ResponseTemplate::new(200).set_body_json(document))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(JWKS))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks(keys)))
            .mount(&server)
            .await;
        Tenant { server, issuer }
    }

    /// How many requests for `path` it has received.
    async fn hits(&self, path: &str) -> usize {
        let requests = self.server.received_requests().await.unwrap_or_default();
        requests.iter().filter(|r| r.url.path() == path).count()
    }

    /// An access token of this tenant's, signed by `key` (`"a"` or `"b"`).
    fn token(&self, key: &str) -> String {
        let claims = with(access_claims(), json!({"iss": self.issuer}));
        match key {
            "a" => rs256(&claims),
            _ => sign(
                jsonwebtoken::Algorithm::RS256,
                Some("key-b"),
                &rsa_b(),
                &claims,
            ),
        }
    }
}

async fn verifies(verifier: &AccessTokenVerifier, token: &str) -> Result<(), TokenValidationError> {
    verifier.verify(token).await.map(|_| ())
}

fn invalid_keys(result: Result<AsymmetricSignatureVerifier, JwksError>) -> String {
    match result {
        Err(e @ JwksError::InvalidKeys { .. }) => e.to_string(),
        Err(other) => panic!("another error: {other}"),
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

#[tokio::test]
async fn keys_given_as_text_verify_without_any_request() {
    let rsa_pem = std::str::from_utf8(RSA_A_PUBLIC).unwrap();
    let access = |keys: AsymmetricSignatureVerifier| {
        AccessTokenVerifier::new(keys, ISS, API).with_clock(clock)
    };

    // A PEM public key: RSA (RS256), EC P-256 (ES256), an RSA certificate.
    let v = access(AsymmetricSignatureVerifier::from_pem(rsa_pem).unwrap());
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    let err = verifies(&v, &es256(&access_claims())).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnsupportedAlgorithm { .. }),
        "{err}"
    );
    let tampered = format!("{}x", rs256(&access_claims()));
    let err = verifies(&v, &tampered).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::InvalidSignature { .. }),
        "{err}"
    );

    let v = access(AsymmetricSignatureVerifier::from_pem(EC_P256_PUBLIC).unwrap());
    verifies(&v, &es256(&access_claims())).await.unwrap();
    let err = verifies(&v, &rs256(&access_claims())).await.unwrap_err();
    assert!(
        matches!(err, TokenValidationError::UnsupportedAlgorithm { .. }),
        "{err}"
    );

    let v = access(AsymmetricSignatureVerifier::from_pem(RSA_B_CERT).unwrap());
    let token_b = sign(
        jsonwebtoken::Algorithm::RS256,
        None,
        &rsa_b(),
        &access_claims(),
    );
    verifies(&v, &token_b).await.unwrap();
    // The key is RSA A's no more: a token of A's is refused.
    assert!(verifies(&v, &rs256(&access_claims())).await.is_err());

    // A JWK, and a JWKS with an RSA and an EC key: each algorithm its key's.
    let v = access(AsymmetricSignatureVerifier::from_jwk(&rsa_a_jwk().to_string()).unwrap());
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    let set = jwks(&[rsa_a_jwk(), ec_jwk()]).to_string();
    let keys = AsymmetricSignatureVerifier::from_jwks(&set).unwrap();
    assert_eq!(keys.jwks_document().as_deref(), Some(set.as_str()));
    keys.refresh().await.unwrap();
    let v = access(keys.clone());
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    verifies(&v, &es256(&access_claims())).await.unwrap();
    // Another algorithm set: the keys are read again under it.
    let v = access(keys.algorithms([Algorithm::ES256]));
    verifies(&v, &es256(&access_claims())).await.unwrap();
    assert!(verifies(&v, &rs256(&access_claims())).await.is_err());

    // Through the layer.
    let app = Router::new()
        .route(
            "/private",
            get(|who: Authenticated| async move { who.iss.clone() }),
        )
        .layer(AuthLayer::new(access(
            AsymmetricSignatureVerifier::from_pem(EC_P256_PUBLIC).unwrap(),
        )));
    let a = get_with(&app, "/private", Some(&es256(&access_claims()))).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, ISS));

    // At most 100 usable keys of a set are kept.
    let many: Vec<Value> = (0..101)
        .map(|n| with(rsa_a_jwk(), json!({"kid": format!("k{n}")})))
        .collect();
    let v = access(AsymmetricSignatureVerifier::from_jwks(&jwks(&many).to_string()).unwrap());
    let signed_as = |kid: &str| {
        sign(
            jsonwebtoken::Algorithm::RS256,
            Some(kid),
            &rsa_a(),
            &access_claims(),
        )
    };
    verifies(&v, &signed_as("k99")).await.unwrap();
    let err = verifies(&v, &signed_as("k100")).await.unwrap_err();
    assert!(
        matches!(&err, TokenValidationError::UnusableKey { reason, .. } if reason.contains("more than 100")),
        "{err}"
    );

    // What cannot be used is a typed error naming why, at once.
    let private = std::str::from_utf8(RSA_A).unwrap();
    assert!(invalid_keys(AsymmetricSignatureVerifier::from_pem(private)).contains("private key"));
    let small = include_str!("../fixtures/rsa_1024.cert.pem");
    assert!(invalid_keys(AsymmetricSignatureVerifier::from_pem(small)).contains("2048 bits"));
    for junk in [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ] {
        invalid_keys(AsymmetricSignatureVerifier::from_pem(junk));
    }
    for junk in [
        "",
        "[]",
        "{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}",
        "{\"kty\": \"RSA\"}",
    ] {
        invalid_keys(AsymmetricSignatureVerifier::from_jwk(junk));
    }
    for junk in ["{}", "{\"keys\": {}}", "{\"keys\": []}", "null"] {
        invalid_keys(AsymmetricSignatureVerifier::from_jwks(junk));
    }
}

#[tokio::test]
async fn an_issuer_given_by_its_url_alone() {
    let tenant = Tenant::start(&[rsa_a_jwk()], json!({})).await;
    let v = AccessTokenVerifier::from_issuer(&tenant.issuer, API).with_clock(clock);
    for _ in 0..3 {
        verifies(&v, &tenant.token("a")).await.unwrap();
    }
    assert_eq!(
        (tenant.hits(DISCOVERY).await, tenant.hits(JWKS).await),
        (1, 1),
        "the document and the keys are read once"
    );
    // Its `iss` is still checked against the issuer.
    let other = with(
        access_claims(),
        json!({"iss": "https://elsewhere.example/"}),
    );
    let err = verifies(&v, &rs256(&other)).await.unwrap_err();
    assert_eq!(err.claim(), Some("iss"));

    // A document that is not the issuer's own, or names no usable key set.
    let cases = [
        (
            json!({"issuer": "https://impostor.example/"}),
            "expected `issuer`",
        ),
        (json!({"issuer": null}), "expected `issuer`"),
        (
            json!({"jwks_uri": null}),
            "expected a `jwks_uri` string, found none",
        ),
        (
            json!({"jwks_uri": 42}),
            "expected a `jwks_uri` string, found number 42",
        ),
        (
            json!({"jwks_uri": "http://keys.example/jwks.json"}),
            "over https",
        ),
        (json!({"jwks_uri": "not a url"}), "not a URL"),
    ];
    for (changes, reason) in cases {
        let tenant = Tenant::start(&[rsa_a_jwk()], changes.clone()).await;
        let v = AccessTokenVerifier::from_issuer(&tenant.issuer, API).with_clock(clock);
        let err = verifies(&v, &tenant.token("a")).await.unwrap_err();
        let TokenValidationError::Jwks(jwks) = &err else {
            panic!("{changes}: {err}");
        };
        assert!(
            matches!(**jwks, JwksError::Discovery { .. }),
            "{changes}: {jwks}"
        );
        assert!(jwks.to_string().contains(reason), "{changes}: {jwks}");
        assert!(jwks.to_string().contains(DISCOVERY), "{jwks}");
        assert_eq!(tenant.hits(JWKS).await, 0, "{changes}: no key fetched");
    }

    // No document: the discovery request's failure.
    let server = MockServer::start().await;
    let issuer = format!("{}/", server.uri());
    let v = AccessTokenVerifier::from_issuer(&issuer, API).with_clock(clock);
    let err = verifies(&v, &rs256(&with(access_claims(), json!({"iss": issuer}))))
        .await
        .unwrap_err();
    let TokenValidationError::Jwks(jwks) = &err else {
        panic!("{err}");
    };
    assert_eq!(jwks.status(), Some(404), "{jwks}");
    // Behind the layer, keys that cannot be had are the API's problem: 503.
    let app = Router::new()
        .route("/private", get(|| async { "ok" }))
        .layer(AuthLayer::new(v));
    let token = rs256(&with(access_claims(), json!({"iss": issuer})));
    let a = get_with(&app, "/private", Some(&token)).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// A resolver accepting `allowed` issuers (by discovery), counting its calls.
fn resolver(allowed: Vec<String>) -> (IssuerResolver, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let resolver = IssuerResolver::new(move |issuer: &str| {
        counted.fetch_add(1, Ordering::SeqCst);
        allowed
            .iter()
            .any(|a| a == issuer)
            .then(|| AsymmetricSignatureVerifier::discover(issuer))
    });
    (resolver, calls)
}

async fn host_call(app: &Router, host: &str, token: &str) -> Answer {
    let request = Request::get("/private")
        .header("host", host)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

#[tokio::test]
async fn issuers_chosen_per_request_by_the_host() {
    let a = Tenant::start(&[rsa_a_jwk()], json!({})).await;
    let b = Tenant::start(&[rsa_b_jwk()], json!({})).await;
    let stranger = Tenant::start(&[rsa_a_jwk()], json!({})).await;
    let (resolver, _) = resolver(vec![a.issuer.clone(), b.issuer.clone()]);
    let verifier = AccessTokenVerifier::with_resolver(resolver, API)
        .with_clock(clock)
        .cache(100);
    let hosts = HashMap::from([
        ("a.api.test".to_owned(), a.issuer.clone()),
        ("b.api.test".to_owned(), b.issuer.clone()),
        ("c.api.test".to_owned(), stranger.issuer.clone()),
    ]);
    let layer = AuthLayer::new(verifier.clone()).issuer_from(move |parts| {
        let host = parts.headers.get("host")?.to_str().ok()?;
        hosts.get(host).cloned()
    });
    let app = Router::new()
        .route(
            "/private",
            get(|who: Authenticated| async move { who.iss.clone() }),
        )
        .layer(layer);

    let answer = host_call(&app, "a.api.test", &a.token("a")).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, a.issuer.as_str())
    );
    let answer = host_call(&app, "b.api.test", &b.token("b")).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, b.issuer.as_str())
    );
    // A valid (and cached) token of one tenant is not one of another's.
    host_call(&app, "b.api.test", &a.token("a"))
        .await
        .assert_invalid_token(&[&a.issuer, &b.issuer]);
    // A host that names no tenant, or a tenant the resolver does not accept.
    host_call(&app, "unknown.api.test", &a.token("a"))
        .await
        .assert_invalid_token(&[]);
    host_call(&app, "c.api.test", &stranger.token("a"))
        .await
        .assert_invalid_token(&[&stranger.issuer]);
    assert_eq!(
        stranger.server.received_requests().await.unwrap().len(),
        0,
        "nothing is fetched from an issuer that is not accepted"
    );
    // Each tenant's keys were fetched once, through its discovery document.
    for tenant in [&a, &b] {
        assert_eq!(
            (tenant.hits(DISCOVERY).await, tenant.hits(JWKS).await),
            (1, 1)
        );
    }

    // Without the layer: the same rule for a caller that knows the request's issuer.
    let err = verifier
        .verify_for_issuer(&a.token("a"), &b.issuer)
        .await
        .unwrap_err();
    assert_eq!(err.claim(), Some("iss"));
    verifier
        .verify_for_issuer(&a.token("a"), &a.issuer)
        .await
        .unwrap();
    // And without a request's issuer, the token's own `iss` chooses among those accepted.
    verifier.verify(&b.token("b")).await.unwrap();
    let err = verifier.verify(&stranger.token("a")).await.unwrap_err();
    assert_eq!(err.claim(), Some("iss"));
    assert_eq!(stranger.server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn the_resolver_keeps_a_bounded_number_of_issuers() {
    let a = Tenant::start(&[rsa_a_jwk()], json!({})).await;
    let b = Tenant::start(&[rsa_b_jwk()], json!({})).await;
    let issuers = vec![a.issuer.clone(), b.issuer.clone()];

    // Room for both: each resolved once, its keys fetched once.
    let (resolver, calls) = resolver(issuers.clone());
    let v = AccessTokenVerifier::with_resolver(resolver.clone(), API).with_clock(clock);
    for token in [a.token("a"), b.token("b"), a.token("a"), b.token("b")] {
        verifies(&v, &token).await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(resolver.len(), 2);
    assert_eq!(a.hits(JWKS).await, 1);

    // Room for one: the issuer used longest ago leaves, with its key cache.
    let (resolver, calls) = resolver_with_capacity(issuers, 1);
    let v = AccessTokenVerifier::with_resolver(resolver.clone(), API).with_clock(clock);
    for token in [a.token("a"), b.token("b"), a.token("a")] {
        verifies(&v, &token).await.unwrap();
        assert_eq!(resolver.len(), 1);
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "resolved again after it left"
    );
    assert_eq!(a.hits(JWKS).await, 1 + 2, "and its keys fetched again");

    // Refusals are not kept: an unknown issuer never takes a known one's place.
    let (resolver, calls) = resolver_with_capacity(vec![a.issuer.clone()], 1);
    let v = AccessTokenVerifier::with_resolver(resolver.clone(), API).with_clock(clock);
    verifies(&v, &a.token("a")).await.unwrap();
    for n in 0..5 {
        let forged = with(
            access_claims(),
            json!({"iss": format!("https://x{n}.example/")}),
        );
        assert!(verifies(&v, &rs256(&forged)).await.is_err());
    }
    verifies(&v, &a.token("a")).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1 + 5);
    assert_eq!(resolver.len(), 1);
}

fn resolver_with_capacity(
    allowed: Vec<String>,
    capacity: usize,
) -> (IssuerResolver, Arc<AtomicUsize>) {
    let (resolver, calls) = resolver(allowed);
    (resolver.capacity(capacity), calls)
}

#[tokio::test]
async fn a_saved_key_set_is_reused_without_a_request() {
    // One process fetches the keys and saves what it fetched.
    let (first, url) = jwks_server(jwks(&[rsa_a_jwk()])).await;
    let keys = AsymmetricSignatureVerifier::new(url);
    assert_eq!(keys.jwks_document(), None, "nothing fetched yet");
    keys.refresh().await.unwrap();
    let saved = keys.jwks_document().unwrap();
    assert_eq!(hits(&first).await, 1);

    // The next one starts with the saved copy and makes no request for known keys.
    let next = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JWKS))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[rsa_a_jwk(), rsa_b_jwk()])))
        .mount(&next)
        .await;
    let keys = AsymmetricSignatureVerifier::new(jwks_url(&next));
    keys.load_jwks(&saved).unwrap();
    let v = AccessTokenVerifier::new(keys.clone(), ISS, API).with_clock(clock);
    for _ in 0..3 {
        verifies(&v, &rs256(&access_claims())).await.unwrap();
    }
    assert_eq!(hits(&next).await, 0, "a cold start without a request");

    // A bad copy is refused and changes nothing.
    let err = keys
        .load_jwks("{\"keys\": [{\"kty\": \"oct\"}]}")
        .unwrap_err();
    assert!(matches!(err, JwksError::InvalidKeys { .. }), "{err}");
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    assert_eq!(hits(&next).await, 0);

    // A key the copy lacks (rotated since) is fetched as usual.
    let token_b = sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-b"),
        &rsa_b(),
        &access_claims(),
    );
    verifies(&v, &token_b).await.unwrap();
    assert_eq!(hits(&next).await, 1);
    assert!(keys.jwks_document().unwrap().contains("key-b"));
}

/// After how long the key set is fetched again, the answer carrying `cache_control`.
async fn kept_for(
    cache_control: Option<&str>,
    configure: impl FnOnce(AsymmetricSignatureVerifier) -> AsymmetricSignatureVerifier,
    expected: Duration,
) {
    let server = MockServer::start().await;
    let mut answer = ResponseTemplate::new(200).set_body_json(jwks(&[rsa_a_jwk()]));
    if let Some(value) = cache_control {
        answer = answer.insert_header("cache-control", value);
    }
    Mock::given(method("GET"))
        .and(path(JWKS))
        .respond_with(answer)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let keys = configure(
        AsymmetricSignatureVerifier::new(jwks_url(&server))
            .cache_ttl(Duration::from_secs(60))
            .clock(clock.shared()),
    );
    let v = AccessTokenVerifier::new(keys, ISS, API).with_clock(crate::common::clock);
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    clock.advance(expected - Duration::from_millis(1));
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 1, "{cache_control:?}: still fresh");
    clock.advance(Duration::from_millis(1));
    verifies(&v, &rs256(&access_claims())).await.unwrap();
    assert_eq!(hits(&server).await, 2, "{cache_control:?}: fetched again");
}

#[tokio::test]
async fn the_max_age_of_the_jwks_answer_is_honoured_within_bounds() {
    let same = |keys| keys;
    let minutes = |m: u64| Duration::from_secs(m * 60);
    // No header: the cache TTL.
    kept_for(None, same, Duration::from_secs(60)).await;
    kept_for(Some("public, max-age=3600"), same, minutes(60)).await;
    kept_for(
        Some("max-age=\"900\", stale-if-error=86400"),
        same,
        minutes(15),
    )
    .await;
    // Shorter than the least bound (5 minutes by default), or not to be kept at all.
    kept_for(Some("public, max-age=15"), same, minutes(5)).await;
    kept_for(Some("no-cache"), same, minutes(5)).await;
    kept_for(Some("max-age=3600, no-store"), same, minutes(5)).await;
    // Longer than the most (a day by default).
    kept_for(Some("max-age=31536000"), same, minutes(24 * 60)).await;
    // Unreadable: the cache TTL.
    kept_for(Some("max-age=soon"), same, Duration::from_secs(60)).await;
    // Other bounds.
    let bounded = |keys: AsymmetricSignatureVerifier| keys.cache_ttl_bounds(minutes(1), minutes(2));
    kept_for(Some("max-age=15"), bounded, minutes(1)).await;
    kept_for(Some("max-age=90"), bounded, Duration::from_secs(90)).await;
    kept_for(Some("max-age=3600"), bounded, minutes(2)).await;
}
