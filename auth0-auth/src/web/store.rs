//! Server-side session stores, and the record of back-channel logouts that ends stateless
//! sessions.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use super::data::{SessionData, unix};

/// The future a [`SessionStore`] or [`LogoutRecord`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A session store or logout record failed (its own error inside).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// An error saying `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// A logout: the sessions of Auth0 session `sid`, or, without `sid`, every session of `sub`,
/// that began at or before `at` end. (A later login is not ended, even with the same `sid`:
/// logging in again where Auth0's session outlived the application's gives the same one.)
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Logout {
    /// The session Auth0 ended (its `sid`).
    pub sid: Option<String>,
    /// The user whose sessions end.
    pub sub: Option<String>,
    /// When the logout was issued (the logout token's `iat`).
    pub at: SystemTime,
}

impl Logout {
    /// A logout of `sid`, or, when `sid` is `None`, of every session of `sub`.
    pub fn new(sid: Option<String>, sub: Option<String>, at: SystemTime) -> Self {
        Logout { sid, sub, at }
    }

    /// Whether this logout ends `session`.
    pub fn ends(&self, session: &SessionData) -> bool {
        let named = match (&self.sid, &self.sub) {
            (Some(sid), _) => session.sid() == Some(sid.as_str()),
            (None, Some(sub)) => session.sub() == sub,
            (None, None) => false,
        };
        named && session.created_at <= unix(self.at)
    }
}

/// Where server-side sessions are kept: the session cookie then holds only an unguessable id
/// (sealed like a stateless session), so sessions can be ended on the server and shared by
/// several instances of the application.
///
/// Implementations keep each session until its `expires_at` (the later ones may be
/// forgotten) and end the sessions a back-channel [`Logout`] names. [`SessionData::to_bytes`]
/// is an encoding for stores that keep bytes. [`MemorySessionStore`] keeps them in this
/// process.
pub trait SessionStore: Send + Sync + fmt::Debug + 'static {
    /// The session with this id, if it is kept.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<SessionData>>;
    /// Keeps `session` under `id` until `expires_at`, replacing what was there.
    fn save<'a>(
        &'a self,
        id: &'a str,
        session: &'a SessionData,
        expires_at: SystemTime,
    ) -> StoreFuture<'a, ()>;
    /// Forgets the session with this id.
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
    /// Ends the sessions `logout` names ([`Logout::ends`]).
    fn end<'a>(&'a self, logout: &'a Logout) -> StoreFuture<'a, ()>;

    /// Whether several processes share this store (`false` by default). Their refreshes of
    /// one session then take turns under [`lock_refresh`](Self::lock_refresh): with refresh
    /// token rotation, two instances spending the same refresh token at once would have the
    /// tenant revoke it (a reuse). Within one process, refreshes already take turns.
    fn is_shared(&self) -> bool {
        false
    }

    /// Takes the lock under which one holder, named by `lease` (a random value), refreshes
    /// the tokens of session `id`: `true` when taken, `false` while another holds it. The
    /// lock ends at [`unlock_refresh`](Self::unlock_refresh) by the same lease, or after
    /// `hold`. Asked only of a store that [`is_shared`](Self::is_shared); the default always
    /// takes it.
    fn lock_refresh<'a>(
        &'a self,
        _id: &'a str,
        _lease: &'a str,
        _hold: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(true)))
    }

    /// Releases the lock of session `id` if `lease` still holds it.
    fn unlock_refresh<'a>(&'a self, _id: &'a str, _lease: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A [`SessionStore`] in this process's memory: sessions end with the process, and each
/// instance of the application has its own. Expired sessions are dropped as new ones are
/// saved.
#[derive(Default)]
pub struct MemorySessionStore {
    sessions: RwLock<HashMap<String, (SessionData, SystemTime)>>,
    clock: Option<std::sync::Arc<dyn auth0_http::Clock>>,
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("sessions", &self.len())
            .finish()
    }
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        MemorySessionStore::default()
    }

    /// An empty store reading the time from `clock` (for tests of expiry).
    pub fn with_clock(clock: std::sync::Arc<dyn auth0_http::Clock>) -> Self {
        MemorySessionStore {
            sessions: RwLock::default(),
            clock: Some(clock),
        }
    }

    /// How many sessions are kept (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now(&self) -> SystemTime {
        self.clock
            .as_ref()
            .map_or_else(SystemTime::now, |c| c.system_time())
    }
}

impl SessionStore for MemorySessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<SessionData>> {
        let now = self.now();
        let found = self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(s, _)| s.clone());
        Box::pin(std::future::ready(Ok(found)))
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        session: &'a SessionData,
        expires_at: SystemTime,
    ) -> StoreFuture<'a, ()> {
        let now = self.now();
        let mut sessions = self
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        sessions.retain(|_, (_, e)| *e > now);
        sessions.insert(id.to_owned(), (session.clone(), expires_at));
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        Box::pin(std::future::ready(Ok(())))
    }

    fn end<'a>(&'a self, logout: &'a Logout) -> StoreFuture<'a, ()> {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, (s, _)| !logout.ends(s));
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Remembers back-channel logouts so that stateless sessions (which the server cannot
/// delete: they live in the browser's cookie) are refused when next read.
///
/// A logout need only be remembered for the absolute session duration: no session that
/// began before can still be open. [`MemoryLogoutRecord`] keeps them in this process; a
/// fleet shares one record (a database, a cache) by implementing this trait.
pub trait LogoutRecord: Send + Sync + fmt::Debug + 'static {
    /// Remembers `logout` for `keep` (the absolute session duration).
    fn record<'a>(&'a self, logout: &'a Logout, keep: Duration) -> StoreFuture<'a, ()>;
    /// Whether a recorded logout ends `session` ([`Logout::ends`]).
    fn is_ended<'a>(&'a self, session: &'a SessionData) -> StoreFuture<'a, bool>;
}

