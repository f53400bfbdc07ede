//! Client-credentials tokens in Redis, shared by the instances of a service (feature
//! `redis`).

use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_http::{Redis, RedisError, redis_millis};
use redis::Script;

use super::store::{StoreError, StoreFuture, StoredToken, TokenStore};

/// Takes a renewal lease, or extends it for the owner that holds it.
/// KEYS: the lease. ARGV: the owner, milliseconds.
static BEGIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0",
    )
});

/// Ends a lease if the owner still holds it. KEYS: the lease. ARGV: the owner.
static END: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0",
    )
});

/// A [`TokenStore`] in Redis: the instances of a service that share it ask the tenant for
/// one token per API (and organization) together, and renew it once.
///
/// Keys (the store's names with their `auth0:` replaced by [`Redis::prefix`]):
/// `token:{hash}` holds the token and its two times, expiring with the token (`SET … PX`);
/// `token:{hash}:renewal` the renewal lease (`SET … NX PX`, extended for its holder, ended by
/// it only). The tokens are secrets: keep Redis private, with a password.
///
/// Every operation answers within the [`Redis`] timeout, with a [`StoreError`] (its source the
/// [`RedisError`]) when Redis does not; what the cache does then is its
/// [`StoreFailure`](super::StoreFailure): by default it fails open (the instance requests its
/// own token). The connection comes back by itself when Redis does.
#[derive(Clone)]
pub struct RedisTokenStore {
    redis: Redis,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("redis", &self.redis)
            .finish()
    }
}

fn store_error(what: &'static str) -> impl FnOnce(RedisError) -> StoreError {
    move |e| StoreError::with_source(what, e)
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn from_millis(ms: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .unwrap_or(UNIX_EPOCH)
}

/// `1 RECEIVED EXPIRES TOKEN`: milliseconds since the Unix epoch, `-` for no expiry.
fn encode(token: &StoredToken) -> String {
    let expires = token
        .expires_at
        .map_or_else(|| "-".to_owned(), |t| millis(t).to_string());
    format!(
        "1 {} {expires} {}",
        millis(token.received_at),
        token.access_token.expose_secret()
    )
}

fn decode(text: &str) -> Option<StoredToken> {
    let mut parts = text.splitn(4, ' ');
    let (Some("1"), Some(received), Some(expires), Some(token)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let expires_at = match expires {
        "-" => None,
        ms => Some(from_millis(ms.parse().ok()?)),
    };
    Some(StoredToken::new(
        token.to_owned(),
        from_millis(received.parse().ok()?),
        expires_at,
    ))
}

impl RedisTokenStore {
    /// A token store in `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisTokenStore { redis }
    }

    /// A store key in Redis: its `auth0:` replaced by the prefix.
    fn key(&self, key: &str) -> String {
        let name = key.strip_prefix("auth0:").unwrap_or(key);
        let mut full = String::with_capacity(self.redis.prefix().len() + name.len());
        full.push_str(self.redis.prefix());
        full.push_str(name);
        full
    }

    fn lease(&self, key: &str) -> String {
        let mut lease = self.key(key);
        lease.push_str(":renewal");
        lease
    }
}

impl TokenStore for RedisTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let text: Option<String> = self
                .redis
                .query(redis::cmd("GET").arg(self.key(key)))
                .await
                .map_err(store_error("the token could not be read from Redis"))?;
            let Some(text) = text else {
                return Ok(None);
            };
            let token = decode(&text)
                .ok_or_else(|| StoreError::new("the token in Redis is not one this store wrote"))?;
            let now = SystemTime::now();
            Ok(Some(token).filter(|t| t.expires_at.is_none_or(|at| now < at)))
        })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut command = redis::cmd("SET");
            command.arg(self.key(key)).arg(encode(&token));
            if let Some(at) = token.expires_at {
                let left = at
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO);
                if let Some(ms) = redis_millis(left) {
                    command.arg("PX").arg(ms);
                }
            }
            self.redis
                .query::<()>(&command)
                .await
                .map_err(store_error("the token could not be saved in Redis"))
        })
    }

    fn try_begin_renewal<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut invocation = BEGIN.prepare_invoke();
            invocation
                .key(self.lease(key))
                .arg(owner)
                .arg(redis_millis(ttl).unwrap_or(u64::from(u32::MAX)));
            let taken: i64 = self
                .redis
                .run(&invocation)
                .await
                .map_err(store_error("the renewal lease could not be taken in Redis"))?;
            Ok(taken == 1)
        })
    }

    fn end_renewal<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut invocation = END.prepare_invoke();
            invocation.key(self.lease(key)).arg(owner);
            self.redis
                .run::<i64>(&invocation)
                .await
                .map(drop)
                .map_err(store_error("the renewal lease could not be ended in Redis"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_written_and_read_back() {
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let token = StoredToken::new("a b c", at, Some(at + Duration::from_secs(60)));
        let back = decode(&encode(&token)).unwrap();
        assert_eq!(back.access_token.expose_secret(), "a b c");
        assert_eq!(back.received_at, at);
        assert_eq!(back.expires_at, token.expires_at);
        let forever = StoredToken::new("t", at, None);
        assert_eq!(decode(&encode(&forever)).unwrap().expires_at, None);
        for bad in ["", "1", "2 1 2 t", "1 x 2 t", "1 1 y t", "1 1 2"] {
            assert!(decode(bad).is_none(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn keys_take_the_prefix() {
        let store = RedisTokenStore::new(
            Redis::builder("redis://127.0.0.1/")
                .prefix("app:")
                .build()
                .unwrap(),
        );
        assert_eq!(store.key("auth0:token:ab"), "app:token:ab");
        assert_eq!(store.lease("auth0:token:ab"), "app:token:ab:renewal");
    }
}
