//! Logging users in as Auth0's Universal Login does: `GET /authorize` checks the request and
//! shows the login page (or, with a live stand-in session, answers at once), `POST /u/login`
//! checks the password, opens the session and sends the browser back with a code.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use url::Url;

use crate::html::{self, LoginPage};
use crate::state::{
    Code, Grant, ResponseMode, SESSION_COOKIE, SESSION_SECONDS, Session, TRANSACTION_SECONDS,
    Transaction, cookies, random, session_cookie,
};
use crate::{CONNECTION, Data, Error, Tenant, now};

/// The scopes of OpenID Connect a user's tokens may carry.
pub(crate) const USER_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
/// The `prompt` values Auth0 knows.
const PROMPTS: &[&str] = &["none", "login", "consent", "select_account"];

/// Where the answer of an authorization request goes: the registered callback, in the way
/// the request asked for, with its `state`.
struct Back<'a> {
    redirect_uri: &'a str,
    mode: ResponseMode,
    state: Option<&'a str>,
}

impl<'a> Back<'a> {
    fn of(tx: &'a Transaction) -> Self {
        Back {
            redirect_uri: &tx.redirect_uri,
            mode: tx.response_mode,
            state: tx.state.as_deref(),
        }
    }

    /// Sends `params` (and `state`) back to the application, setting `cookie` if given.
    fn send(&self, mut params: Vec<(&str, String)>, cookie: Option<String>) -> Response {
        if let Some(state) = self.state {
            params.push(("state", state.to_owned()));
        }
        let mut response = match self.mode {
            ResponseMode::FormPost => html::form_post(self.redirect_uri, &params),
            ResponseMode::Query | ResponseMode::Fragment => {
                // The callback was checked against the registered ones, which all parse.
                let Ok(mut url) = Url::parse(self.redirect_uri) else {
                    return html::error_page(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "The redirect_uri is not a URL",
                    );
                };
                if self.mode == ResponseMode::Query {
                    url.query_pairs_mut().extend_pairs(params.iter());
                } else {
                    let fragment = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(params.iter())
                        .finish();
                    url.set_fragment(Some(&fragment));
                }
                found(url.as_str())
            }
        };
        if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
        response
    }

    /// Sends an OAuth error back to the application.
    fn error(&self, code: &str, description: &str) -> Response {
        self.error_setting(code, description, None)
    }

    /// Sends an OAuth error back to the application, setting `cookie` if given (a session
    /// opened by the login that the error ends).
    fn error_setting(&self, code: &str, description: &str, cookie: Option<String>) -> Response {
        self.send(
            vec![
                ("error", code.to_owned()),
                ("error_description", description.to_owned()),
            ],
            cookie,
        )
    }
}

/// A `302 Found` to `location`.
pub(crate) fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::FOUND, [(LOCATION, value)]).into_response(),
        Err(_) => html::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The redirect URL is not a valid header value",
        ),
    }
}

/// An error page for a request that cannot be sent back.
fn refuse(code: &str, description: &str) -> Response {
    html::error_page(StatusCode::BAD_REQUEST, code, description)
}

/// A page for a failure of the stand-in itself.
pub(crate) fn broken(e: &Error) -> Response {
    html::error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &e.to_string(),
    )
}

/// The query's parameters; a repeated one is refused (its name returned).
pub(crate) fn query_params(raw: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let mut params = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if params.contains_key(name.as_ref()) {
            return Err(name.into_owned());
        }
        params.insert(name.into_owned(), value.into_owned());
    }
    Ok(params)
}

