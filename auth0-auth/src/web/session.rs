//! Reading and writing sessions, the [`Session`] handle, the [`User`] and [`AccessToken`] it
//! gives, and refreshing access tokens one request per refresh token at a time.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::cookie::{self, Present};
use super::data::{SessionData, StoredToken, from_unix, unix};
use super::{Record, WebAuth, WebError};
use crate::Error;
use crate::http::{IdToken, RefreshToken};
use crate::verify::VerifyOptions;

mod shared_refresh;

/// The first byte of a session cookie's plaintext when the session is in a store: the id
/// follows. (An encoded [`SessionData`] starts with its version, 1.)
const STORE_ID: u8 = b'I';

/// How long a refresh's result is handed to requests still carrying the refresh token it
/// rotated away (a browser's requests sent before the new cookie arrived).
const REFRESH_GRACE: Duration = Duration::from_secs(60);

/// The most rotations followed from one refresh token.
const MAX_CHAIN: usize = 8;

/// The user of a session: the claims of its ID token.
///
/// The standard profile claims are fields; every other claim (`iss`, `aud`, `sid`, custom
/// namespaced claims, …) is in [`extra`](Self::extra).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The user id (`auth0|…`).
    pub sub: String,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Nickname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email address is verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Profile picture URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// The organization logged in to (`org_…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// The organization's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reads the claims in one pass: the named ones into their fields, the others straight into
/// `extra` (serde's `flatten` would buffer every claim first).
impl<'de> Deserialize<'de> for User {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Claims;

        impl<'de> serde::de::Visitor<'de> for Claims {
            type Value = User;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the claims of an ID token")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<User, A::Error> {
                let mut sub = None;
                let mut user = User {
                    sub: String::new(),
                    name: None,
                    given_name: None,
                    family_name: None,
                    nickname: None,
                    email: None,
                    email_verified: None,
                    picture: None,
                    org_id: None,
                    org_name: None,
                    extra: Map::new(),
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match &*key {
                        "sub" => {
                            sub = Some(map.next_value::<String>()?);
                            continue;
                        }
                        "email_verified" => {
                            user.email_verified = map.next_value()?;
                            continue;
                        }
                        "name" => &mut user.name,
                        "given_name" => &mut user.given_name,
                        "family_name" => &mut user.family_name,
                        "nickname" => &mut user.nickname,
                        "email" => &mut user.email,
                        "picture" => &mut user.picture,
                        "org_id" => &mut user.org_id,
                        "org_name" => &mut user.org_name,
                        _ => {
                            let value = map.next_value()?;
                            user.extra.insert(key.into_owned(), value);
                            continue;
                        }
                    };
                    *slot = map.next_value()?;
                }
                user.sub = sub.ok_or_else(|| serde::de::Error::missing_field("sub"))?;
                Ok(user)
            }
        }

        deserializer.deserialize_map(Claims)
    }
}

impl User {
    /// The claims of an ID token (already verified: its signature is not checked here).
    pub(crate) fn from_id_token(id_token: &str) -> Option<User> {
        let payload = id_token.split('.').nth(1)?;
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// Another claim, as raw JSON.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.extra.get(name)
    }
}

/// An access token of a session, with when it expires and what it is for. `Debug` redacts
/// the token.
#[derive(Clone)]
pub struct AccessToken {
    token: crate::http::AccessToken,
    expires_at: Option<SystemTime>,
    audience: Option<String>,
    scope: Option<String>,
    token_type: Option<String>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .field("audience", &self.audience)
            .field("scope", &self.scope)
            .field("token_type", &self.token_type)
            .finish()
    }
}

impl AccessToken {
    fn from_stored(t: &StoredToken) -> AccessToken {
        AccessToken {
            token: t.token.clone(),
            expires_at: (t.expires_at != 0).then(|| from_unix(t.expires_at)),
            audience: t.audience.clone(),
            scope: t.scope.clone(),
            token_type: t.token_type.clone(),
        }
    }

    /// The token (to send as `Authorization: Bearer …`).
    pub fn expose_secret(&self) -> &str {
        self.token.expose_secret()
    }

    /// The token in its secret wrapper.
    pub fn token(&self) -> &crate::http::AccessToken {
        &self.token
    }

    /// When it expires, if the tenant said.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The API it is for; `None` when the login named none (a token for the tenant's
    /// `/userinfo`).
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The scopes granted, space separated, if the tenant said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The token type (`Bearer`), if the tenant said.
    pub fn token_type(&self) -> Option<&str> {
        self.token_type.as_deref()
    }
}

