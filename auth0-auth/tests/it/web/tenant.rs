//! A small tenant for the web-login tests: an axum server on 127.0.0.1 with a JWKS (an RSA
//! key made at start) and `/oauth/token` answering the authorization-code grant (PKCE S256
//! and the client secret checked, each code once) and the refresh-token grant (with
//! rotation: a rotated-away token is refused and ends its family). Codes are issued by the
//! test from the `/authorize` URL the application made, as a login page would after the user
//! logged in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use auth0_http::{Clock as _, ManualClock};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

pub const CLIENT_ID: &str = "web_client";
pub const CLIENT_SECRET: &str = "web_client_secret";

/// An RS256 signing key and its JWKS entry.
pub struct SigningKey {
    kid: String,
    key: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    pub fn generate() -> SigningKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let der = pair.as_der().unwrap();
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for line in STANDARD.encode(der.as_ref()).as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&n)[..12]);
        SigningKey {
            jwk: json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                        "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e)}),
            key: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            kid,
        }
    }

    pub fn sign(&self, typ: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// A code waiting for its exchange: what the login asked for.
#[derive(Clone)]
struct Grant {
    redirect_uri: String,
    challenge: String,
    nonce: String,
    scope: String,
    audience: Option<String>,
    sub: String,
    sid: String,
    organization: Option<String>,
    /// When the user authenticated (Unix seconds).
    auth_time: u64,
}

/// A refresh token's state.
#[derive(Clone)]
struct Refresh {
    family: u64,
    grant: Grant,
    rotated: bool,
}

pub struct TenantState {
    pub clock: ManualClock,
    key: SigningKey,
    issuer: String,
    codes: Mutex<HashMap<String, Grant>>,
    refresh_tokens: Mutex<HashMap<String, Refresh>>,
    revoked_families: Mutex<Vec<u64>>,
    counter: AtomicU64,
    /// The `/oauth/token` forms received, in order.
    pub token_requests: Mutex<Vec<HashMap<String, String>>>,
    pub refreshes: AtomicUsize,
    /// Seconds the access tokens live.
    pub access_lifetime: AtomicU64,
    /// Refresh answers wait while this is `true`.
    hold: tokio::sync::watch::Sender<bool>,
    /// The length of access tokens for other audiences (to make sessions large).
    pub audience_token_len: AtomicUsize,
}

/// The running tenant.
#[derive(Clone)]
pub struct Tenant {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    pub state: Arc<TenantState>,
}

impl Tenant {
    pub async fn start(clock: ManualClock) -> Tenant {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(TenantState {
            clock,
            key: SigningKey::generate(),
            issuer: format!("{url}/"),
            codes: Mutex::default(),
            refresh_tokens: Mutex::default(),
            revoked_families: Mutex::default(),
            counter: AtomicU64::new(0),
            token_requests: Mutex::default(),
            refreshes: AtomicUsize::new(0),
            access_lifetime: AtomicU64::new(3600),
            hold: tokio::sync::watch::channel(false).0,
            audience_token_len: AtomicUsize::new(16),
        });
        let app = Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .route("/oauth/token", post(token))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Tenant { url, state }
    }

    pub fn issuer(&self) -> String {
        self.state.issuer.clone()
    }

    fn now(&self) -> u64 {
        unix_now(&self.state.clock)
    }

    /// What the tenant's login page does once `sub` has logged in: a code for the login
    /// `authorize` describes (its `redirect_uri`, `code_challenge`, `nonce`, …).
    pub fn issue_code(&self, authorize: &Url, sub: &str, sid: &str) -> String {
        self.issue_code_with(authorize, sub, sid, |_| {})
    }

    /// [`issue_code`](Self::issue_code), with the grant changed first (a wrong nonce, …).
    pub fn issue_code_with(
        &self,
        authorize: &Url,
        sub: &str,
        sid: &str,
        change: impl FnOnce(&mut GrantChange),
    ) -> String {
        let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], CLIENT_ID);
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        let mut grant = Grant {
            redirect_uri: q["redirect_uri"].clone(),
            challenge: q["code_challenge"].clone(),
            nonce: q["nonce"].clone(),
            scope: q["scope"].clone(),
            audience: q.get("audience").cloned(),
            sub: sub.to_owned(),
            sid: sid.to_owned(),
            organization: q.get("organization").cloned(),
            auth_time: self.now(),
        };
        let mut c = GrantChange::default();
        change(&mut c);
        if let Some(n) = c.nonce {
            grant.nonce = n;
        }
        if let Some(o) = c.organization {
            grant.organization = o;
        }
        grant.auth_time -= c.authenticated_ago;
        let code = format!("code-{}", self.state.counter.fetch_add(1, Ordering::SeqCst));
        self.state.codes.lock().unwrap().insert(code.clone(), grant);
        code
    }

    /// A back-channel logout token for `sid` and/or `sub`.
    pub fn logout_token(&self, sid: Option<&str>, sub: Option<&str>) -> String {
        let now = self.now();
        let mut claims = json!({
            "iss": self.issuer(), "aud": CLIENT_ID, "iat": now, "exp": now + 120,
            "jti": format!("jti-{}", self.state.counter.fetch_add(1, Ordering::SeqCst)),
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        });
        if let Some(s) = sid {
            claims["sid"] = json!(s);
        }
        if let Some(s) = sub {
            claims["sub"] = json!(s);
        }
        self.state.key.sign("logout+jwt", &claims)
    }

    /// Ends every refresh token (as a revocation or a password change would).
    pub fn revoke_refresh_tokens(&self) {
        let families: Vec<u64> = self
            .state
            .refresh_tokens
            .lock()
            .unwrap()
            .values()
            .map(|r| r.family)
            .collect();
        self.state.revoked_families.lock().unwrap().extend(families);
    }

    /// Holds refresh answers until [`release`](Self::release).
    pub fn hold_refreshes(&self) {
        self.state.hold.send_replace(true);
    }

    pub fn release(&self) {
        self.state.hold.send_replace(false);
    }

    pub fn refreshes(&self) -> usize {
        self.state.refreshes.load(Ordering::SeqCst)
    }

    pub fn last_token_request(&self) -> HashMap<String, String> {
        self.state
            .token_requests
            .lock()
            .unwrap()
            .last()
            .unwrap()
            .clone()
    }
}