/// Whether `challenge` is what S256 makes: a SHA-256 digest, base64url without padding.
fn s256_shaped(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The live stand-in session the request's cookie names: its cookie value, user and
/// `auth_time`.
fn live_session(d: &Data, headers: &HeaderMap, now: u64) -> Option<(String, String, u64)> {
    cookies(headers, SESSION_COOKIE).into_iter().find_map(|c| {
        let s = d.sessions.get(c).filter(|s| s.expires > now)?;
        Some((c.to_owned(), s.user_id.clone(), s.auth_time))
    })
}

pub(crate) async fn authorize(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = match query_params(raw.as_deref()) {
        Ok(p) => p,
        Err(name) => {
            return refuse(
                "invalid_request",
                &format!("Parameter '{name}' is repeated"),
            );
        }
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());

    // Until the client and its callback are known, errors are pages: never a redirect.
    let Some(client_id) = get("client_id") else {
        return refuse("invalid_request", "Missing required parameter: client_id");
    };
    let Some(app) = t.applications.get(client_id) else {
        return refuse("invalid_request", &format!("Unknown client: {client_id}"));
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return refuse(
            "invalid_request",
            "Missing required parameter: redirect_uri",
        );
    };
    if !app.allows_callback(redirect_uri) {
        return refuse(
            "invalid_request",
            &format!(
                "Callback URL mismatch. {redirect_uri} is not in the list of allowed callback \
                 URLs of the application {}",
                app.name
            ),
        );
    }
    let (mode, unknown_mode) = match get("response_mode") {
        None | Some("query") => (ResponseMode::Query, None),
        Some("fragment") => (ResponseMode::Fragment, None),
        Some("form_post") => (ResponseMode::FormPost, None),
        Some(other) => (ResponseMode::Query, Some(other)),
    };
    let back = Back {
        redirect_uri,
        mode,
        state: get("state"),
    };

    // From here on, errors go back to the application.
    if let Some(mode) = unknown_mode {
        return back.error(
            "invalid_request",
            &format!("Unsupported response_mode: {mode}"),
        );
    }
    match get("response_type") {
        None => {
            return back.error(
                "invalid_request",
                "Missing required parameter: response_type",
            );
        }
        Some("code") => {}
        Some(other) => {
            return back.error(
                "unsupported_response_type",
                &format!("Unsupported response type: {other}"),
            );
        }
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => {
            return back.error(
                "invalid_request",
                "code_challenge_method was given without code_challenge",
            );
        }
        (Some(challenge), Some("S256")) if s256_shaped(challenge) => Some(challenge.to_owned()),
        (Some(_), Some("S256")) => {
            return back.error(
                "invalid_request",
                "code_challenge must be 43 characters of base64url: a SHA-256 digest",
            );
        }
        (Some(_), method) => {
            return back.error(
                "invalid_request",
                &format!(
                    "Unsupported code_challenge_method: {}; only S256 is supported",
                    method.unwrap_or("plain")
                ),
            );
        }
    };
    if let Some(connection) = get("connection")
        && connection != CONNECTION
    {
        return back.error(
            "invalid_request",
            &format!("the connection {connection} is not enabled for this application"),
        );
    }
    let audience = get("audience");
    let api_scopes: &[String] = match audience {
        None => &[],
        Some(audience) => match t.api_scopes(audience) {
            Some(scopes) => scopes,
            None => {
                return back.error("access_denied", &format!("Service not found: {audience}"));
            }
        },
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in get("scope").unwrap_or("openid").split_whitespace() {
        let known = USER_SCOPES.contains(&scope) || api_scopes.iter().any(|s| s == scope);
        if known && !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    let prompts: Vec<&str> = get("prompt")
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if let Some(unknown) = prompts.iter().find(|p| !PROMPTS.contains(p)) {
        return back.error("invalid_request", &format!("Unsupported prompt: {unknown}"));
    }
    let prompt_none = prompts.contains(&"none");
    if prompt_none && prompts.len() > 1 {
        return back.error(
            "invalid_request",
            "prompt=none cannot be combined with other prompt values",
        );
    }
    let max_age = match get("max_age").map(str::parse::<u64>) {
        None => None,
        Some(Ok(seconds)) => Some(seconds),
        Some(Err(_)) => {
            return back.error(
                "invalid_request",
                "max_age must be a whole number of seconds",
            );
        }
    };

    let now = now();
    let (organization, invitation, session) = {
        let d = t.data();
        let organization = match get("organization") {
            None => None,
            Some(asked) => match d.organization(asked) {
                Some(org) => Some((org.id.clone(), org.name.clone())),
                None => {
                    return back.error(
                        "invalid_request",
                        &format!("parameter organization is invalid: no organization {asked}"),
                    );
                }
            },
        };
        let invitation = match get("invitation") {
            None => None,
            Some(id) => {
                let Some((org_id, _)) = &organization else {
                    return back.error(
                        "invalid_request",
                        "parameter organization is required with invitation",
                    );
                };
                let valid = d.invitations.get(id).is_some_and(|i| {
                    i.organization == *org_id && i.client_id == app.client_id && i.expires > now
                });
                if !valid {
                    return back.error(
                        "access_denied",
                        "the invitation is not valid or has expired",
                    );
                }
                Some(id.to_owned())
            }
        };
        (organization, invitation, live_session(&d, &headers, now))
    };

    let tx = Transaction {
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        response_mode: mode,
        state: get("state").map(str::to_owned),
        nonce: get("nonce").map(str::to_owned),
        code_challenge,
        scopes,
        audience: audience.map(str::to_owned),
        organization,
        invitation,
        login_hint: get("login_hint").map(str::to_owned),
        expires: now + TRANSACTION_SECONDS,
    };
    // `max_age=0` always asks again.
    let recent = |auth_time: u64| max_age.is_none_or(|max| now.saturating_sub(auth_time) < max);
    let reusable = session
        .as_ref()
        .filter(|(_, _, auth_time)| tx.invitation.is_none() && recent(*auth_time));
    if prompt_none {
        return match reusable {
            Some((cookie, _, _)) => complete(&t, &tx, cookie, false),
            None => back.error("login_required", "Login required"),
        };
    }
    if let Some((cookie, _, _)) = reusable
        && !prompts.contains(&"login")
    {
        return complete(&t, &tx, cookie, false);
    }
    show_login(&t, tx)
}

/// Keeps the transaction and shows the login page.
fn show_login(t: &Tenant, tx: Transaction) -> Response {
    let id = match random(32) {
        Ok(id) => id,
        Err(e) => return broken(&e),
    };
    let mut d = t.data();
    let now = now();
    d.transactions.retain(|_, tx| tx.expires > now);
    let invited = tx
        .invitation
        .as_ref()
        .and_then(|i| d.invitations.get(i))
        .map(|i| i.email.clone());
    let username = invited
        .or_else(|| tx.login_hint.clone())
        .unwrap_or_default();
    let organization = organization_display(&d, &tx);
    let application = application_name(t, &tx);
    let invitation = tx.invitation.is_some();
    d.transactions.insert(id.clone(), tx);
    drop(d);
    html::login_page(
        StatusCode::OK,
        &LoginPage {
            state: &id,
            application: &application,
            organization: organization.as_deref(),
            username: &username,
            error: None,
            invitation,
        },
    )
}

fn organization_display(d: &Data, tx: &Transaction) -> Option<String> {
    let (id, _) = tx.organization.as_ref()?;
    d.organizations.get(id).map(|o| o.display_name.clone())
}

fn application_name(t: &Tenant, tx: &Transaction) -> String {
    t.applications
        .get(&tx.client_id)
        .map_or_else(|| tx.client_id.clone(), |a| a.name.clone())
}

/// `POST /u/login`: the login form (`state`, `username`, `password`).
pub(crate) async fn submit(
    State(t): State<Arc<Tenant>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let (username, password) = (field("username").trim(), field("password"));
    let now = now();
    let mut d = t.data();
    d.transactions.retain(|_, tx| tx.expires > now);
    let Some(tx) = d.transactions.get(field("state")).cloned() else {
        return refuse(
            "invalid_request",
            "This login is unknown or has expired: start again from the application.",
        );
    };
    let again = |d: &Data, error: &str| {
        let organization = organization_display(d, &tx);
        html::login_page(
            StatusCode::BAD_REQUEST,
            &LoginPage {
                state: field("state"),
                application: &application_name(&t, &tx),
                organization: organization.as_deref(),
                username,
                error: Some(error),
                invitation: tx.invitation.is_some(),
            },
        )
    };
    if username.is_empty() || password.is_empty() {
        return again(&d, "Enter your email address and your password.");
    }
    if let Some(invitation) = &tx.invitation {
        let Some(invited) = d.invitations.get(invitation).map(|i| i.email.clone()) else {
            d.transactions.remove(field("state"));
            return Back::of(&tx).error(
                "access_denied",
                "the invitation is not valid or has expired",
            );
        };
        if !invited.eq_ignore_ascii_case(username) {
            return again(&d, "This invitation is for another email address.");
        }
        // Someone new signs up with the invited address.
        if d.user_by_email(username).is_none() {
            if password.chars().count() < 8 {
                return again(&d, "Choose a password of at least 8 characters.");
            }
            d.add_user(
                &invited,
                Some(password.to_owned()),
                &json!({"email_verified": true}),
            );
        }
    }
    let user = d.user_by_email(username).and_then(|(id, account)| {
        let matches = account.password.as_deref() == Some(password);
        matches.then(|| (id.clone(), account.profile["blocked"] == json!(true)))
    });
    let Some((user_id, blocked)) = user else {
        return again(&d, "Wrong email or password.");
    };
    d.transactions.remove(field("state"));
    if blocked {
        return Back::of(&tx).error("access_denied", "user is blocked");
    }
    if let Some(invitation) = &tx.invitation
        && let Some(invited) = d.invitations.remove(invitation)
        && let Some(org) = d.organizations.get_mut(&invited.organization)
    {
        org.members.insert(user_id.clone());
        let members = d
            .store
            .relations
            .entry(format!("/organizations/{}/members", invited.organization))
            .or_default();
        if !members.contains(&json!(user_id)) {
            members.push(json!(user_id));
        }
    }
    if let Some(account) = d.users.get_mut(&user_id) {
        account.record_login();
    }
    d.sessions.retain(|_, s| s.expires > now);
    // The browser's session with this user is renewed; one with someone else is replaced.
    let existing = cookies(&headers, SESSION_COOKIE)
        .into_iter()
        .find(|c| d.sessions.get(*c).is_some_and(|s| s.user_id == user_id))
        .map(str::to_owned);
    let cookie = match existing {
        Some(cookie) => {
            if let Some(s) = d.sessions.get_mut(&cookie) {
                s.auth_time = now;
            }
            cookie
        }
        None => {
            for other in cookies(&headers, SESSION_COOKIE) {
                d.sessions.remove(other);
            }
            let (cookie, sid) = match (random(32), random(24)) {
                (Ok(cookie), Ok(sid)) => (cookie, sid),
                (Err(e), _) | (_, Err(e)) => return broken(&e),
            };
            d.sessions.insert(
                cookie.clone(),
                Session {
                    sid,
                    user_id,
                    auth_time: now,
                    expires: now + SESSION_SECONDS,
                    clients: Default::default(),
                },
            );
            cookie
        }
    };
    drop(d);
    complete(&t, &tx, &cookie, true)
}

/// Ends an authorization request in the session `cookie`: checks that the user may log in
/// to what was asked, issues a code and sends the browser back (setting the session cookie
/// when `set_cookie`).
fn complete(t: &Tenant, tx: &Transaction, cookie: &str, set_cookie: bool) -> Response {
    let back = Back::of(tx);
    let set_cookie = set_cookie.then(|| session_cookie(cookie));
    let code = match random(32) {
        Ok(code) => code,
        Err(e) => return broken(&e),
    };
    let now = now();
    let mut d = t.data();
    let Some(session) = d.sessions.get(cookie) else {
        return back.error("login_required", "Login required");
    };
    let (user_id, sid, auth_time) = (
        session.user_id.clone(),
        session.sid.clone(),
        session.auth_time,
    );
    let blocked = match d.users.get(&user_id) {
        Some(account) => account.profile["blocked"] == json!(true),
        None => {
            // The user was deleted: the session is over.
            d.sessions.remove(cookie);
            return back.error("login_required", "Login required");
        }
    };
    if blocked {
        return back.error_setting("access_denied", "user is blocked", set_cookie);
    }
    if let Some((org_id, _)) = &tx.organization {
        let member = d
            .organizations
            .get(org_id)
            .is_some_and(|o| o.members.contains(&user_id));
        if !member {
            return back.error_setting(
                "access_denied",
                &format!("user {user_id} is not part of the {org_id} organization"),
                set_cookie,
            );
        }
    }
    if let Some(session) = d.sessions.get_mut(cookie) {
        session.clients.insert(tx.client_id.clone());
    }
    d.codes.retain(|_, c| c.expires > now);
    d.codes.insert(
        code.clone(),
        Code {
            grant: Grant {
                client_id: tx.client_id.clone(),
                user_id,
                scopes: tx.scopes.clone(),
                audience: tx.audience.clone(),
                organization: tx.organization.clone(),
                sid,
                auth_time,
            },
            redirect_uri: tx.redirect_uri.clone(),
            nonce: tx.nonce.clone(),
            code_challenge: tx.code_challenge.clone(),
            expires: now + crate::state::CODE_SECONDS,
            used: false,
            family: None,
        },
    );
    drop(d);
    back.send(vec![("code", code)], set_cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_named() {
        assert_eq!(query_params(Some("a=1&b=2&a=3")).unwrap_err(), "a");
        let params = query_params(Some("a=1&b=x%20y")).unwrap();
        assert_eq!(params["b"], "x y");
        assert!(query_params(None).unwrap().is_empty());
    }

    #[test]
    fn only_s256_digests_pass_as_challenges() {
        assert!(s256_shaped("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!s256_shaped("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"));
        assert!(!s256_shaped("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));
    }
}
