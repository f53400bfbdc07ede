//! Sessions and logout records in Redis, shared by the instances of a web application
//! (features `web` and `redis`).

use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use auth0_http::{Redis, RedisError, redis_millis};
use redis::Script;

use super::data::{SessionData, unix};
use super::store::{Logout, LogoutRecord, SessionStore, StoreError, StoreFuture};

/// The longest expiry written: ten years (what [`redis_millis`] turns longer times into).
const LONGEST_MS: u64 = 10 * 366 * 24 * 3600 * 1000;

fn store_error(what: &'static str) -> impl FnOnce(RedisError) -> StoreError {
    move |e| StoreError::with_source(what, e)
}

/// Saves a session unless it was ended (a logout while another instance refreshed it), and
/// lists it under its `sid` and `sub` for back-channel logouts.
/// KEYS: the session, its tombstone, the indexes. ARGV: the bytes, milliseconds, the id.
static SAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[3])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
return 1",
    )
});

/// Deletes a session, leaving a tombstone for as long as it had to live so that a save
/// racing the deletion does not bring it back, and takes it out of an index.
/// KEYS: the session, its tombstone, the index (optional). ARGV: the id.
static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local left = redis.call('PTTL', KEYS[1])
if left > 0 then redis.call('SET', KEYS[2], 1, 'PX', left) end
redis.call('DEL', KEYS[1])
if KEYS[3] then redis.call('SREM', KEYS[3], ARGV[1]) end
return left",
    )
});

/// Releases a lock if the lease still holds it. KEYS: the lock. ARGV: the lease.
static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0",
    )
});

/// Records a logout: the latest `at` of a session or user, kept at least `keep`.
/// KEYS: the record. ARGV: `at` (Unix seconds), milliseconds.
static RECORD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local at = tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if old > at then at = old end
local keep = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > keep then keep = left end
redis.call('SET', KEYS[1], at, 'PX', keep)
return at",
    )
});

/// A [`SessionStore`] in Redis: every instance of the application reads and writes the same
/// sessions, so a browser's requests may reach any of them, and a back-channel logout
/// received by one ends the session on all.
///
/// Keys (after [`Redis::prefix`]): `session:{id}` (the session as [`SessionData::to_bytes`],
/// expiring with it), `session-sid:{sid}` and `session-sub:{sub}` (the ids of the sessions of
/// an Auth0 session and of a user, for [`SessionStore::end`]), `session-ended:{id}` (a
/// deleted session, so that a save racing the deletion does not bring it back) and
/// `session-refresh:{id}` (the refresh lock, below). The session holds its tokens (the
/// refresh token too): keep Redis private, with a password (`redis://:password@host/`).
///
/// Refreshes take turns across instances: an instance about to refresh a session's access
/// token takes the session's lock (`SET NX PX`, released by the same lease), reads the
/// session again (another instance may have just refreshed it: its token is used, no request
/// is made), refreshes, and saves the rotated refresh token before releasing the lock. The
/// others wait for it (polling every 20 ms, 15 s at most) and then find the new token. So two
/// instances never spend the same refresh token, which a tenant rotating refresh tokens takes
/// as a reuse and answers by revoking them all.
///
/// It fails closed: when Redis does not answer within its timeout, the operation fails with
/// a [`StoreError`] (its source the [`RedisError`]), and the request reading the session is
/// answered `503` rather than served as logged out or logged in. The connection comes back by
/// itself when Redis does.
#[derive(Clone)]
pub struct RedisSessionStore {
    redis: Redis,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("redis", &self.redis)
            .finish()
    }
}

impl RedisSessionStore {
    /// A session store in `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisSessionStore { redis }
    }

    fn session_key(&self, id: &str) -> String {
        self.redis.key("session", id)
    }

    fn tombstone_key(&self, id: &str) -> String {
        self.redis.key("session-ended", id)
    }

    async fn delete_id(&self, id: &str, index: Option<&str>) -> Result<(), StoreError> {
        let mut invocation = DELETE.prepare_invoke();
        invocation
            .key(self.session_key(id))
            .key(self.tombstone_key(id));
        if let Some(index) = index {
            invocation.key(index);
        }
        invocation.arg(id);
        self.redis
            .run::<i64>(&invocation)
            .await
            .map(drop)
            .map_err(store_error("the session could not be deleted from Redis"))
    }

    async fn end_logout(&self, logout: &Logout) -> Result<(), StoreError> {
        let index = match (&logout.sid, &logout.sub) {
            (Some(sid), _) => self.redis.key("session-sid", sid),
            (None, Some(sub)) => self.redis.key("session-sub", sub),
            (None, None) => return Ok(()),
        };
        let ids: Vec<String> = self
            .redis
            .query(redis::cmd("SMEMBERS").arg(&index))
            .await
            .map_err(store_error(
                "the sessions to end could not be read from Redis",
            ))?;
        if ids.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = ids.iter().map(|id| self.session_key(id)).collect();
        let sessions: Vec<Option<Vec<u8>>> = self
            .redis
            .query(redis::cmd("MGET").arg(&keys))
            .await
            .map_err(store_error(
                "the sessions to end could not be read from Redis",
            ))?;
        for (id, bytes) in ids.iter().zip(sessions) {
            let ended = match bytes.as_deref().map(SessionData::from_bytes) {
                Some(Ok(session)) => logout.ends(&session),
                // Gone (expired or deleted) or unreadable: out of the index.
                Some(Err(_)) | None => true,
            };
            if ended {
                self.delete_id(id, Some(&index)).await?;
            }
        }
        Ok(())
    }
}

