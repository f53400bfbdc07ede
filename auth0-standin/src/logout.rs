//! Logging out: `/v2/logout` and `/oidc/logout` end the stand-in's session, tell every
//! application that logged the user in during it (back-channel logout tokens POSTed to its
//! registered URL, before answering), and send the browser only to a registered logout URL.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use url::Url;

use crate::config::Application;
use crate::html;
use crate::login::{found, query_params};
use crate::state::{
    BackchannelLogout, SESSION_COOKIE, Session, cleared_session_cookie, cookies, random,
};
use crate::{Refused, Tenant, now};

/// The member of a logout token's `events`.
const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How long a logout token is valid.
const LOGOUT_TOKEN_SECONDS: u64 = 120;

fn refuse(description: &str) -> Response {
    html::error_page(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn not_allowed(parameter: &str, url: &str) -> Response {
    refuse(&format!(
        "The \"{parameter}\" parameter \"{url}\" is not defined as a valid URL in \"Allowed \
         Logout URLs\""
    ))
}

fn application<'t>(t: &'t Tenant, client_id: &str) -> Result<&'t Application, Refused> {
    t.applications
        .get(client_id)
        .ok_or_else(|| Refused::from(refuse(&format!("Unknown client: {client_id}"))))
}

/// `GET /v2/logout` (`client_id`, `returnTo`). Without `client_id`, `returnTo` must be a
/// logout URL of some application; without `returnTo`, the browser goes to the
/// application's first logout URL, or sees a logged-out page.
pub(crate) async fn v2_logout(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = match query_params(raw.as_deref()) {
        Ok(p) => p,
        Err(name) => return refuse(&format!("Parameter '{name}' is repeated")),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let app = match get("client_id").map(|id| application(&t, id)).transpose() {
        Ok(app) => app,
        Err(refused) => return refused.into_response(),
    };
    let target = match (get("returnTo"), app) {
        (Some(url), Some(app)) if app.allows_logout_url(url) => Some(url.to_owned()),
        (Some(url), None) if t.applications.values().any(|a| a.allows_logout_url(url)) => {
            Some(url.to_owned())
        }
        (Some(url), _) => return not_allowed("returnTo", url),
        (None, Some(app)) => app.logout_urls.first().cloned(),
        (None, None) => None,
    };
    let ended = end_sessions(&t, &headers, None);
    notify(&t, ended).await;
    logged_out(target.as_deref())
}

/// `GET /oidc/logout` (`id_token_hint`, `client_id`, `post_logout_redirect_uri`, `state`).
pub(crate) async fn oidc_logout(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    match query_params(raw.as_deref()) {
        Ok(params) => oidc(&t, &headers, &params).await,
        Err(name) => refuse(&format!("Parameter '{name}' is repeated")),
    }
}

/// `POST /oidc/logout`, the same parameters as a form.
pub(crate) async fn oidc_logout_form(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = String::from_utf8_lossy(&body);
    match query_params(Some(&raw)) {
        Ok(params) => oidc(&t, &headers, &params).await,
        Err(name) => refuse(&format!("Parameter '{name}' is repeated")),
    }
}

async fn oidc(t: &Tenant, headers: &HeaderMap, params: &BTreeMap<String, String>) -> Response {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    // An expired ID token is still a fine hint of who is logging out.
    let hint = match get("id_token_hint") {
        None => None,
        Some(token) => match t.key.check_hint(token, &t.issuer()) {
            Ok(claims) => Some(claims),
            Err(_) => return refuse("The id_token_hint is not an ID token of this tenant"),
        },
    };
    let hint_client = hint.as_ref().and_then(|c| match &c["aud"] {
        Value::String(aud) => Some(aud.clone()),
        Value::Array(auds) => auds.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    });
    let client_id = match (get("client_id"), hint_client.as_deref()) {
        (Some(given), Some(hinted)) if given != hinted => {
            return refuse("The client_id is not the audience of the id_token_hint");
        }
        (given, hinted) => given.or(hinted),
    };
    let app = match client_id.map(|id| application(t, id)).transpose() {
        Ok(app) => app,
        Err(refused) => return refused.into_response(),
    };
    let target = match (get("post_logout_redirect_uri"), app) {
        (None, _) => None,
        (Some(_), None) => {
            return refuse("post_logout_redirect_uri needs client_id or id_token_hint");
        }
        (Some(uri), Some(app)) if app.allows_logout_url(uri) => {
            let Ok(mut url) = Url::parse(uri) else {
                return not_allowed("post_logout_redirect_uri", uri);
            };
            if let Some(state) = get("state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            Some(url.to_string())
        }
        (Some(uri), Some(_)) => return not_allowed("post_logout_redirect_uri", uri),
    };
    let hinted_sid = hint
        .as_ref()
        .and_then(|c| c["sid"].as_str())
        .map(str::to_owned);
    let ended = end_sessions(t, headers, hinted_sid.as_deref());
    notify(t, ended).await;
    logged_out(target.as_deref())
}

/// Ends the sessions the request's cookie names, or else the one with the hint's `sid`.
fn end_sessions(t: &Tenant, headers: &HeaderMap, sid: Option<&str>) -> Vec<Session> {
    let mut d = t.data();
    let mut ended: Vec<Session> = cookies(headers, SESSION_COOKIE)
        .into_iter()
        .filter_map(|c| d.sessions.remove(c))
        .collect();
    if ended.is_empty()
        && let Some(sid) = sid
    {
        let cookie = d
            .sessions
            .iter()
            .find(|(_, s)| s.sid == sid)
            .map(|(c, _)| c.clone());
        ended.extend(cookie.and_then(|c| d.sessions.remove(&c)));
    }
    ended
}

/// Ends every session of `user` (an id or an email address) and tells the applications;
/// returns how many ended.
pub(crate) async fn end_user_sessions(t: &Tenant, user: &str) -> usize {
    let ended: Vec<Session> = {
        let mut d = t.data();
        let user_id = if d.users.contains_key(user) {
            user.to_owned()
        } else {
            match d.user_by_email(user) {
                Some((id, _)) => id.clone(),
                None => return 0,
            }
        };
        let cookies: Vec<String> = d
            .sessions
            .iter()
            .filter(|(_, s)| s.user_id == user_id)
            .map(|(c, _)| c.clone())
            .collect();
        cookies
            .iter()
            .filter_map(|c| d.sessions.remove(c))
            .collect()
    };
    let count = ended.len();
    notify(t, ended).await;
    count
}

/// POSTs a logout token to the back-channel logout URL of every application that logged
/// the user in during `sessions`, one after the other; failures are logged and recorded.
async fn notify(t: &Tenant, sessions: Vec<Session>) {
    for session in sessions {
        for client_id in &session.clients {
            let Some(url) = t
                .applications
                .get(client_id)
                .and_then(|a| a.backchannel_logout_url.clone())
            else {
                continue;
            };
            let outcome = post_logout_token(t, client_id, &url, &session).await;
            match &outcome {
                Ok(status) if (200..300).contains(status) => {}
                Ok(status) => tracing::warn!(
                    client_id = %client_id, url = %url, status,
                    "a back-channel logout was refused"
                ),
                Err(why) => tracing::warn!(
                    client_id = %client_id, url = %url, error = %why,
                    "a back-channel logout could not be sent"
                ),
            }
            t.data().backchannel_logouts.push(BackchannelLogout {
                client_id: client_id.clone(),
                url,
                sid: session.sid.clone(),
                sub: session.user_id.clone(),
                outcome,
            });
        }
    }
}

async fn post_logout_token(
    t: &Tenant,
    client_id: &str,
    url: &str,
    session: &Session,
) -> Result<u16, String> {
    let jti = random(16).map_err(|e| e.to_string())?;
    let iat = now();
    let claims = json!({
        "iss": t.issuer(),
        "aud": client_id,
        "iat": iat,
        "exp": iat + LOGOUT_TOKEN_SECONDS,
        "jti": jti,
        "sid": session.sid,
        "sub": session.user_id,
        "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    });
    let token = t
        .key
        .sign_typed(&claims, "logout+jwt")
        .map_err(|e| e.to_string())?;
    let response = t
        .http()?
        .post(url)
        .form(&[("logout_token", token)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

/// The answer of a logout: the session cookie cleared, and the browser sent to `target` or
/// shown a logged-out page.
fn logged_out(target: Option<&str>) -> Response {
    let mut response = match target {
        Some(url) => found(url),
        None => html::logged_out_page(),
    };
    if let Ok(cookie) = HeaderValue::from_str(&cleared_session_cookie()) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}
