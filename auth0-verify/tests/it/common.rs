//! Keys, tokens and a local JWKS server shared by the tests.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, jwk::Jwk};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ISS: &str = "https://tenant.example.test/";
pub const AUD: &str = "client-abc";
pub const API: &str = "https://api.example.test";
pub const SECRET: &str = "a-client-secret-used-only-in-tests";
/// The fixed "now" of the tests' clock.
pub const NOW: i64 = 1_700_000_000;

pub const RSA_A: &[u8] = include_bytes!("../fixtures/rsa_a.pem");
pub const RSA_A_PUBLIC: &[u8] = include_bytes!("../fixtures/rsa_a.pub.pem");
pub const RSA_B: &[u8] = include_bytes!("../fixtures/rsa_b.pem");
pub const RSA_B_CERT: &str = include_str!("../fixtures/rsa_b.cert.pem");
pub const EC_P256: &[u8] = include_bytes!("../fixtures/ec_p256.pem");

pub fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW as u64)
}

pub fn rsa_a() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_A).unwrap()
}

pub fn rsa_b() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_B).unwrap()
}

pub fn ec_p256() -> EncodingKey {
    EncodingKey::from_ec_pem(EC_P256).unwrap()
}

pub fn hmac() -> EncodingKey {
    EncodingKey::from_secret(SECRET.as_bytes())
}

/// The public JWK of `key`, with `kid` and `use: sig`; `alg` kept only when `with_alg`.
pub fn jwk(key: &EncodingKey, alg: jsonwebtoken::Algorithm, kid: &str, with_alg: bool) -> Value {
    let mut v = serde_json::to_value(Jwk::from_encoding_key(key, alg).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.insert("kid".into(), json!(kid));
    o.insert("use".into(), json!("sig"));
    if !with_alg {
        o.remove("alg");
    }
    v
}

pub fn rsa_a_jwk() -> Value {
    jwk(&rsa_a(), jsonwebtoken::Algorithm::RS256, "key-a", true)
}

pub fn rsa_b_jwk() -> Value {
    jwk(&rsa_b(), jsonwebtoken::Algorithm::RS256, "key-b", true)
}

pub fn jwks(keys: &[Value]) -> Value {
    json!({ "keys": keys })
}

/// Signs `claims` with `key` as `alg`, naming `kid` in the header.
pub fn sign(
    alg: jsonwebtoken::Algorithm,
    kid: Option<&str>,
    key: &EncodingKey,
    claims: &Value,
) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// Signs an arbitrary header and payload (raw bytes) with `key` as `alg`.
pub fn sign_raw(
    alg: jsonwebtoken::Algorithm,
    key: &EncodingKey,
    header: &[u8],
    payload: &[u8],
) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

pub fn rs256(claims: &Value) -> String {
    sign(
        jsonwebtoken::Algorithm::RS256,
        Some("key-a"),
        &rsa_a(),
        claims,
    )
}

pub fn hs256(claims: &Value) -> String {
    sign(jsonwebtoken::Algorithm::HS256, None, &hmac(), claims)
}

/// Valid ID-token claims at [`NOW`].
pub fn id_claims() -> Value {
    json!({
        "iss": ISS,
        "sub": "auth0|user-1",
        "aud": AUD,
        "iat": NOW - 10,
        "exp": NOW + 3600,
        "nonce": "nonce-1",
        "auth_time": NOW - 100,
        "org_id": "org_123",
        "org_name": "acme",
        "email": "user@example.test",
        "https://example.test/roles": ["admin"],
    })
}

/// Valid access-token claims at [`NOW`].
pub fn access_claims() -> Value {
    json!({
        "iss": ISS,
        "sub": "auth0|user-1",
        "aud": [API, "https://tenant.example.test/userinfo"],
        "iat": NOW - 10,
        "exp": NOW + 3600,
        "azp": AUD,
        "scope": "openid read:messages write:messages",
        "permissions": ["read:messages"],
    })
}

/// `claims` with `changes` applied (a `null` removes the claim).
pub fn with(mut claims: Value, changes: Value) -> Value {
    let o = claims.as_object_mut().unwrap();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            o.remove(k);
        } else {
            o.insert(k.clone(), v.clone());
        }
    }
    claims
}

pub fn id_verifier() -> auth0_verify::TokenVerifier {
    auth0_verify::TokenVerifier::new(
        auth0_verify::SymmetricSignatureVerifier::new(SECRET),
        ISS,
        AUD,
    )
    .with_clock(clock)
}

/// A local JWKS server answering `GET /.well-known/jwks.json` with `body`.
pub async fn jwks_server(body: Value) -> (MockServer, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let url = format!("{}/.well-known/jwks.json", server.uri());
    (server, url)
}

pub fn jwks_url(server: &MockServer) -> String {
    format!("{}/.well-known/jwks.json", server.uri())
}

/// How many requests the server has received.
pub async fn hits(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

pub const EC_P256_PUBLIC: &str = include_str!("../fixtures/ec_p256.pub.pem");

pub fn es256(claims: &Value) -> String {
    sign(
        jsonwebtoken::Algorithm::ES256,
        Some("key-ec"),
        &ec_p256(),
        claims,
    )
}

pub fn ec_jwk() -> Value {
    jwk(&ec_p256(), jsonwebtoken::Algorithm::ES256, "key-ec", true)
}

/// What an axum router answered.
pub struct Answer {
    pub status: axum::http::StatusCode,
    pub challenge: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The 401 `invalid_token` answer, which names nothing of what failed.
    pub fn assert_invalid_token(&self, secrets: &[&str]) {
        assert_eq!(
            self.status,
            axum::http::StatusCode::UNAUTHORIZED,
            "{}",
            self.body
        );
        assert_eq!(self.json()["error"], "invalid_token", "{}", self.body);
        let challenge = self.challenge.as_deref().unwrap_or("");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        for secret in secrets {
            assert!(
                !self.body.contains(secret) && !challenge.contains(secret),
                "{secret:?} is echoed: {} / {challenge}",
                self.body
            );
        }
    }
}

/// Sends `request` through `app` (in process, through tower's `oneshot`).
pub async fn send(app: &axum::Router, request: axum::http::Request<axum::body::Body>) -> Answer {
    use tower::ServiceExt as _;
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(axum::http::header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        challenge,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// `GET path` with `Authorization: Bearer token` when a token is given.
pub async fn get_with(app: &axum::Router, path: &str, token: Option<&str>) -> Answer {
    let mut request = axum::http::Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(app, request.body(axum::body::Body::empty()).unwrap()).await
}

/// The `tracing` output (`debug` and up) of this thread while the guard lives.
pub struct Logs {
    buffer: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Logs {
    pub fn capture() -> Self {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = LogWriter(std::sync::Arc::clone(&buffer));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        Logs {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}

#[derive(Clone)]
struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