/// The session of a request: opened by [`WebAuth::session`] (or the axum extractors),
/// written back by [`WebAuth::save_session`] when it changed (a refresh, a renewal).
///
/// Cloning is cheap; clones are the same session (a token one refreshes, the others see).
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

struct Shared {
    auth: WebAuth,
    store_id: Option<String>,
    present: Present,
    state: Mutex<State>,
}

struct State {
    /// Shared with the cache of opened cookies until it changes.
    data: Arc<SessionData>,
    /// The user of `data`'s ID token, once read (`None` again when the ID token changes).
    user: Option<Arc<User>>,
    changed: bool,
    /// The generation of the latest refresh applied (refreshes finish in any order).
    generation: u64,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Session")
            .field("data", &state.data)
            .field("changed", &state.changed)
            .field("stored", &self.shared.store_id.is_some())
            .finish()
    }
}

impl Session {
    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The user: the claims of the session's ID token. Fails with
    /// [`WebError::LoginRequired`] only if the ID token cannot be read (never for one this
    /// crate verified).
    pub fn user(&self) -> Result<User, WebError> {
        let mut state = self.state();
        if let Some(user) = &state.user {
            return Ok(User::clone(user));
        }
        let user = User::from_id_token(state.data.id_token.expose_secret()).ok_or_else(|| {
            tracing::debug!("a session's ID token cannot be read");
            WebError::LoginRequired
        })?;
        state.user = Some(Arc::new(user.clone()));
        Ok(user)
    }

    /// The user id (`sub`).
    pub fn sub(&self) -> String {
        self.state().data.sub.clone()
    }

    /// Auth0's session id (`sid`), if the ID token had one.
    pub fn sid(&self) -> Option<String> {
        self.state().data.sid.clone()
    }

    /// The ID token.
    pub fn id_token(&self) -> IdToken {
        self.state().data.id_token.clone()
    }

    /// When the user logged in.
    pub fn created_at(&self) -> SystemTime {
        self.state().data.created_at()
    }

    /// When the session ends unless renewed (the earlier of its rolling and absolute
    /// expiry).
    pub fn expires_at(&self) -> SystemTime {
        from_unix(self.shared.auth.expires_at(&self.state().data))
    }

    /// A copy of what the session holds.
    pub fn data(&self) -> SessionData {
        SessionData::clone(&self.state().data)
    }

    /// Whether the session changed since it was read (a token refreshed, its expiry renewed):
    /// it must then be saved ([`WebAuth::save_session`]).
    pub fn is_changed(&self) -> bool {
        self.state().changed
    }

    /// An access token for the login's audience, refreshed when it expires within the
    /// leeway (see [`access_token_for`](Self::access_token_for)).
    pub async fn access_token(&self) -> Result<AccessToken, WebError> {
        let audience = self.state().data.audience.clone();
        self.token_for(audience.as_deref()).await
    }

    /// An access token for `audience` (another API), got with the refresh token when the
    /// session has none for it or it expires within the leeway (multi-resource refresh
    /// tokens). Concurrent refreshes of one refresh token share one request; a rotated
    /// refresh token is kept in the session ([`is_changed`](Self::is_changed)). A refused
    /// refresh token ([`WebError::RefreshRevoked`]) drops the session's tokens: the user logs
    /// in again.
    pub async fn access_token_for(&self, audience: &str) -> Result<AccessToken, WebError> {
        self.token_for(Some(audience)).await
    }

    async fn token_for(&self, audience: Option<&str>) -> Result<AccessToken, WebError> {
        let auth = &self.shared.auth;
        let now = unix(auth.now());
        let leeway = auth.inner.refresh_leeway.as_secs();
        let (refresh_token, own) = {
            let state = self.state();
            if let Some(t) = state.data.token(audience)
                && (t.expires_at == 0 || t.expires_at > now.saturating_add(leeway))
            {
                return Ok(AccessToken::from_stored(t));
            }
            let own = state.data.audience.as_deref() == audience;
            (state.data.refresh_token.clone(), own)
        };
        // A store that several processes share: the refresh takes the session's lock there.
        if let (Some(store), Some(id)) = (&auth.inner.store, &self.shared.store_id)
            && store.is_shared()
        {
            return self.token_shared(store, id, audience).await;
        }
        let refresh_token = refresh_token.ok_or(WebError::NoRefreshToken)?;
        let outcome = auth
            .inner
            .refresher
            .refresh(auth, &refresh_token, audience, own)
            .await;
        self.apply(outcome, audience)
    }

