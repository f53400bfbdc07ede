//! One connection to Redis for the state that the instances of an application share (feature
//! `redis`): every operation bounded by a timeout, a typed error, reconnection after Redis
//! comes back.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, IntoConnectionInfo as _};

/// How long an operation may take by default, reconnection included.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// A Redis server shared by several instances of an application: the connection every store
/// of `auth0-verify` and `auth0-auth` built on it uses (one multiplexed connection, cheap to
/// clone), the prefix of their keys and the bound of each operation.
///
/// It connects on first use, so an application starts while Redis is down, and connects again
/// by itself after Redis went away and came back. Each operation returns within
/// [`timeout`](RedisBuilder::timeout) (1 s by default): with its answer, or with a
/// [`RedisError`].
///
/// ```no_run
/// # fn main() -> Result<(), auth0_http::RedisError> {
/// let redis = auth0_http::Redis::new("redis://127.0.0.1:6379/")?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Redis {
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    /// Where it connects, without credentials (for `Debug`).
    address: String,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("address", &self.address)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Redis`] connection.
#[derive(Clone)]
pub struct RedisBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
}

impl fmt::Debug for RedisBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBuilder")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisBuilder {
    /// The prefix of every key written (`auth0:` by default): applications sharing one Redis
    /// keep apart by choosing different ones.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest an operation may take, connecting included (1 s by default, at least
    /// 1 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The connection, made on first use (no I/O here). Fails for a URL that is not a Redis
    /// URL (`redis://[user:password@]host[:port][/db]`, `redis+unix:///path`), and when
    /// called outside a Tokio runtime (the connection's task runs on it).
    pub fn build(self) -> Result<Redis, RedisError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisError::NoRuntime);
        }
        let info = self
            .url
            .as_str()
            .into_connection_info()
            .map_err(|e| RedisError::Url(e.to_string()))?;
        let address = info.addr().to_string();
        let client = redis::Client::open(info).map_err(|e| RedisError::Url(e.to_string()))?;
        // Each attempt is bounded by the timeout; a few quick retries of a refused connection
        // fit in it, after which the operation fails and the next one tries again.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(self.timeout / 4);
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| RedisError::Url(e.to_string()))?;
        Ok(Redis {
            manager,
            prefix: self.prefix,
            timeout: self.timeout,
            address,
        })
    }
}

/// Why a Redis operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// The URL is not a Redis URL (it is not repeated here: it may hold a password).
    #[error("not a Redis URL: {0}")]
    Url(String),
    /// Made outside a Tokio runtime.
    #[error("a Redis connection is made within a Tokio runtime")]
    NoRuntime,
    /// No answer within the timeout (Redis down, unreachable or too slow).
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection failed or Redis answered with an error.
    #[error("the connection to Redis failed or Redis answered with an error")]
    Redis(#[source] redis::RedisError),
}

impl Redis {
    /// The settings for the Redis at `url` (`redis://host:6379/`).
    pub fn builder(url: impl Into<String>) -> RedisBuilder {
        RedisBuilder {
            url: url.into(),
            prefix: "auth0:".to_owned(),
            timeout: DEFAULT_REDIS_TIMEOUT,
        }
    }

    /// The Redis at `url`, with the default prefix (`auth0:`) and timeout (1 s); connects on
    /// first use. Called within a Tokio runtime.
    pub fn new(url: &str) -> Result<Redis, RedisError> {
        Redis::builder(url).build()
    }

    /// Where it connects (`127.0.0.1:6379`), without credentials.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The prefix of every key.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The bound of each operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `{prefix}{kind}:{name}`: the key of `name` among the keys of one kind.
    pub fn key(&self, kind: &str, name: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + kind.len() + name.len() + 1);
        key.push_str(&self.prefix);
        key.push_str(kind);
        key.push(':');
        key.push_str(name);
        key
    }

    /// Runs `command`, within the timeout.
    pub async fn query<T: FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, RedisError> {
        let mut connection = self.manager.clone();
        self.bounded(command.query_async(&mut connection)).await
    }

    /// Runs `script` with its keys and arguments (`EVALSHA`, loading it when Redis does not
    /// know it yet), within the timeout.
    pub async fn run<T: FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, RedisError> {
        let mut connection = self.manager.clone();
        self.bounded(script.invoke_async(&mut connection)).await
    }

    /// Whether Redis answers (`PING`), within the timeout.
    pub async fn ping(&self) -> Result<(), RedisError> {
        self.query::<String>(&redis::cmd("PING")).await.map(drop)
    }

    async fn bounded<T>(
        &self,
        operation: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.is_timeout() => Err(RedisError::Timeout(self.timeout)),
            Ok(Err(e)) => Err(RedisError::Redis(e)),
            Err(_) => Err(RedisError::Timeout(self.timeout)),
        }
    }
}

/// A duration as Redis's `PX` milliseconds: at least 1 (0 is refused), at most ten years;
/// `None` for longer (kept without expiry).
pub fn redis_millis(duration: Duration) -> Option<u64> {
    const TEN_YEARS: u128 = 10 * 366 * 24 * 3600 * 1000;
    let ms = duration.as_millis();
    (ms <= TEN_YEARS).then(|| u64::try_from(ms.max(1)).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_runtime_no_connection_is_made() {
        assert!(matches!(
            Redis::new("redis://127.0.0.1/"),
            Err(RedisError::NoRuntime)
        ));
    }

    #[tokio::test]
    async fn urls_are_checked_and_never_printed() {
        let e = Redis::new("http://user:hunter2@example.com/").unwrap_err();
        assert!(matches!(e, RedisError::Url(_)), "{e:?}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let redis = Redis::builder("redis://:hunter2@127.0.0.1:6390/2")
            .prefix("app:")
            .timeout(Duration::from_millis(250))
            .build()
            .unwrap();
        let debug = format!("{redis:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("127.0.0.1:6390"), "{debug}");
        assert_eq!(redis.key("dpop", "a:b"), "app:dpop:a:b");
        assert_eq!(redis.timeout(), Duration::from_millis(250));
    }

    #[test]
    fn expiries_in_milliseconds() {
        assert_eq!(redis_millis(Duration::ZERO), Some(1));
        assert_eq!(redis_millis(Duration::from_micros(1500)), Some(1));
        assert_eq!(redis_millis(Duration::from_secs(2)), Some(2000));
        assert_eq!(redis_millis(Duration::MAX), None);
    }

    #[tokio::test]
    async fn an_absent_server_gives_an_error_within_the_timeout() {
        // A port nothing listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let redis = Redis::builder(format!("redis://127.0.0.1:{port}/"))
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let e = redis.ping().await.unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(1500), "{e:?}");
        assert!(
            matches!(e, RedisError::Timeout(_) | RedisError::Redis(_)),
            "{e:?}"
        );
    }
}