impl SessionStore for RedisSessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<SessionData>> {
        Box::pin(async move {
            let bytes: Option<Vec<u8>> = self
                .redis
                .query(redis::cmd("GET").arg(self.session_key(id)))
                .await
                .map_err(store_error("the session could not be read from Redis"))?;
            Ok(bytes.and_then(|b| match SessionData::from_bytes(&b) {
                Ok(session) => Some(session),
                Err(e) => {
                    tracing::warn!(reason = %e, "a session in Redis cannot be read; the user logs in again");
                    None
                }
            }))
        })
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        session: &'a SessionData,
        expires_at: SystemTime,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let left = expires_at
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            let ms = redis_millis(left).unwrap_or(LONGEST_MS);
            let mut invocation = SAVE.prepare_invoke();
            invocation
                .key(self.session_key(id))
                .key(self.tombstone_key(id))
                .key(self.redis.key("session-sub", session.sub()));
            if let Some(sid) = session.sid() {
                invocation.key(self.redis.key("session-sid", sid));
            }
            invocation.arg(session.to_bytes()).arg(ms).arg(id);
            let saved: i64 = self
                .redis
                .run(&invocation)
                .await
                .map_err(store_error("the session could not be saved in Redis"))?;
            if saved == 0 {
                tracing::debug!("a session ended while it was being saved stays ended");
            }
            Ok(())
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.delete_id(id, None))
    }

    fn end<'a>(&'a self, logout: &'a Logout) -> StoreFuture<'a, ()> {
        Box::pin(self.end_logout(logout))
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn lock_refresh<'a>(
        &'a self,
        id: &'a str,
        lease: &'a str,
        hold: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let taken: Option<String> = self
                .redis
                .query(
                    redis::cmd("SET")
                        .arg(self.redis.key("session-refresh", id))
                        .arg(lease)
                        .arg("NX")
                        .arg("PX")
                        .arg(redis_millis(hold).unwrap_or(1)),
                )
                .await
                .map_err(store_error(
                    "the session's refresh lock could not be taken in Redis",
                ))?;
            Ok(taken.is_some())
        })
    }

    fn unlock_refresh<'a>(&'a self, id: &'a str, lease: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut invocation = UNLOCK.prepare_invoke();
            invocation
                .key(self.redis.key("session-refresh", id))
                .arg(lease);
            self.redis
                .run::<i64>(&invocation)
                .await
                .map(drop)
                .map_err(store_error(
                    "the session's refresh lock could not be released in Redis",
                ))
        })
    }
}

/// A [`LogoutRecord`] in Redis: a back-channel logout received by one instance of the
/// application ends the stateless sessions (session cookies) it names on every instance, at
/// their next request. Keys (after [`Redis::prefix`]): `logout-sid:{sid}` and
/// `logout-sub:{sub}`, holding the latest logout's time (Unix seconds), kept for the absolute
/// session duration. Reading a session costs one `MGET`.
///
/// It fails closed: when Redis does not answer within its timeout, recording fails (the
/// back-channel logout is answered with an error, and the tenant may send it again) and so
/// does reading a session (`503`): no session is served whose logout may be missed.
#[derive(Clone)]
pub struct RedisLogoutRecord {
    redis: Redis,
}

impl fmt::Debug for RedisLogoutRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLogoutRecord")
            .field("redis", &self.redis)
            .finish()
    }
}

impl RedisLogoutRecord {
    /// A logout record in `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisLogoutRecord { redis }
    }
}

impl LogoutRecord for RedisLogoutRecord {
    fn record<'a>(&'a self, logout: &'a Logout, keep: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = match (&logout.sid, &logout.sub) {
                (Some(sid), _) => self.redis.key("logout-sid", sid),
                (None, Some(sub)) => self.redis.key("logout-sub", sub),
                (None, None) => return Ok(()),
            };
            let mut invocation = RECORD.prepare_invoke();
            invocation
                .key(key)
                .arg(unix(logout.at))
                .arg(redis_millis(keep).unwrap_or(LONGEST_MS));
            self.redis
                .run::<i64>(&invocation)
                .await
                .map(drop)
                .map_err(store_error("the logout could not be recorded in Redis"))
        })
    }

    fn is_ended<'a>(&'a self, session: &'a SessionData) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let sub = self.redis.key("logout-sub", session.sub());
            let mut command = redis::cmd("MGET");
            command.arg(&sub);
            if let Some(sid) = session.sid() {
                command.arg(self.redis.key("logout-sid", sid));
            }
            let found: Vec<Option<u64>> = self.redis.query(&command).await.map_err(store_error(
                "the logout record could not be read from Redis",
            ))?;
            Ok(found
                .into_iter()
                .flatten()
                .any(|at| session.created_at <= at))
        })
    }
}