    /// Puts a refresh's outcome in the session.
    fn apply(&self, outcome: Outcome, audience: Option<&str>) -> Result<AccessToken, WebError> {
        let mut state = self.state();
        match outcome {
            Outcome::Done(r) => {
                if r.generation > state.generation {
                    state.generation = r.generation;
                    let data = Arc::make_mut(&mut state.data);
                    data.refresh_token = Some(r.refresh_token.clone());
                    if let Some((id_token, sub)) = &r.id_token
                        && *sub == data.sub
                    {
                        data.id_token = id_token.clone();
                        state.user = None;
                    }
                }
                if state
                    .data
                    .token(audience)
                    .is_none_or(|t| t.expires_at <= r.token.expires_at)
                {
                    Arc::make_mut(&mut state.data).put_token(r.token.clone());
                }
                state.changed = true;
                Ok(AccessToken::from_stored(&r.token))
            }
            Outcome::Revoked(e) => {
                let data = Arc::make_mut(&mut state.data);
                data.refresh_token = None;
                data.tokens.clear();
                state.changed = true;
                Err(WebError::RefreshRevoked(e))
            }
            Outcome::Failed(e) => Err(WebError::Refresh(e)),
        }
    }

    pub(crate) fn present(&self) -> Present {
        self.shared.present
    }
}

/// What reading the request's session cookie found.
pub(crate) struct Opened {
    pub(crate) session: Option<Session>,
    /// Which session cookies the request carried.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) present: Present,
}

impl Opened {
    /// Whether the request carried a session cookie that is no session (altered, foreign,
    /// expired, ended): it is then removed.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn refused(&self) -> bool {
        self.session.is_none() && self.present.any()
    }
}

impl WebAuth {
    /// The session of a request, from its cookies: `None` without one, and for a cookie that
    /// was altered, sealed with another secret, expired or ended by a back-channel logout
    /// (logged at debug level). Fails only when the session store does.
    pub async fn session(&self, request: &HeaderMap) -> Result<Option<Session>, WebError> {
        Ok(self.open(request).await?.session)
    }

    /// The `Set-Cookie` values that write `session` back (after a refresh or renewal; see
    /// [`Session::is_changed`]); with a store, the session is saved there.
    pub async fn save_session(&self, session: &Session) -> Result<Vec<HeaderValue>, WebError> {
        let data = {
            let mut state = session.state();
            state.changed = false;
            state.data.clone()
        };
        let mut out = Vec::new();
        self.write_session(
            &data,
            session.shared.store_id.as_deref(),
            session.present(),
            &mut out,
        )
        .await?;
        Ok(out)
    }

    /// The `Set-Cookie` values that remove the request's session cookies.
    pub fn clear_session_cookies(&self, request: &HeaderMap) -> Vec<HeaderValue> {
        let (_, present) = cookie::read_chunked(request, &self.inner.session_cookie);
        let mut out = Vec::new();
        self.clear_present(present, &mut out);
        out
    }

    pub(crate) fn clear_present(&self, present: Present, out: &mut Vec<HeaderValue>) {
        cookie::clear_chunked(
            &self.inner.session_cookie,
            &self.inner.session_attributes,
            present,
            out,
        );
    }

    /// Unix time at which `data` expires: the earlier of its rolling and absolute expiry.
    pub(crate) fn expires_at(&self, data: &SessionData) -> u64 {
        let i = &self.inner;
        data.created_at
            .saturating_add(i.absolute.as_secs())
            .min(data.touched_at.saturating_add(i.rolling.as_secs()))
    }

    /// How often a session's rolling expiry is renewed: every tenth of the rolling duration,
    /// at most hourly.
    fn touch_interval(&self) -> u64 {
        (self.inner.rolling.as_secs() / 10).clamp(1, 3600)
    }

