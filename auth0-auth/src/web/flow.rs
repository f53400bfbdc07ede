//! The routes' work, framework-neutral: login, callback, logout and back-channel logout, each
//! answered with a [`WebResponse`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION};
use serde::{Deserialize, Serialize};

use super::cookie;
use super::data::{SessionData, StoredToken, from_unix, unix};
use super::error::html_escape;
use super::store::Logout;
use super::{LogoutEndpoint, ResponseMode, WebAuth, WebError, safe_return_to};
use crate::http::AuthorizationCode;
use crate::verify::VerifyOptions;
use crate::{Pkce, random_string};

/// How long a login may take: its transaction cookie's lifetime.
pub(crate) const TRANSACTION_LIFETIME: Duration = Duration::from_secs(3600);

/// The most logins of one browser waiting at once (older ones are dropped).
const MAX_PENDING_LOGINS: usize = 8;

/// The parameters a login accepts from its request (`GET /auth/login?…`); nothing else is
/// passed on to Auth0.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LoginOptions {
    /// Where to go after login: a path of this application ([`safe_return_to`]).
    pub return_to: Option<String>,
    /// The organization (id or name) to log in to.
    pub organization: Option<String>,
    /// An organization invitation's ticket id (with `organization`, from an invitation link).
    pub invitation: Option<String>,
    /// The connection to log in with.
    pub connection: Option<String>,
    /// `signup` to open the sign-up page.
    pub screen_hint: Option<String>,
    /// The API the access token is for, instead of the configured one.
    pub audience: Option<String>,
    /// The scopes, instead of the configured ones (`openid` is added when missing).
    pub scope: Option<String>,
}

impl LoginOptions {
    /// No options: the configured defaults, back to `/` after login.
    pub fn new() -> Self {
        LoginOptions::default()
    }

    /// Reads the allowed parameters of a query string (`returnTo`, `organization`,
    /// `invitation`, `connection`, `screen_hint`, `audience`, `scope`); others are ignored.
    pub fn from_query(query: &str) -> Self {
        let mut o = LoginOptions::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "returnTo" => &mut o.return_to,
                "organization" => &mut o.organization,
                "invitation" => &mut o.invitation,
                "connection" => &mut o.connection,
                "screen_hint" => &mut o.screen_hint,
                "audience" => &mut o.audience,
                "scope" => &mut o.scope,
                _ => continue,
            };
            if !v.is_empty() {
                slot.get_or_insert_with(|| v.into_owned());
            }
        }
        o
    }

    /// Where to go after login.
    pub fn return_to(mut self, path: impl Into<String>) -> Self {
        self.return_to = Some(path.into());
        self
    }

    /// The organization to log in to.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// An organization invitation's ticket id.
    pub fn invitation(mut self, invitation: impl Into<String>) -> Self {
        self.invitation = Some(invitation.into());
        self
    }

    /// The connection to log in with.
    pub fn connection(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    /// `signup` to open the sign-up page.
    pub fn screen_hint(mut self, hint: impl Into<String>) -> Self {
        self.screen_hint = Some(hint.into());
        self
    }

    /// The API the access token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The scopes.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

/// What Auth0 sends back to the callback (in the query, or the body of a `form_post`).
/// `Debug` redacts the code.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallbackParams {
    /// The login's `state`.
    pub state: Option<String>,
    /// The authorization code.
    pub code: Option<AuthorizationCode>,
    /// Auth0's `error`, when the login failed.
    pub error: Option<String>,
    /// Auth0's `error_description`.
    pub error_description: Option<String>,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackParams")
            .field("state", &self.state)
            .field("code", &self.code)
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

impl CallbackParams {
    /// Reads a query string or an `application/x-www-form-urlencoded` body.
    pub fn from_urlencoded(input: &[u8]) -> Self {
        let mut p = CallbackParams::default();
        for (k, v) in url::form_urlencoded::parse(input) {
            match &*k {
                "state" if p.state.is_none() => p.state = Some(v.into_owned()),
                "code" if p.code.is_none() => p.code = Some(AuthorizationCode::new(v)),
                "error" if p.error.is_none() => p.error = Some(v.into_owned()),
                "error_description" if p.error_description.is_none() => {
                    p.error_description = Some(v.into_owned());
                }
                _ => {}
            }
        }
        p
    }
}

/// An answer of one of the routes: a status, headers (`Location`, `Set-Cookie`, …) and a
/// body; with the failure it reports, if it reports one.
#[derive(Debug)]
pub struct WebResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    error: Option<WebError>,
}

