//! The grants that follow a login: `authorization_code` (PKCE checked), `refresh_token`
//! (rotation, reuse detection, other audiences), and `/oauth/revoke`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::Application;
use crate::login::USER_SCOPES;
use crate::oauth::{add_profile_claims, authenticate_client, bind, oauth_error, parameters};
use crate::state::{Family, Grant, random};
use crate::{Data, Refused, Tenant, now};

/// Auth0's answer to any unusable refresh token.
const UNKNOWN_REFRESH_TOKEN: &str = "Unknown or invalid refresh token.";

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::FORBIDDEN, "invalid_grant", description)
}

fn missing(name: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &format!("Missing required parameter: {name}"),
    )
}

fn server_error(description: &str) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        description,
    )
}

/// Whether `verifier` is one RFC 7636 allows: 43 to 128 unreserved characters.
fn verifier_shaped(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The user's profile, if the user still exists and is not blocked.
fn active_profile(d: &Data, user_id: &str) -> Result<Value, Refused> {
    match d.users.get(user_id) {
        Some(account) if account.profile["blocked"] == json!(true) => {
            Err(invalid_grant("user is blocked").into())
        }
        Some(account) => Ok(account.profile.clone()),
        None => Err(invalid_grant("the user no longer exists").into()),
    }
}

/// Starts a refresh-token family for `grant`; returns its first token.
fn new_family(t: &Tenant, d: &mut Data, grant: &Grant) -> Result<(String, String), Refused> {
    let (family_id, token) = match (random(16), random(48)) {
        (Ok(family), Ok(token)) => (family, token),
        (Err(e), _) | (_, Err(e)) => return Err(server_error(&e.to_string()).into()),
    };
    d.families.insert(
        family_id.clone(),
        Family {
            grant: grant.clone(),
            expires: now() + t.lifetimes.refresh_token,
            current: token.clone(),
            revoked: false,
        },
    );
    d.refresh_tokens.insert(token.clone(), family_id.clone());
    Ok((family_id, token))
}

/// The `authorization_code` grant.
pub(crate) fn authorization_code(
    t: &Tenant,
    app: &Application,
    params: &BTreeMap<String, String>,
    jkt: Option<&str>,
) -> Response {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(code) = get("code") else {
        return missing("code");
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return missing("redirect_uri");
    };
    let now = now();
    let mut d = t.data();
    let Some(entry) = d.codes.get_mut(code) else {
        return invalid_grant("Invalid authorization code");
    };
    if entry.expires <= now || entry.grant.client_id != app.client_id {
        return invalid_grant("Invalid authorization code");
    }
    if entry.used {
        // A code used twice was stolen, or the first answer was: what it gave is revoked.
        if let Some(family) = entry.family.clone()
            && let Some(family) = d.families.get_mut(&family)
        {
            family.revoked = true;
        }
        return invalid_grant("Invalid authorization code");
    }
    if entry.redirect_uri != redirect_uri {
        return invalid_grant(
            "The redirect_uri does not match the one of the authorization request",
        );
    }
    match (entry.code_challenge.as_deref(), get("code_verifier")) {
        (None, None) => {}
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !verifier_shaped(verifier) || computed != challenge {
                return invalid_grant("Failed to verify code verifier");
            }
        }
        (Some(_), None) => {
            return invalid_grant(
                "Missing code_verifier: the authorization request had a code_challenge",
            );
        }
        (None, Some(_)) => {
            return invalid_grant(
                "A code_verifier was sent, but the authorization request had no code_challenge",
            );
        }
    }
    entry.used = true;
    let (grant, nonce) = (entry.grant.clone(), entry.nonce.clone());
    let profile = match active_profile(&d, &grant.user_id) {
        Ok(p) => p,
        Err(refused) => return refused.into_response(),
    };
    let refresh_token = if grant.scopes.iter().any(|s| s == "offline_access") {
        let (family, token) = match new_family(t, &mut d, &grant) {
            Ok(f) => f,
            Err(refused) => return refused.into_response(),
        };
        if let Some(entry) = d.codes.get_mut(code) {
            entry.family = Some(family);
        }
        Some(token)
    } else {
        None
    };
    drop(d);
    let issued = Issued {
        grant: &grant,
        profile: &profile,
        scopes: &grant.scopes,
        audience: grant.audience.as_deref(),
        nonce: nonce.as_deref(),
        refresh_token,
    };
    issue(t, &issued, jkt)
}