    pub(crate) async fn open(&self, request: &HeaderMap) -> Result<Opened, WebError> {
        let (value, present) = cookie::read_chunked(request, &self.inner.session_cookie);
        let none = Opened {
            session: None,
            present,
        };
        let Some(value) = value else {
            return Ok(none);
        };
        let cached = match &self.inner.store {
            None => self.inner.opened.get(&value),
            Some(_) => None,
        };
        let (mut data, store_id, user) = match cached {
            Some(entry) => (entry.data.clone(), None, entry.user.clone()),
            None => {
                let Some((data, store_id)) = self.decode_session(&value).await? else {
                    return Ok(none);
                };
                let data = Arc::new(data);
                let mut user = None;
                if self.inner.store.is_none() {
                    user = User::from_id_token(data.id_token.expose_secret()).map(Arc::new);
                    self.inner.opened.put(&value, data.clone(), user.clone());
                }
                (data, store_id, user)
            }
        };
        let now = unix(self.now());
        if now >= self.expires_at(&data) {
            tracing::debug!("a session cookie has expired");
            return Ok(none);
        }
        let ended = match &self.inner.record {
            Record::Memory(m) => m.is_ended_now(&data),
            Record::Custom(c) => c.is_ended(&data).await.map_err(WebError::Store)?,
        };
        if ended {
            tracing::debug!("a session was ended by a back-channel logout");
            return Ok(none);
        }
        let changed = now >= data.touched_at.saturating_add(self.touch_interval());
        if changed {
            Arc::make_mut(&mut data).touched_at = now;
        }
        Ok(Opened {
            session: Some(Session {
                shared: Arc::new(Shared {
                    auth: self.clone(),
                    store_id,
                    present,
                    state: Mutex::new(State {
                        data,
                        user,
                        changed,
                        generation: 0,
                    }),
                }),
            }),
            present,
        })
    }

    /// Opens a session cookie's value: the session, and its store id when it is in a store.
    /// `None` for a value that does not open (logged at debug level).
    pub(crate) async fn decode_session(
        &self,
        value: &str,
    ) -> Result<Option<(SessionData, Option<String>)>, WebError> {
        let plain = match self.inner.session_sealer.open(value) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(reason = e.reason(), "a session cookie was refused");
                return Ok(None);
            }
        };
        match &self.inner.store {
            Some(store) => {
                let Some(id) = self.store_id(&plain) else {
                    tracing::debug!("a session cookie holds no store id");
                    return Ok(None);
                };
                match store.load(id).await.map_err(WebError::Store)? {
                    Some(data) => Ok(Some((data, Some(id.to_owned())))),
                    None => {
                        tracing::debug!("a session cookie names a session the store does not keep");
                        Ok(None)
                    }
                }
            }
            None => match SessionData::from_bytes(&plain) {
                Ok(data) => Ok(Some((data, None))),
                Err(e) => {
                    tracing::debug!(reason = %e, "a session cookie does not hold a session");
                    Ok(None)
                }
            },
        }
    }

    fn store_id<'p>(&self, plain: &'p [u8]) -> Option<&'p str> {
        match plain.split_first() {
            Some((&STORE_ID, id)) => std::str::from_utf8(id).ok(),
            _ => None,
        }
    }

    /// The store id a session cookie's value holds.
    pub(crate) fn open_store_id(&self, value: &str) -> Result<String, ()> {
        let plain = self.inner.session_sealer.open(value).map_err(|_| ())?;
        self.store_id(&plain).map(str::to_owned).ok_or(())
    }

    /// Writes a new session (a login): a fresh store id when there is a store.
    pub(crate) async fn write_new_session(
        &self,
        data: SessionData,
        present: Present,
        out: &mut Vec<HeaderValue>,
    ) -> Result<(), WebError> {
        let id = self.inner.store.as_ref().map(|_| crate::random_string());
        self.write_session(&data, id.as_deref(), present, out).await
    }

    async fn write_session(
        &self,
        data: &SessionData,
        store_id: Option<&str>,
        present: Present,
        out: &mut Vec<HeaderValue>,
    ) -> Result<(), WebError> {
        let inner = &self.inner;
        let now = unix(self.now());
        let expires = self.expires_at(data);
        if expires <= now {
            self.clear_present(present, out);
            return Ok(());
        }
        let sealed = match (&inner.store, store_id) {
            (Some(store), Some(id)) => {
                store
                    .save(id, data, from_unix(expires))
                    .await
                    .map_err(WebError::Store)?;
                let mut plain = Vec::with_capacity(id.len() + 1);
                plain.push(STORE_ID);
                plain.extend_from_slice(id.as_bytes());
                inner.session_sealer.seal(&plain)
            }
            _ => {
                let sealed = inner.session_sealer.seal(&data.to_bytes());
                if inner.store.is_none() {
                    // The browser sends it back with its next request.
                    let user = User::from_id_token(data.id_token.expose_secret()).map(Arc::new);
                    inner.opened.put(&sealed, Arc::new(data.clone()), user);
                }
                sealed
            }
        };
        cookie::write_chunked(
            &inner.session_cookie,
            &sealed,
            &inner.session_attributes,
            expires - now,
            present,
            out,
        )
        .map_err(|e| WebError::SessionTooLarge { bytes: e.bytes })
    }

    /// One refresh-token grant for a token for `audience` (named in the request unless it is
    /// the login's `own` audience, which the refresh token was issued for), the new ID token
    /// verified (kept only if it passes).
    async fn refresh_once(
        &self,
        refresh_token: &RefreshToken,
        audience: Option<&str>,
        own: bool,
    ) -> Outcome {
        let inner = &self.inner;
        let mut request = inner.client.refresh_token(refresh_token);
        if let Some(a) = audience.filter(|_| !own) {
            request = request.audience(a);
        }
        match request.send().await {
            Ok(tokens) => {
                let now = unix(self.now());
                let id_token = match &tokens.id_token {
                    Some(t) => match inner
                        .verifier
                        .verify(t.expose_secret(), &VerifyOptions::default())
                        .await
                    {
                        Ok(claims) => Some((t.clone(), claims.sub)),
                        Err(e) => {
                            tracing::debug!(error = %e, "a refreshed ID token was refused; the session keeps its own");
                            None
                        }
                    },
                    None => None,
                };
                let rotated = tokens.refresh_token.is_some();
                Outcome::Done(Arc::new(Refreshed {
                    token: StoredToken {
                        audience: audience.map(str::to_owned),
                        expires_at: tokens.expires_in.map_or(0, |s| now.saturating_add(s)),
                        token: tokens.access_token,
                        scope: tokens.scope,
                        token_type: tokens.token_type,
                    },
                    refresh_token: tokens
                        .refresh_token
                        .unwrap_or_else(|| refresh_token.clone()),
                    rotated,
                    id_token,
                    generation: inner.refresher.next_generation(),
                }))
            }
            Err(e) if e.error() == Some("invalid_grant") => {
                tracing::debug!("a refresh token was refused (invalid_grant)");
                Outcome::Revoked(Arc::new(e))
            }
            Err(e) => {
                tracing::debug!(error = %e, "an access token could not be refreshed");
                Outcome::Failed(Arc::new(e))
            }
        }
    }
}

