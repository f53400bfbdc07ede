//! The Authentication API side: discovery, JWKS, `/oauth/token` and `/userinfo`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::config::Application;
use crate::keys::Refusal;
use crate::login::USER_SCOPES;
use crate::{CONNECTION, Tenant, now};
use crate::{Refused, tokens};

const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

pub(crate) async fn discovery(State(t): State<Arc<Tenant>>) -> Json<Value> {
    let base = &t.base;
    Json(json!({
        "issuer": t.issuer(),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "end_session_endpoint": format!("{base}/oidc/logout"),
        "scopes_supported": USER_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": [
            "authorization_code", "refresh_token", "client_credentials", "password",
            PASSWORD_REALM,
        ],
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "claims_supported": [
            "aud", "auth_time", "email", "email_verified", "exp", "iat", "iss", "name",
            "nickname", "nonce", "org_id", "org_name", "sid", "sub", "updated_at",
        ],
    }))
}

pub(crate) async fn jwks(State(t): State<Arc<Tenant>>) -> Json<Value> {
    Json(json!({ "keys": [t.key.jwk()] }))
}

/// An `/oauth/token` error: `{"error", "error_description"}`.
pub(crate) fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = json!({"error": code, "error_description": description});
    (status, Json(body)).into_response()
}

fn server_error(description: &str) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        description,
    )
}

/// The request's parameters, from a form or a JSON body.
pub(crate) fn parameters(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<BTreeMap<String, String>, Refused> {
    let json_body = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !json_body {
        // Auth0 refuses a parameter given twice rather than picking one.
        let mut params = BTreeMap::new();
        for (name, value) in url::form_urlencoded::parse(body).into_owned() {
            if params.contains_key(&name) {
                return Err(Refused::from(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("Parameter '{name}' is repeated"),
                )));
            }
            params.insert(name, value);
        }
        return Ok(params);
    }
    match serde_json::from_slice::<Map<String, Value>>(body) {
        Ok(map) => Ok(map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect()),
        Err(_) => Err(Refused::from(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body is not a JSON object.",
        ))),
    }
}

/// The client id and secret, from HTTP Basic or the body; more than one way of
/// authenticating the client (Basic and a body secret, a secret and an assertion) is
/// `invalid_request`, as Auth0 answers.
fn client_credentials(
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
) -> Result<(Option<String>, Option<String>), Refused> {
    let has_basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    let methods = [
        has_basic,
        params.contains_key("client_secret"),
        params.contains_key("client_assertion"),
    ];
    if methods.iter().filter(|m| **m).count() > 1 {
        return Err(Refused::from(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Only one client authentication method may be used",
        )));
    }
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    Ok(match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            params.get("client_id").cloned(),
            params.get("client_secret").cloned(),
        ),
    })
}

/// The application the request authenticates as (its secret checked): one given to the
/// builder or created through the Management API, with its current secret (rotated ones no
/// longer work).
pub(crate) fn authenticate_client(
    t: &Tenant,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
) -> Result<Application, Refused> {
    let (client_id, client_secret) = client_credentials(headers, params)?;
    let Some(client_id) = client_id.filter(|id| !id.is_empty()) else {
        return Err(Refused::from(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "Missing required parameter: client_id",
        )));
    };
    let stored = t
        .data()
        .store
        .item("/clients", "client_id", &client_id)
        .map(|c| {
            (
                c["client_secret"].as_str().unwrap_or_default().to_string(),
                c["name"].as_str().unwrap_or_default().to_string(),
            )
        });
    let app = match (stored, t.applications.get(&client_id)) {
        (Some((secret, _)), Some(app)) => {
            let mut app = app.clone();
            app.client_secret = secret;
            Some(app)
        }
        (Some((secret, name)), None) => Some(Application::new(client_id, secret).name(name)),
        (None, _) => None,
    };
    match app {
        Some(app)
            if !app.client_secret.is_empty()
                && client_secret.as_deref() == Some(app.client_secret.as_str()) =>
        {
            Ok(app)
        }
        _ => Err(Refused::from(oauth_error(
            StatusCode::UNAUTHORIZED,
            "access_denied",
            "Unauthorized",
        ))),
    }
}