/// A [`LogoutRecord`] in this process's memory (the default).
#[derive(Default)]
pub struct MemoryLogoutRecord {
    /// Whether anything was ever recorded: reading a session then costs no lock.
    used: AtomicBool,
    entries: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    /// Auth0 sessions whose sessions begun up to the first time (Unix seconds) ended, with
    /// when to forget them.
    sids: HashMap<String, (u64, u64)>,
    /// Users whose sessions begun up to the first time ended, with when to forget them.
    subs: HashMap<String, (u64, u64)>,
}

impl fmt::Debug for MemoryLogoutRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("MemoryLogoutRecord")
            .field("sessions", &e.sids.len())
            .field("users", &e.subs.len())
            .finish()
    }
}

impl MemoryLogoutRecord {
    /// An empty record.
    pub fn new() -> Self {
        MemoryLogoutRecord::default()
    }

    fn ended(&self, session: &SessionData) -> bool {
        if !self.used.load(Ordering::Acquire) {
            return false;
        }
        let e = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let ended = |entry: Option<&(u64, u64)>| {
            entry.is_some_and(|(until, _)| session.created_at <= *until)
        };
        ended(session.sid().and_then(|sid| e.sids.get(sid))) || ended(e.subs.get(session.sub()))
    }
}

impl LogoutRecord for MemoryLogoutRecord {
    fn record<'a>(&'a self, logout: &'a Logout, keep: Duration) -> StoreFuture<'a, ()> {
        let at = unix(logout.at);
        let forget = unix(SystemTime::now())
            .max(at)
            .saturating_add(keep.as_secs());
        let now = unix(SystemTime::now());
        let mut e = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        e.sids.retain(|_, (_, f)| *f > now);
        e.subs.retain(|_, (_, f)| *f > now);
        let entry = match (&logout.sid, &logout.sub) {
            (Some(sid), _) => e.sids.entry(sid.clone()),
            (None, Some(sub)) => e.subs.entry(sub.clone()),
            (None, None) => return Box::pin(std::future::ready(Ok(()))),
        };
        let entry = entry.or_insert((at, forget));
        entry.0 = entry.0.max(at);
        entry.1 = entry.1.max(forget);
        self.used.store(true, Ordering::Release);
        Box::pin(std::future::ready(Ok(())))
    }

    fn is_ended<'a>(&'a self, session: &'a SessionData) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(self.ended(session))))
    }
}

impl MemoryLogoutRecord {
    /// [`LogoutRecord::is_ended`] without a future, for the session reader's fast path.
    pub(crate) fn is_ended_now(&self, session: &SessionData) -> bool {
        self.ended(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::data::tests::sample;

    fn block<T>(f: StoreFuture<'_, T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
            .unwrap()
    }

    #[test]
    fn a_sid_logout_ends_that_session_only() {
        let record = MemoryLogoutRecord::new();
        let mine = sample();
        let mut other = sample();
        other.sid = Some("sid-2".into());
        assert!(!block(record.is_ended(&mine)));
        let logout = Logout::new(
            Some("sid-1".into()),
            Some(mine.sub.clone()),
            SystemTime::now(),
        );
        block(record.record(&logout, Duration::from_secs(60)));
        assert!(block(record.is_ended(&mine)));
        assert!(
            !block(record.is_ended(&other)),
            "sid given: other sessions of the user stay"
        );
    }

    #[test]
    fn a_sub_logout_ends_the_sessions_begun_before_it() {
        let record = MemoryLogoutRecord::new();
        let before = sample();
        let mut after = sample();
        after.created_at = before.created_at + 1000;
        let logout = Logout::new(None, Some(before.sub.clone()), from(before.created_at + 10));
        block(record.record(&logout, Duration::from_secs(60)));
        assert!(block(record.is_ended(&before)));
        assert!(!block(record.is_ended(&after)), "a later login stays");
        let mut someone_else = sample();
        someone_else.sub = "auth0|other".into();
        assert!(!block(record.is_ended(&someone_else)));
    }

    fn from(secs: u64) -> SystemTime {
        crate::web::data::from_unix(secs)
    }

    #[test]
    fn the_memory_store_keeps_loads_and_ends_sessions() {
        let store = MemorySessionStore::new();
        let later = SystemTime::now() + Duration::from_secs(60);
        let a = sample();
        let mut b = sample();
        b.sid = Some("sid-2".into());
        block(store.save("a", &a, later));
        block(store.save("b", &b, later));
        block(store.save("gone", &b, SystemTime::now() - Duration::from_secs(1)));
        assert_eq!(block(store.load("a")).unwrap().sid(), Some("sid-1"));
        assert!(block(store.load("gone")).is_none(), "expired");
        block(store.end(&Logout::new(Some("sid-1".into()), None, SystemTime::now())));
        assert!(block(store.load("a")).is_none());
        assert!(block(store.load("b")).is_some());
        block(store.end(&Logout::new(None, Some(b.sub.clone()), SystemTime::now())));
        assert!(block(store.load("b")).is_none());
        block(store.save("c", &a, later));
        block(store.delete("c"));
        assert!(block(store.load("c")).is_none());
    }
}