/// A chain's key: SHA-256 of the refresh token, so that no token is kept as a key.
fn key(refresh_token: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(refresh_token.as_bytes()).into()
}

/// A refresh's result.
#[derive(Clone)]
pub(crate) enum Outcome {
    Done(Arc<Refreshed>),
    /// `invalid_grant`: the refresh token is no good.
    Revoked(Arc<Error>),
    /// Anything else (not kept: the next request tries again).
    Failed(Arc<Error>),
}

pub(crate) struct Refreshed {
    token: StoredToken,
    /// The refresh token to use from now on: the rotated one, or the one used.
    refresh_token: RefreshToken,
    rotated: bool,
    /// A new ID token that passed verification, with its `sub`.
    id_token: Option<(IdToken, String)>,
    generation: u64,
}

/// The refreshes of one refresh token and of those it was rotated to.
struct Chain {
    state: Arc<tokio::sync::Mutex<ChainState>>,
    used_at: Mutex<Instant>,
}

#[derive(Default)]
struct ChainState {
    /// The refresh token this one was rotated to.
    rotated_to: Option<RefreshToken>,
    /// Results kept for the grace period, per audience.
    results: Vec<(Option<String>, Instant, Outcome)>,
}

/// Refreshes, one at a time per refresh token (serialized, whatever the audience: with
/// rotation, a second refresh must use the token the first one got). A result is handed to
/// the requests of the same refresh token and audience for [`REFRESH_GRACE`]; a request
/// carrying a rotated-away refresh token follows the rotation instead of spending it again.
pub(crate) struct Refresher {
    chains: Mutex<HashMap<[u8; 32], Arc<Chain>>>,
    generation: AtomicU64,
}

impl Refresher {
    pub(crate) fn new() -> Self {
        Refresher {
            chains: Mutex::default(),
            generation: AtomicU64::new(0),
        }
    }

    fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn chain(&self, refresh_token: &RefreshToken, now: Instant) -> Arc<Chain> {
        let mut chains = self.chains.lock().unwrap_or_else(PoisonError::into_inner);
        chains.retain(|_, c| {
            Arc::strong_count(&c.state) > 1
                || now.saturating_duration_since(
                    *c.used_at.lock().unwrap_or_else(PoisonError::into_inner),
                ) < REFRESH_GRACE
        });
        let chain = chains
            .entry(key(refresh_token.expose_secret()))
            .or_insert_with(|| {
                Arc::new(Chain {
                    state: Arc::default(),
                    used_at: Mutex::new(now),
                })
            })
            .clone();
        *chain.used_at.lock().unwrap_or_else(PoisonError::into_inner) = now;
        chain
    }

    async fn refresh(
        &self,
        auth: &WebAuth,
        refresh_token: &RefreshToken,
        audience: Option<&str>,
        own: bool,
    ) -> Outcome {
        let clock = &auth.inner.clock;
        let mut token = refresh_token.clone();
        for _ in 0..MAX_CHAIN {
            let chain = self.chain(&token, clock.now());
            let guard = chain.state.clone().lock_owned().await;
            let now = clock.now();
            if let Some((_, _, outcome)) = guard.results.iter().find(|(a, at, _)| {
                a.as_deref() == audience && now.saturating_duration_since(*at) < REFRESH_GRACE
            }) {
                return outcome.clone();
            }
            if let Some(next) = &guard.rotated_to {
                token = next.clone();
                continue;
            }
            // The grant runs to its end even if the request that asked goes away: a rotated
            // refresh token is never lost between the tenant and the chain.
            let auth = auth.clone();
            let audience = audience.map(str::to_owned);
            let task = tokio::spawn(async move {
                let mut guard = guard;
                let outcome = auth.refresh_once(&token, audience.as_deref(), own).await;
                let at = auth.inner.clock.now();
                guard
                    .results
                    .retain(|(_, t, _)| at.saturating_duration_since(*t) < REFRESH_GRACE);
                match &outcome {
                    Outcome::Done(r) => {
                        if r.rotated {
                            guard.rotated_to = Some(r.refresh_token.clone());
                        }
                        guard.results.push((audience, at, outcome.clone()));
                    }
                    Outcome::Revoked(_) => guard.results.push((audience, at, outcome.clone())),
                    Outcome::Failed(_) => {}
                }
                outcome
            });
            return match task.await {
                Ok(outcome) => outcome,
                Err(_) => Outcome::Failed(Arc::new(Error::invalid(
                    "oauth/token",
                    "the refresh was cancelled",
                ))),
            };
        }
        Outcome::Failed(Arc::new(Error::invalid(
            "oauth/token",
            "the refresh token was rotated too many times at once",
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_read_from_the_id_token_payload() {
        let payload = URL_SAFE_NO_PAD.encode(
            serde_json::json!({
                "sub": "auth0|1", "name": "Zoë", "email": "z@example.com",
                "email_verified": true, "org_id": "org_1", "sid": "s1", "https://x/roles": ["a"]
            })
            .to_string(),
        );
        let user = User::from_id_token(&format!("e30.{payload}.sig")).unwrap();
        assert_eq!(user.sub, "auth0|1");
        assert_eq!(user.name.as_deref(), Some("Zoë"));
        assert_eq!(user.email_verified, Some(true));
        assert_eq!(user.org_id.as_deref(), Some("org_1"));
        assert_eq!(user.get("sid"), Some(&Value::from("s1")));
        assert!(user.get("https://x/roles").is_some());
        assert!(User::from_id_token("e30.!!!.sig").is_none());
        let claims = |v: Value| format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(v.to_string()));
        assert!(User::from_id_token(&claims(serde_json::json!({"name": "x"}))).is_none());
        assert!(User::from_id_token(&claims(serde_json::json!({"sub": "a", "name": 5}))).is_none());
        // A key written with an escape is the same key.
        let raw = format!(
            "e30.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"sub":"a","na\u006de":"n"}"#)
        );
        assert_eq!(
            User::from_id_token(&raw).unwrap().name.as_deref(),
            Some("n")
        );
        let written = serde_json::to_value(&user).unwrap();
        assert_eq!(written["sub"], "auth0|1");
        assert_eq!(written["sid"], "s1");
        assert!(written.get("given_name").is_none());
        let back: User = serde_json::from_value(written).unwrap();
        assert_eq!(back.email, user.email);
        assert_eq!(back.extra, user.extra);
        assert!(User::from_id_token("nodots").is_none());
    }
}