impl WebResponse {
    /// A `302 Found` to `location`, with `Cache-Control: no-store` and these cookies.
    pub(crate) fn redirect(location: &str, cookies: Vec<HeaderValue>) -> WebResponse {
        let mut headers = HeaderMap::with_capacity(cookies.len() + 2);
        // A URL or path made by this crate: always a header value.
        if let Ok(v) = HeaderValue::from_str(location) {
            headers.insert(LOCATION, v);
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for c in cookies {
            headers.append(http::header::SET_COOKIE, c);
        }
        WebResponse {
            status: StatusCode::FOUND,
            headers,
            body: String::new(),
            error: None,
        }
    }

    /// An HTML page reporting `error` (escaped), with its status.
    pub(crate) fn error_page(error: WebError, cookies: Vec<HeaderValue>) -> WebResponse {
        let title = if error.status() == StatusCode::UNAUTHORIZED {
            "Login required"
        } else {
            "Login failed"
        };
        let body = format!(
            "<!doctype html>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<h1>{title}</h1>\n\
             <p>{}</p>\n<p><code>{}</code></p>\n<p><a href=\"/\">Home</a></p>\n",
            html_escape(&error.to_string(), 1000),
            html_escape(error.code(), 100),
        );
        let mut r = WebResponse::page(error.status(), "text/html; charset=utf-8", body, cookies);
        r.headers.insert(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static("default-src 'none'"),
        );
        r.error = Some(error);
        r
    }

    /// A JSON error answer (`{"error", "error_description"}`), with its status.
    pub(crate) fn error_json(error: WebError, cookies: Vec<HeaderValue>) -> WebResponse {
        let body = serde_json::json!({
            "error": error.code(),
            "error_description": error.to_string(),
        })
        .to_string();
        let mut r = WebResponse::page(error.status(), "application/json", body, cookies);
        r.error = Some(error);
        r
    }

    fn page(
        status: StatusCode,
        content_type: &'static str,
        body: String,
        cookies: Vec<HeaderValue>,
    ) -> WebResponse {
        let mut headers = HeaderMap::with_capacity(cookies.len() + 3);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        );
        for c in cookies {
            headers.append(http::header::SET_COOKIE, c);
        }
        WebResponse {
            status,
            headers,
            body,
            error: None,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers (`Set-Cookie` values are marked sensitive).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to add some.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body (empty for redirects).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The failure this answer reports, if any.
    pub fn error(&self) -> Option<&WebError> {
        self.error.as_ref()
    }

    /// The answer as an [`http::Response`].
    pub fn into_response<B: From<String>>(self) -> http::Response<B> {
        let mut r = http::Response::new(B::from(self.body));
        *r.status_mut() = self.status;
        *r.headers_mut() = self.headers;
        r
    }
}

/// Values used once, each remembered until a time (Unix seconds): the states of completed
/// logins and the `jti`s of logout tokens.
#[derive(Default)]
pub(crate) struct Spent {
    entries: Mutex<HashMap<String, u64>>,
}

impl Spent {
    /// Spends `value` (remembered until `until`); `false` when it was spent before.
    pub(crate) fn spend(&self, value: &str, until: u64, now: u64) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= 1024 {
            entries.retain(|_, u| *u > now);
        }
        match entries.get(value) {
            Some(u) if *u > now => false,
            _ => {
                entries.insert(value.to_owned(), until);
                true
            }
        }
    }

    pub(crate) fn is_spent(&self, value: &str, now: u64) -> bool {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(value)
            .is_some_and(|u| *u > now)
    }
}

/// The longest common path of `a` and `b` ending at a segment boundary (`/auth` for
/// `/auth/login` and `/auth/callback`): the transaction cookies' path, so they reach both the
/// login (which drops stale ones) and the callback, and no other route.
pub(crate) fn common_path(a: &str, b: &str) -> String {
    let mut end = 0;
    for (i, (x, y)) in a.bytes().zip(b.bytes()).enumerate() {
        if x != y {
            break;
        }
        if x == b'/' {
            end = i;
        }
    }
    let same = a.len().min(b.len());
    if a.as_bytes()[..same] == b.as_bytes()[..same] {
        let longer = if a.len() > b.len() { a } else { b };
        if a.len() == b.len() || longer.as_bytes()[same] == b'/' {
            end = same;
        }
    }
    if end == 0 {
        "/".to_owned()
    } else {
        a[..end].to_owned()
    }
}

/// What a login keeps across the redirect, sealed in its transaction cookie.
#[derive(Serialize, Deserialize)]
struct Transaction {
    state: String,
    nonce: String,
    code_verifier: String,
    return_to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audience: Option<String>,
    created_at: u64,
}

/// Whether `state` can be a cookie name's suffix (the SDK's states are 43 base64url
/// characters).
fn valid_state(state: &str) -> bool {
    (1..=128).contains(&state.len())
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

fn with_openid(scope: &str) -> String {
    if scope.split(' ').any(|s| s == "openid") {
        scope.to_owned()
    } else {
        format!("openid {scope}").trim_end().to_owned()
    }
}

impl WebAuth {
    fn txn_cookie(&self, state: &str) -> String {
        format!("{}.{state}", self.inner.txn_prefix)
    }

    /// Starts a login: a `302` to the tenant's `/authorize` with `state`, `nonce` and a PKCE
    /// challenge (S256), and the sealed transaction cookie `auth0_txn.<state>`. Stale
    /// transaction cookies of the browser (expired, unreadable, or beyond the 8 newest) are
    /// removed.
    pub fn login(&self, options: &LoginOptions, request: &HeaderMap) -> WebResponse {
        let inner = &self.inner;
        let now = unix(self.now());
        let state = random_string();
        let nonce = random_string();
        let pkce = Pkce::new();
        let return_to = options
            .return_to
            .as_deref()
            .map_or_else(|| "/".to_owned(), |r| safe_return_to(&inner.base, r));
        let scope = options
            .scope
            .as_deref()
            .map_or_else(|| inner.scope.clone(), with_openid);
        let audience = options.audience.clone().or_else(|| inner.audience.clone());
        let organization = options
            .organization
            .clone()
            .or_else(|| inner.organization.clone());

        let mut url = inner.client.authorize_url(inner.redirect_uri.clone());
        for (k, v) in &inner.params {
            url = url.param(k, v.clone());
        }
        url = url.scope(scope).state(&state).nonce(&nonce).pkce(&pkce);
        if let Some(a) = &audience {
            url = url.audience(a.clone());
        }
        if let Some(o) = &organization {
            url = url.organization(o.clone());
        }
        if let Some(i) = &options.invitation {
            url = url.invitation(i.clone());
        }
        if let Some(c) = &options.connection {
            url = url.connection(c.clone());
        }
        if let Some(h) = &options.screen_hint {
            url = url.param("screen_hint", h.clone());
        }
        if let Some(m) = inner.max_age {
            url = url.max_age(m);
        }
        if inner.response_mode == ResponseMode::FormPost {
            url = url.response_mode("form_post");
        }

        let txn = Transaction {
            state: state.clone(),
            nonce,
            code_verifier: pkce.verifier().expose_secret().to_owned(),
            return_to,
            organization,
            max_age: inner.max_age.map(|d| d.as_secs()),
            audience,
            created_at: now,
        };
        let sealed = match serde_json::to_vec(&txn) {
            Ok(json) => inner.txn_sealer.seal(&json),
            Err(_) => unreachable!("a transaction of strings and numbers serializes"),
        };
        let mut cookies = self.stale_transactions(request, now);
        cookies.push(cookie::set_cookie(
            &self.txn_cookie(&state),
            &sealed,
            &inner.txn_attributes,
            TRANSACTION_LIFETIME.as_secs(),
        ));
        WebResponse::redirect(url.build().as_str(), cookies)
    }

    /// `Set-Cookie` values removing the browser's expired, unreadable and surplus transaction
    /// cookies, leaving room for one more.
    fn stale_transactions(&self, request: &HeaderMap, now: u64) -> Vec<HeaderValue> {
        let inner = &self.inner;
        let prefix = format!("{}.", inner.txn_prefix);
        let mut live = Vec::new();
        let mut clear = Vec::new();
        for (name, value) in cookie::request_cookies(request) {
            let Some(state) = name.strip_prefix(&prefix) else {
                continue;
            };
            match self.open_transaction(state, value, now) {
                Ok(txn) => live.push((txn.created_at, name)),
                Err(_) => clear.push(name),
            }
        }
        if live.len() >= MAX_PENDING_LOGINS {
            live.sort_unstable();
            let surplus = live.len() + 1 - MAX_PENDING_LOGINS;
            clear.extend(live.drain(..surplus).map(|(_, n)| n));
        }
        clear
            .into_iter()
            .map(|n| cookie::clear_cookie(n, &inner.txn_attributes))
            .collect()
    }

    fn open_transaction(
        &self,
        state: &str,
        value: &str,
        now: u64,
    ) -> Result<Transaction, WebError> {
        let plain = self.inner.txn_sealer.open(value).map_err(|e| {
            tracing::debug!(
                reason = e.reason(),
                "a login transaction cookie was refused"
            );
            WebError::UnknownState
        })?;
        let txn: Transaction = serde_json::from_slice(&plain).map_err(|_| {
            tracing::debug!("a login transaction cookie does not hold a transaction");
            WebError::UnknownState
        })?;
        if txn.state != state {
            tracing::debug!("a login transaction cookie holds another state");
            return Err(WebError::UnknownState);
        }
        if now
            >= txn
                .created_at
                .saturating_add(TRANSACTION_LIFETIME.as_secs())
        {
            tracing::debug!("a login transaction is over an hour old");
            return Err(WebError::UnknownState);
        }
        Ok(txn)
    }

    /// Completes a login: checks the state against its transaction cookie (and spends it),
    /// carries Auth0's `error` through, exchanges the code (PKCE and the client's
    /// authentication), verifies the ID token, and answers `302` to the login's `returnTo`
    /// with the session cookie. Failures answer an HTML page with the failure escaped (400,
    /// or 502 when the tenant could not be reached), never a 500.
    pub async fn callback(&self, params: &CallbackParams, request: &HeaderMap) -> WebResponse {
        let mut cookies = Vec::new();
        match self.complete(params, request, &mut cookies).await {
            Ok(location) => WebResponse::redirect(&location, cookies),
            Err(e) => {
                tracing::debug!(error = %e, "a login callback was refused");
                WebResponse::error_page(e, cookies)
            }
        }
    }

    async fn complete(
        &self,
        params: &CallbackParams,
        request: &HeaderMap,
        cookies: &mut Vec<HeaderValue>,
    ) -> Result<String, WebError> {
        let inner = &self.inner;
        let now = unix(self.now());
        let state = params.state.as_deref().ok_or(WebError::MissingState)?;
        if !valid_state(state) {
            return Err(WebError::UnknownState);
        }
        let name = self.txn_cookie(state);
        let value = cookie::request_cookies(request)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v);
        if value.is_some() {
            cookies.push(cookie::clear_cookie(&name, &inner.txn_attributes));
        }
        if inner.spent_states.is_spent(state, now) {
            return Err(WebError::StateReused);
        }
        let txn = self.open_transaction(state, value.ok_or(WebError::UnknownState)?, now)?;
        let until = txn
            .created_at
            .saturating_add(TRANSACTION_LIFETIME.as_secs());
        if !inner.spent_states.spend(state, until, now) {
            return Err(WebError::StateReused);
        }
        if let Some(error) = &params.error {
            return Err(WebError::Authorization {
                error: error.clone(),
                description: params.error_description.clone(),
            });
        }
        let code = params.code.as_ref().ok_or(WebError::MissingCode)?;

        let tokens = inner
            .client
            .authorization_code(code.expose_secret(), inner.redirect_uri.clone())
            .code_verifier(txn.code_verifier.as_str())
            .send()
            .await
            .map_err(WebError::CodeExchange)?;
        let id_token = tokens.id_token.clone().ok_or(WebError::MissingIdToken)?;
        let mut options = VerifyOptions::default().nonce(txn.nonce);
        if let Some(m) = txn.max_age {
            options = options.max_age(Duration::from_secs(m));
        }
        if let Some(o) = &txn.organization {
            options = options.organization(o.clone());
        }
        let claims = inner
            .verifier
            .verify(id_token.expose_secret(), &options)
            .await
            .map_err(WebError::IdToken)?;

        let now = unix(self.now());
        let mut data = SessionData {
            created_at: now,
            touched_at: now,
            sid: claims.sid,
            sub: claims.sub,
            audience: txn.audience.clone(),
            id_token,
            refresh_token: tokens.refresh_token.clone(),
            tokens: Vec::new(),
        };
        data.put_token(StoredToken {
            audience: txn.audience,
            expires_at: tokens.expires_in.map_or(0, |s| now.saturating_add(s)),
            token: tokens.access_token,
            scope: tokens.scope,
            token_type: tokens.token_type,
        });

        let (old, present) = cookie::read_chunked(request, &inner.session_cookie);
        if let (Some(store), Some(old)) = (&inner.store, old)
            && let Ok(id) = self.open_store_id(&old)
        {
            store.delete(&id).await.map_err(WebError::Store)?;
        }
        self.write_new_session(data, present, cookies).await?;
        Ok(txn.return_to)
    }

    /// Ends the session of the request and answers `302` to the tenant's logout
    /// ([`LogoutEndpoint`]), which returns the browser to `return_to` (a path of this
    /// application, [`safe_return_to`]; the base URL by default).
    pub async fn logout(&self, return_to: Option<&str>, request: &HeaderMap) -> WebResponse {
        let inner = &self.inner;
        let (value, present) = cookie::read_chunked(request, &inner.session_cookie);
        let mut id_token = None;
        if let Some(value) = value
            && let Ok(Some((data, store_id))) = self.decode_session(&value).await
        {
            if let (Some(store), Some(id)) = (&inner.store, &store_id)
                && let Err(e) = store.delete(id).await
            {
                tracing::warn!(error = %e, "a session could not be deleted from the store at logout");
            }
            // A copy of a stateless cookie must not outlive the logout.
            if inner.store.is_none()
                && let Some(sid) = &data.sid
            {
                let logout = Logout::new(Some(sid.clone()), None, self.now());
                if let Err(e) = self.record_logout(&logout).await {
                    tracing::warn!(error = %e, "a logout could not be recorded");
                }
            }
            id_token = Some(data.id_token);
        }
        let mut cookies = Vec::new();
        cookie::clear_chunked(
            &inner.session_cookie,
            &inner.session_attributes,
            present,
            &mut cookies,
        );

        let path = return_to.map_or_else(
            || inner.base.path().to_owned(),
            |r| safe_return_to(&inner.base, r),
        );
        let back = inner
            .base
            .join(&path)
            .map_or_else(|_| inner.base.to_string(), |u| u.to_string());
        let location = match inner.logout_endpoint {
            LogoutEndpoint::Oidc => {
                let mut url = inner
                    .client
                    .oidc_logout_url()
                    .post_logout_redirect_uri(back);
                if let Some(t) = &id_token {
                    url = url.id_token_hint(t);
                }
                url.build()
            }
            LogoutEndpoint::V2 => inner.client.logout_url().return_to(back).build(),
        };
        let mut response = WebResponse::redirect(location.as_str(), cookies);
        // The URL carries the ID token (`id_token_hint`): kept out of logs and header tables.
        if let Some(v) = response.headers.get_mut(LOCATION) {
            v.set_sensitive(true);
        }
        response
    }

    /// Handles Auth0's back-channel logout (`POST`, `application/x-www-form-urlencoded` body
    /// with `logout_token`): verifies the token, refuses one received before, and ends the
    /// sessions it names (`sid`, else every session of `sub` begun before it): in the session
    /// store, and in the logout record for stateless sessions. `200` when done; `400` with a
    /// JSON error otherwise.
    pub async fn backchannel_logout(&self, body: &[u8]) -> WebResponse {
        match self.end_sessions(body).await {
            Ok(()) => WebResponse::page(StatusCode::OK, "text/plain", String::new(), Vec::new()),
            Err(e) => {
                tracing::debug!(error = %e, "a back-channel logout was refused");
                WebResponse::error_json(e, Vec::new())
            }
        }
    }

    async fn end_sessions(&self, body: &[u8]) -> Result<(), WebError> {
        let inner = &self.inner;
        let token = url::form_urlencoded::parse(body)
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
            .ok_or(WebError::MissingLogoutToken)?;
        let claims = inner
            .logout_verifier
            .verify(&token)
            .await
            .map_err(WebError::LogoutToken)?;
        let now = unix(self.now());
        // Kept past any time the token could still be accepted (its `iat` plus leeway).
        let until = claims
            .exp
            .map_or(0, |e| u64::try_from(e).unwrap_or(0))
            .max(u64::try_from(claims.iat).unwrap_or(0).saturating_add(3600))
            .max(now.saturating_add(600));
        if !inner.spent_logout_tokens.spend(&claims.jti, until, now) {
            return Err(WebError::LogoutTokenReplayed);
        }
        let at = from_unix(u64::try_from(claims.iat).unwrap_or(0));
        let logout = Logout::new(claims.sid, claims.sub, at);
        self.record_logout(&logout).await?;
        if let Some(store) = &inner.store {
            store.end(&logout).await.map_err(WebError::Store)?;
        }
        Ok(())
    }

    async fn record_logout(&self, logout: &Logout) -> Result<(), WebError> {
        use super::store::LogoutRecord as _;
        let keep = self.inner.absolute;
        match &self.inner.record {
            super::Record::Memory(m) => m.record(logout, keep).await,
            super::Record::Custom(c) => c.record(logout, keep).await,
        }
        .map_err(WebError::Store)
    }

    /// The answer to a request that needs a session and has none: a browser (`Accept` with
    /// `text/html`) is redirected to the login route with `returnTo` the request's path and
    /// query; anything else gets `401` with a JSON error.
    pub fn login_required(&self, path_and_query: &str, request: &HeaderMap) -> WebResponse {
        if accepts_html(request) {
            let mut location = self.inner.paths.login.clone();
            location.push_str("?returnTo=");
            location.extend(url::form_urlencoded::byte_serialize(
                path_and_query.as_bytes(),
            ));
            WebResponse::redirect(&location, Vec::new())
        } else {
            WebResponse::error_json(WebError::LoginRequired, Vec::new())
        }
    }
}

/// Whether the request's `Accept` names `text/html` (a browser navigating).
pub(crate) fn accepts_html(request: &HeaderMap) -> bool {
    request
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().starts_with("text/html")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_cookies_live_on_the_common_path() {
        assert_eq!(common_path("/auth/login", "/auth/callback"), "/auth");
        assert_eq!(common_path("/login", "/callback"), "/");
        assert_eq!(common_path("/auth/login", "/authx/callback"), "/");
        assert_eq!(common_path("/a/b/login", "/a/b/callback"), "/a/b");
        assert_eq!(common_path("/auth", "/auth/callback"), "/auth");
        assert_eq!(common_path("/auth/callback", "/auth"), "/auth");
        assert_eq!(common_path("/x", "/x"), "/x");
        assert_eq!(common_path("/xy", "/x"), "/");
    }

    #[test]
    fn login_options_take_the_allowed_parameters_only() {
        let o = LoginOptions::from_query(
            "returnTo=%2Fprofile&organization=org_1&invitation=inv&connection=db&\
             screen_hint=signup&audience=https%3A%2F%2Fapi&scope=openid+read&prompt=none&\
             redirect_uri=https%3A%2F%2Fevil&state=x&returnTo=%2Fsecond",
        );
        assert_eq!(o.return_to.as_deref(), Some("/profile"));
        assert_eq!(o.organization.as_deref(), Some("org_1"));
        assert_eq!(o.invitation.as_deref(), Some("inv"));
        assert_eq!(o.connection.as_deref(), Some("db"));
        assert_eq!(o.screen_hint.as_deref(), Some("signup"));
        assert_eq!(o.audience.as_deref(), Some("https://api"));
        assert_eq!(o.scope.as_deref(), Some("openid read"));
    }

    #[test]
    fn callback_params_redact_the_code() {
        let p = CallbackParams::from_urlencoded(b"code=secret-code&state=s1");
        assert_eq!(p.state.as_deref(), Some("s1"));
        assert_eq!(p.code.as_ref().unwrap().expose_secret(), "secret-code");
        assert!(!format!("{p:?}").contains("secret-code"));
    }

    #[test]
    fn spent_values_are_refused_until_forgotten() {
        let s = Spent::default();
        assert!(s.spend("a", 100, 10));
        assert!(!s.spend("a", 100, 50));
        assert!(s.is_spent("a", 99));
        assert!(!s.is_spent("a", 100));
        assert!(s.spend("a", 200, 100));
    }

    #[test]
    fn states_are_checked_before_naming_a_cookie() {
        assert!(valid_state(&random_string()));
        for bad in ["", "a;b", "a=b", "a b", &"x".repeat(129), "é"] {
            assert!(!valid_state(bad), "{bad:?}");
        }
    }

    #[test]
    fn browsers_are_told_apart_by_accept() {
        let mut h = HeaderMap::new();
        assert!(!accepts_html(&h));
        h.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
        );
        assert!(accepts_html(&h));
        h.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        assert!(!accepts_html(&h));
    }
}