/// The `refresh_token` grant.
pub(crate) fn refresh(
    t: &Tenant,
    app: &Application,
    params: &BTreeMap<String, String>,
    jkt: Option<&str>,
) -> Response {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(token) = get("refresh_token") else {
        return missing("refresh_token");
    };
    let now = now();
    let mut d = t.data();
    let Some(family_id) = d.refresh_tokens.get(token).cloned() else {
        return invalid_grant(UNKNOWN_REFRESH_TOKEN);
    };
    let Some(family) = d.families.get_mut(&family_id) else {
        return invalid_grant(UNKNOWN_REFRESH_TOKEN);
    };
    if family.grant.client_id != app.client_id || family.revoked || family.expires <= now {
        return invalid_grant(UNKNOWN_REFRESH_TOKEN);
    }
    if family.current != token {
        // A retired token used again: someone holds a copy, so the whole family ends.
        family.revoked = true;
        return invalid_grant(UNKNOWN_REFRESH_TOKEN);
    }
    let grant = family.grant.clone();
    let profile = match active_profile(&d, &grant.user_id) {
        Ok(p) => p,
        Err(refused) => return refused.into_response(),
    };
    let audience = get("audience").or(grant.audience.as_deref());
    let requested: Option<Vec<&str>> = get("scope").map(|s| {
        let mut scopes: Vec<&str> = Vec::new();
        for scope in s.split_whitespace() {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes
    });
    let scopes: Vec<String> = if audience == grant.audience.as_deref() {
        match requested {
            None => grant.scopes.clone(),
            Some(requested) => {
                if let Some(extra) = requested
                    .iter()
                    .find(|s| !grant.scopes.iter().any(|g| g == *s))
                {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        &format!("The scope {extra} was not granted to the refresh token"),
                    );
                }
                requested.into_iter().map(str::to_owned).collect()
            }
        }
    } else {
        // Another API: the login's OpenID Connect scopes and that API's.
        let Some(other) = audience else {
            return invalid_grant(UNKNOWN_REFRESH_TOKEN);
        };
        let Some(api_scopes) = t.api_scopes(other) else {
            return oauth_error(
                StatusCode::FORBIDDEN,
                "access_denied",
                &format!("Service not enabled within domain: {other}"),
            );
        };
        let allowed: Vec<&str> = grant
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| USER_SCOPES.contains(s))
            .chain(api_scopes.iter().map(String::as_str))
            .collect();
        match requested {
            None => allowed.iter().map(|s| (*s).to_owned()).collect(),
            Some(requested) => requested
                .into_iter()
                .filter(|s| allowed.contains(s))
                .map(str::to_owned)
                .collect(),
        }
    };
    let rotated = if app.rotate_refresh_tokens {
        let next = match random(48) {
            Ok(next) => next,
            Err(e) => return server_error(&e.to_string()),
        };
        if let Some(family) = d.families.get_mut(&family_id) {
            family.current = next.clone();
        }
        d.refresh_tokens.insert(next.clone(), family_id);
        Some(next)
    } else {
        None
    };
    drop(d);
    let issued = Issued {
        grant: &grant,
        profile: &profile,
        scopes: &scopes,
        audience,
        nonce: None,
        refresh_token: rotated,
    };
    issue(t, &issued, jkt)
}

/// What one token answer is made of.
struct Issued<'a> {
    grant: &'a Grant,
    profile: &'a Value,
    scopes: &'a [String],
    audience: Option<&'a str>,
    nonce: Option<&'a str>,
    refresh_token: Option<String>,
}

/// The token answer: an access token, an ID token when `openid` is granted, the refresh
/// token given.
fn issue(t: &Tenant, i: &Issued<'_>, jkt: Option<&str>) -> Response {
    let grant = i.grant;
    let iat = now();
    let scope = i.scopes.join(" ");
    let openid = i.scopes.iter().any(|s| s == "openid");
    let aud = match (i.audience, openid) {
        (Some(api), true) => json!([api, t.userinfo_audience()]),
        (Some(api), false) => json!(api),
        (None, _) => json!(t.userinfo_audience()),
    };
    let mut access = json!({
        "iss": t.issuer(), "sub": grant.user_id, "aud": aud, "iat": iat,
        "exp": iat + t.lifetimes.access_token, "scope": scope, "azp": grant.client_id,
    });
    let mut answer = json!({
        "scope": scope,
        "expires_in": t.lifetimes.access_token,
        "token_type": "Bearer",
    });
    if let Some((org_id, org_name)) = &grant.organization {
        access["org_id"] = json!(org_id);
        access["org_name"] = json!(org_name);
    }
    bind(&mut access, &mut answer, jkt);
    match t.key.sign(&access) {
        Ok(token) => answer["access_token"] = json!(token),
        Err(e) => return server_error(&e.to_string()),
    }
    if openid {
        let mut id = json!({
            "iss": t.issuer(), "sub": grant.user_id, "aud": grant.client_id, "iat": iat,
            "exp": iat + t.lifetimes.id_token, "auth_time": grant.auth_time,
            "sid": grant.sid,
        });
        let scopes: Vec<&str> = i.scopes.iter().map(String::as_str).collect();
        add_profile_claims(&mut id, i.profile, &scopes);
        if let Some(nonce) = i.nonce {
            id["nonce"] = json!(nonce);
        }
        if let Some((org_id, org_name)) = &grant.organization {
            id["org_id"] = json!(org_id);
            id["org_name"] = json!(org_name);
        }
        match t.key.sign(&id) {
            Ok(token) => answer["id_token"] = json!(token),
            Err(e) => return server_error(&e.to_string()),
        }
    }
    if let Some(refresh_token) = &i.refresh_token {
        answer["refresh_token"] = json!(refresh_token);
    }
    Json(answer).into_response()
}

/// `POST /oauth/revoke`: ends the refresh-token family of `token` (Auth0 answers 200 also
/// for a token it does not know).
pub(crate) async fn revoke(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match parameters(&headers, &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let app = match authenticate_client(&t, &headers, &params) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let Some(token) = params.get("token").filter(|v| !v.is_empty()) else {
        return missing("token");
    };
    let mut d = t.data();
    if let Some(family) = d.refresh_tokens.get(token).cloned()
        && let Some(family) = d.families.get_mut(&family)
        && family.grant.client_id == app.client_id
    {
        family.revoked = true;
    }
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_43_to_128_unreserved_characters() {
        assert!(verifier_shaped(&"a".repeat(43)));
        assert!(verifier_shaped(&"a-._~".repeat(25)));
        assert!(!verifier_shaped(&"a".repeat(42)));
        assert!(!verifier_shaped(&"a".repeat(129)));
        assert!(!verifier_shaped(&format!("{}+", "a".repeat(43))));
    }
}