pub(crate) async fn token(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match parameters(&headers, &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(grant_type) = get("grant_type") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: grant_type",
        );
    };
    // A DPoP proof binds the tokens issued to its key (RFC 9449).
    let jkt = match dpop_key(&t, &headers).await {
        Ok(jkt) => jkt,
        Err(refused) => return refused.into_response(),
    };
    let app = match authenticate_client(&t, &headers, &params) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let app = &app;
    match grant_type {
        "client_credentials" => {
            client_credentials_grant(&t, app, get("audience"), get("scope"), jkt.as_deref())
        }
        "password" => password_grant(&t, app, &params, Some(CONNECTION), jkt.as_deref()),
        PASSWORD_REALM => password_grant(&t, app, &params, None, jkt.as_deref()),
        "authorization_code" => tokens::authorization_code(&t, app, &params, jkt.as_deref()),
        "refresh_token" => tokens::refresh(&t, app, &params, jkt.as_deref()),
        TOKEN_EXCHANGE => on_behalf_of(&t, app, &params, jkt.as_deref()),
        other => oauth_error(
            StatusCode::FORBIDDEN,
            "unsupported_grant_type",
            &format!("Unsupported grant type: {other}"),
        ),
    }
}

/// The thumbprint of the key a token request's `DPoP` proof is made with (none without a
/// proof); a bad proof, or one without the nonce the tenant asks for, is refused as Auth0
/// refuses it.
async fn dpop_key(t: &Tenant, headers: &HeaderMap) -> Result<Option<String>, Refused> {
    let mut proofs = headers.get_all("dpop").iter();
    let proof = match (proofs.next(), proofs.next()) {
        (None, _) => return Ok(None),
        (Some(p), None) => p.to_str().unwrap_or_default(),
        (Some(_), Some(_)) => {
            return Err(Refused::from(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_dpop_proof",
                "Only one DPoP proof may be sent",
            )));
        }
    };
    let htu = format!("{}oauth/token", t.issuer());
    let jkt = t
        .dpop
        .verify_token_request_proof(proof, "POST", &htu)
        .await
        .map_err(|e| {
            Refused::from(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_dpop_proof",
                &e.to_string(),
            ))
        })?;
    if let Some(nonce) = t.dpop_nonce.lock().ok().and_then(|n| n.clone()) {
        let sent = proof
            .split('.')
            .nth(1)
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .ok()
            })
            .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
            .and_then(|p| p.get("nonce").and_then(Value::as_str).map(str::to_owned));
        if sent.as_deref() != Some(nonce.as_str()) {
            let mut response = oauth_error(
                StatusCode::BAD_REQUEST,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof",
            );
            if let Ok(value) = nonce.parse() {
                response.headers_mut().insert("dpop-nonce", value);
            }
            return Err(Refused::from(response));
        }
    }
    Ok(Some(jkt))
}

/// The parts of an issued token's answer a DPoP binding changes.
pub(crate) fn bind(claims: &mut Value, answer: &mut Value, jkt: Option<&str>) {
    if let Some(jkt) = jkt {
        claims["cnf"] = json!({ "jkt": jkt });
        answer["token_type"] = json!("DPoP");
    }
}

fn client_credentials_grant(
    t: &Tenant,
    app: &Application,
    audience: Option<&str>,
    scope: Option<&str>,
    jkt: Option<&str>,
) -> Response {
    let Some(audience) = audience else {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            "No audience parameter was provided, and no default audience has been configured",
        );
    };
    // The client grant of the application for the API decides the scopes.
    let known_api = audience == t.management_audience()
        || t.apis.contains_key(audience)
        || t.data()
            .store
            .item("/resource-servers", "identifier", audience)
            .is_some();
    if !known_api {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        );
    }
    let grant = t
        .data()
        .store
        .collections
        .get("/client-grants")
        .into_iter()
        .flatten()
        .find(|g| g["client_id"] == app.client_id.as_str() && g["audience"] == audience)
        .map(|g| {
            g["scope"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect::<Vec<String>>()
        });
    let Some(grant) = grant else {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!(
                "Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API."
            ),
        );
    };
    let available: Vec<&str> = grant.iter().map(String::as_str).collect();
    let granted: Vec<&str> = match scope {
        None => available,
        Some(requested) => {
            let requested: Vec<&str> = requested.split_whitespace().collect();
            let refused: Vec<&str> = requested
                .iter()
                .copied()
                .filter(|s| !available.contains(s))
                .collect();
            if !refused.is_empty() {
                return oauth_error(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    &format!("Client has not been granted scopes: {}", refused.join(",")),
                );
            }
            requested
        }
    };
    let scope = granted.join(" ");
    let iat = now();
    let mut claims = json!({
        "iss": t.issuer(),
        "sub": format!("{}@clients", app.client_id),
        "aud": audience,
        "iat": iat,
        "exp": iat + t.lifetimes.access_token,
        "scope": scope,
        "gty": "client-credentials",
        "azp": app.client_id,
    });
    let mut answer = json!({
        "scope": scope,
        "expires_in": t.lifetimes.access_token,
        "token_type": "Bearer",
    });
    bind(&mut claims, &mut answer, jkt);
    match t.key.sign(&claims) {
        Ok(token) => {
            answer["access_token"] = json!(token);
            Json(answer).into_response()
        }
        Err(e) => server_error(&e.to_string()),
    }
}

