//! The DPoP replay cache of a fleet: the `jti`s of accepted proofs in Redis (feature `redis`).

use std::time::{Duration, SystemTime};

use auth0_http::{Redis, RedisError, redis_millis};

use super::{ReplayCache, ReplayFuture};

/// A [`ReplayCache`] in Redis, shared by every instance of an API: a proof accepted by one
/// instance is refused by all the others. Each first use is one `SET key 1 NX PX ms`, so
/// that of two instances receiving the same proof at once exactly one records it; the key
/// expires when the proof's window ends (the time until `until`, measured on this machine's
/// clock, so that the Redis server's clock does not matter).
///
/// It fails closed: when Redis does not answer within its timeout (or answers with an
/// error), the proof cannot be recorded, so it is refused (`false`, logged at `warn`
/// level). The connection comes back by itself when Redis does.
/// [`try_first_use`](Self::try_first_use) gives the error itself.
///
/// Keys are `{prefix}dpop:{thumbprint}:{jti}` (the prefix is [`Redis::prefix`]).
///
/// ```no_run
/// use auth0_verify::Redis;
/// use auth0_verify::dpop::{DpopOptions, RedisReplayCache};
///
/// # fn main() -> Result<(), auth0_verify::RedisError> {
/// let redis = Redis::new("redis://127.0.0.1:6379/")?;
/// let options = DpopOptions::new().replay_cache(RedisReplayCache::new(redis));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RedisReplayCache {
    redis: Redis,
}

impl RedisReplayCache {
    /// A replay cache in `redis`.
    pub fn new(redis: Redis) -> Self {
        RedisReplayCache { redis }
    }

    /// Records `key` as used until `until`: `Ok(true)` for its first use, `Ok(false)` for a
    /// replay, an error when Redis cannot say (then the proof must be refused).
    pub async fn try_first_use(&self, key: &str, until: SystemTime) -> Result<bool, RedisError> {
        let left = until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        let mut command = ::redis::cmd("SET");
        command.arg(self.redis.key("dpop", key)).arg(1).arg("NX");
        // Beyond ten years (the longest windows), kept without expiry.
        if let Some(ms) = redis_millis(left) {
            command.arg("PX").arg(ms);
        }
        let set: Option<String> = self.redis.query(&command).await?;
        Ok(set.is_some())
    }
}

impl ReplayCache for RedisReplayCache {
    fn first_use(&self, key: &str, until: SystemTime) -> ReplayFuture<'_> {
        let key = key.to_owned();
        Box::pin(async move {
            match self.try_first_use(&key, until).await {
                Ok(first) => first,
                Err(e) => {
                    tracing::warn!(error = %e, "a DPoP proof was refused: the replay cache in Redis cannot record it");
                    false
                }
            }
        })
    }
}