/// What a test may change in a grant.
#[derive(Default)]
pub struct GrantChange {
    /// Another nonce in the ID token.
    pub nonce: Option<String>,
    /// Another organization in the ID token (`Some(None)`: none).
    pub organization: Option<Option<String>>,
    /// Seconds since the user authenticated (`auth_time`).
    pub authenticated_ago: u64,
}

pub fn unix_now(clock: &ManualClock) -> u64 {
    clock
        .system_time()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn jwks(State(s): State<Arc<TenantState>>) -> Response {
    axum::Json(json!({"keys": [s.key.jwk.clone()]})).into_response()
}

fn refuse(error: &str, description: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn token(State(s): State<Arc<TenantState>>, body: axum::body::Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    s.token_requests.lock().unwrap().push(form.clone());
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "access_denied", "error_description": "Unauthorized"})),
        )
            .into_response();
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some(grant) = s.codes.lock().unwrap().remove(&form["code"]) else {
                return refuse("invalid_grant", "Invalid authorization code");
            };
            if form.get("redirect_uri") != Some(&grant.redirect_uri) {
                return refuse("invalid_grant", "Redirect URI mismatch");
            }
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.challenge {
                return refuse("invalid_grant", "Failed to verify code verifier");
            }
            let family = s.counter.fetch_add(1, Ordering::SeqCst);
            answer(&s, &grant, grant.audience.as_deref(), family, true)
        }
        Some("refresh_token") => {
            s.refreshes.fetch_add(1, Ordering::SeqCst);
            let mut hold = s.hold.subscribe();
            let _ = hold.wait_for(|held| !*held).await;
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            let found = s.refresh_tokens.lock().unwrap().get(&presented).cloned();
            let Some(refresh) = found else {
                return refuse("invalid_grant", "Unknown or invalid refresh token.");
            };
            if s.revoked_families.lock().unwrap().contains(&refresh.family) {
                return refuse("invalid_grant", "Unknown or invalid refresh token.");
            }
            if refresh.rotated {
                // Reuse of a rotated token: the whole family ends.
                s.revoked_families.lock().unwrap().push(refresh.family);
                return refuse("invalid_grant", "Unknown or invalid refresh token.");
            }
            s.refresh_tokens
                .lock()
                .unwrap()
                .get_mut(&presented)
                .unwrap()
                .rotated = true;
            let audience = form
                .get("audience")
                .cloned()
                .or(refresh.grant.audience.clone());
            answer(
                &s,
                &refresh.grant,
                audience.as_deref(),
                refresh.family,
                false,
            )
        }
        _ => refuse("unsupported_grant_type", "Unsupported grant type"),
    }
}

fn answer(
    s: &TenantState,
    grant: &Grant,
    audience: Option<&str>,
    family: u64,
    with_nonce: bool,
) -> Response {
    let now = unix_now(&s.clock);
    let n = s.counter.fetch_add(1, Ordering::SeqCst);
    let mut claims = json!({
        "iss": s.issuer, "aud": CLIENT_ID, "sub": grant.sub, "iat": now, "exp": now + 36_000,
        "sid": grant.sid, "name": "Zoë Example", "email": "zoe@example.com",
        "email_verified": true, "auth_time": grant.auth_time,
    });
    if with_nonce {
        claims["nonce"] = json!(grant.nonce);
    }
    if let Some(org) = &grant.organization {
        claims["org_id"] = json!(org);
    }
    let id_token = s.key.sign("JWT", &claims);
    let access_token = match audience {
        Some(a) if Some(a) != grant.audience.as_deref() => {
            let len = s.audience_token_len.load(Ordering::SeqCst);
            format!("at-{n}-{a}-{}", "x".repeat(len))
        }
        _ => format!("at-{n}"),
    };
    let refresh_token = format!("rt-{n}");
    s.refresh_tokens.lock().unwrap().insert(
        refresh_token.clone(),
        Refresh {
            family,
            grant: grant.clone(),
            rotated: false,
        },
    );
    axum::Json(json!({
        "access_token": access_token,
        "id_token": id_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": s.access_lifetime.load(Ordering::SeqCst),
        "scope": grant.scope,
    }))
    .into_response()
}