/// The on-behalf-of token exchange (RFC 8693): an access token this tenant issued for one
/// of its APIs (`subject_token`), exchanged by an application for a token for another of its
/// APIs (`audience`), for the same user (`sub`, and `org_id` when the subject token has one),
/// naming the application that acts for them (`act`). The scopes asked for must be the API's;
/// `organization`, when given, must be the subject token's.
fn on_behalf_of(
    t: &Tenant,
    app: &Application,
    params: &BTreeMap<String, String>,
    jkt: Option<&str>,
) -> Response {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let invalid =
        |description: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description);
    let denied =
        |description: &str| oauth_error(StatusCode::FORBIDDEN, "access_denied", description);
    let Some(subject) = get("subject_token") else {
        return invalid("Missing required parameter: subject_token");
    };
    if get("subject_token_type") != Some(ACCESS_TOKEN_TYPE) {
        return invalid(&format!("subject_token_type must be {ACCESS_TOKEN_TYPE}"));
    }
    let Some(audience) = get("audience") else {
        return invalid("Missing required parameter: audience");
    };
    // The subject token's audience, read first, then every check made against it.
    let issuer = t.issuer();
    let subject_audience =
        t.key
            .check_hint(subject, &issuer)
            .ok()
            .and_then(|hint| match &hint["aud"] {
                Value::String(aud) => Some(aud.clone()),
                Value::Array(auds) => auds.first().and_then(Value::as_str).map(str::to_owned),
                _ => None,
            });
    let checked = subject_audience
        .filter(|aud| t.apis.contains_key(aud))
        .map(|aud| t.key.check(subject, &issuer, &aud));
    let user = match checked {
        Some(Ok(claims)) => claims,
        Some(Err(Refusal::Expired)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The subject_token has expired",
            );
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The subject_token is not an access token of this tenant's APIs",
            );
        }
    };
    let Some(api) = t.apis.get(audience) else {
        return denied(&format!("Service not enabled within domain: {audience}"));
    };
    if let Some(organization) = get("organization")
        && user["org_id"].as_str() != Some(organization)
        && user["org_name"].as_str() != Some(organization)
    {
        return denied(&format!(
            "The subject_token is not for organization {organization}"
        ));
    }
    let requested: Vec<&str> = get("scope")
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let refused: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|s| !api.scopes.iter().any(|a| a == s))
        .collect();
    if !refused.is_empty() {
        return denied(&format!(
            "Client has not been granted scopes: {}",
            refused.join(",")
        ));
    }
    let scope = requested.join(" ");
    let iat = now();
    let mut claims = json!({
        "iss": issuer,
        "sub": user["sub"],
        "aud": audience,
        "iat": iat,
        "exp": iat + t.lifetimes.access_token,
        "scope": scope,
        "azp": app.client_id,
        "act": { "sub": app.client_id },
    });
    for name in ["org_id", "org_name"] {
        if let Some(value) = user.get(name) {
            claims[name] = value.clone();
        }
    }
    let mut answer = json!({
        "scope": scope,
        "expires_in": t.lifetimes.access_token,
        "token_type": "Bearer",
        "issued_token_type": ACCESS_TOKEN_TYPE,
    });
    bind(&mut claims, &mut answer, jkt);
    match t.key.sign(&claims) {
        Ok(token) => {
            answer["access_token"] = json!(token);
            Json(answer).into_response()
        }
        Err(e) => server_error(&e.to_string()),
    }
}

/// The password grant; `realm` is the connection given by the grant type (`password` uses
/// the default directory) or, for password-realm, taken from the parameters.
fn password_grant(
    t: &Tenant,
    app: &Application,
    params: &BTreeMap<String, String>,
    realm: Option<&str>,
    jkt: Option<&str>,
) -> Response {
    if !t.password_grant.load(Ordering::Relaxed) {
        let grant = if realm.is_some() {
            "password"
        } else {
            PASSWORD_REALM
        };
        return oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            &format!("Grant type '{grant}' not allowed for the client."),
        );
    }
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let missing = |name: &str| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Missing required parameter: {name}"),
        )
    };
    let Some(realm) = realm.or_else(|| get("realm")) else {
        return missing("realm");
    };
    let Some(username) = get("username") else {
        return missing("username");
    };
    let Some(password) = get("password") else {
        return missing("password");
    };
    if realm != CONNECTION {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("The connection {realm} does not exist or is not enabled for this client"),
        );
    }
    let audience = get("audience");
    let api_scopes: &[String] = match audience {
        None => &[],
        Some(audience) => match t.api_scopes(audience) {
            Some(scopes) => scopes,
            None => {
                return oauth_error(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    &format!("Service not enabled within domain: {audience}"),
                );
            }
        },
    };
    let scopes: Vec<&str> = get("scope")
        .unwrap_or("openid")
        .split_whitespace()
        .filter(|s| USER_SCOPES.contains(s) || api_scopes.iter().any(|a| a == s))
        .collect();
    let profile = {
        let mut d = t.data();
        let found = d.users.values_mut().find(|u| {
            u.profile["email"].as_str().map(str::to_lowercase) == Some(username.to_lowercase())
        });
        match found {
            Some(user)
                if user.password.as_deref() == Some(password)
                    && user.profile["blocked"] == json!(true) =>
            {
                return oauth_error(StatusCode::UNAUTHORIZED, "unauthorized", "user is blocked");
            }
            Some(user) if user.password.as_deref() == Some(password) => {
                user.record_login();
                user.profile.clone()
            }
            _ => {
                return oauth_error(
                    StatusCode::FORBIDDEN,
                    "invalid_grant",
                    "Wrong email or password.",
                );
            }
        }
    };
    let Some(sub) = profile["user_id"].as_str() else {
        return server_error("the user has no user_id");
    };
    let iat = now();
    let scope = scopes.join(" ");
    let openid = scopes.contains(&"openid");
    let aud = match (audience, openid) {
        (Some(api), true) => json!([api, t.userinfo_audience()]),
        (Some(api), false) => json!(api),
        (None, _) => json!(t.userinfo_audience()),
    };
    let mut access = json!({
        "iss": t.issuer(), "sub": sub, "aud": aud, "iat": iat,
        "exp": iat + t.lifetimes.access_token, "scope": scope, "azp": app.client_id,
        "gty": "password",
    });
    let mut answer = json!({
        "scope": scope,
        "expires_in": t.lifetimes.access_token,
        "token_type": "Bearer",
    });
    bind(&mut access, &mut answer, jkt);
    let access_token = match t.key.sign(&access) {
        Ok(token) => token,
        Err(e) => return server_error(&e.to_string()),
    };
    answer["access_token"] = json!(access_token);
    if openid {
        let mut id = json!({
            "iss": t.issuer(), "sub": sub, "aud": app.client_id, "iat": iat,
            "exp": iat + t.lifetimes.id_token,
        });
        add_profile_claims(&mut id, &profile, &scopes);
        if let Some(nonce) = get("nonce") {
            id["nonce"] = json!(nonce);
        }
        match t.key.sign(&id) {
            Ok(token) => answer["id_token"] = json!(token),
            Err(e) => return server_error(&e.to_string()),
        }
    }
    Json(answer).into_response()
}

/// Adds the claims of the `profile` and `email` scopes.
pub(crate) fn add_profile_claims(claims: &mut Value, profile: &Value, scopes: &[&str]) {
    let mut names = Vec::new();
    if scopes.contains(&"profile") {
        names.extend(["name", "nickname", "picture", "updated_at"]);
    }
    if scopes.contains(&"email") {
        names.extend(["email", "email_verified"]);
    }
    for name in names {
        if let Some(v) = profile.get(name) {
            claims[name] = v.clone();
        }
    }
}

/// A `/userinfo` error: RFC 6750's `WWW-Authenticate` and an OAuth error body.
fn bearer_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut response = oauth_error(status, code, description);
    let challenge = format!("Bearer error=\"{code}\", error_description=\"{description}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    response
}

pub(crate) async fn userinfo(State(t): State<Arc<Tenant>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer_token(&headers) else {
        return bearer_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "Missing bearer access token",
        );
    };
    let claims = match t.key.check(token, &t.issuer(), &t.userinfo_audience()) {
        Ok(c) => c,
        Err(Refusal::Expired) => {
            return bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", "Token expired");
        }
        Err(Refusal::Audience) => {
            return bearer_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The token's audience does not include /userinfo",
            );
        }
        Err(Refusal::Invalid(why)) => {
            return bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", why);
        }
    };
    let scopes: Vec<&str> = claims["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if !scopes.contains(&"openid") {
        return bearer_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The token was not issued with the openid scope",
        );
    }
    let sub = claims["sub"].as_str().unwrap_or_default();
    let profile = t.data().users.get(sub).map(|u| u.profile.clone());
    let Some(profile) = profile else {
        return bearer_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The user no longer exists",
        );
    };
    let mut answer = json!({ "sub": sub });
    add_profile_claims(&mut answer, &profile, &scopes);
    Json(answer).into_response()
}

/// The token of an `Authorization: Bearer` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
