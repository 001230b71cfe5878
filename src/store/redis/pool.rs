//! Connections: one multiplexed connection (single node) or cluster
//! connection, shared by every call, made by a `deadpool-redis` pool (which
//! brings the connect and create timeouts); every call is bounded by
//! [`COMMAND_TIMEOUT`] and every failure becomes [`StoreError::Unavailable`].
//!
//! Why one shared connection rather than a connection per call from the
//! pool: both connection types pipeline concurrent requests over one socket
//! (the way redis-rs means them to be used), and a pooled object is checked
//! with a PING round trip every time it is taken, which would double the
//! round trips of the decision path (`member_roles` is one HMGET).
//!
//! Recovery needs no restart: a connection-level failure (IO, timeout,
//! dropped connection) forgets the shared connection, and the next call
//! asks the pool for a fresh one; while Redis is down that fails fast
//! (connect timeout) and the call answers `Unavailable`. Error replies of the
//! server (a script error, NOSCRIPT) keep the connection.

use std::time::Duration;

use deadpool_redis::{cluster, PoolConfig, Runtime, Timeouts};
use std::sync::Mutex;

use deadpool_redis::cluster::ClusterConnection;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{
    AsyncConnectionConfig, Cmd, ErrorKind, FromRedisValue, Pipeline, RedisError, RedisFuture,
    ScriptInvocation, Value,
};

use super::RedisSettings;
use crate::store::StoreError;

/// Bound on one store call against Redis (pool wait + command), so a hung
/// Redis answers `Unavailable` instead of hanging the request.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Bound on opening one TCP connection (and on the pool's create step).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Bound on waiting for a free pooled connection.
pub const POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections the factory pool may hold while replacing a lost one.
pub const POOL_SIZE: usize = 4;

/// Makes connections to one node or to a cluster.
enum Factory {
    /// One Redis node.
    Single(deadpool_redis::Pool),
    /// A Redis Cluster (commands are routed by their first key).
    Cluster(cluster::Pool),
}

/// The shared connection: cheap to clone, every clone uses the same socket(s).
#[derive(Clone)]
enum Shared {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

/// The connection source of the Redis store.
pub(super) struct RedisPool {
    factory: Factory,
    current: Mutex<Option<Shared>>,
}

impl ConnectionLike for Shared {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Shared::Single(c) => c.req_packed_command(cmd),
            Shared::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Shared::Single(c) => c.req_packed_commands(cmd, offset, count),
            Shared::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Shared::Single(c) => c.get_db(),
            Shared::Cluster(c) => c.get_db(),
        }
    }
}

fn pool_config() -> PoolConfig {
    PoolConfig {
        max_size: POOL_SIZE,
        timeouts: Timeouts {
            wait: Some(POOL_WAIT_TIMEOUT),
            create: Some(CONNECT_TIMEOUT),
            recycle: Some(CONNECT_TIMEOUT),
        },
        ..PoolConfig::default()
    }
}

/// `redis://user:secret@host` → `redis://***@host`: URLs may carry a
/// password and end up in errors and logs.
pub(super) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl RedisPool {
    /// Builds the pool (no IO yet).
    pub fn new(settings: &RedisSettings) -> Result<RedisPool, StoreError> {
        let shown = settings
            .urls
            .iter()
            .map(|u| redact(u))
            .collect::<Vec<_>>()
            .join(",");
        let config_error = |e: &dyn std::fmt::Display| {
            StoreError::Unavailable(format!("bad Redis configuration `{shown}`: {e}"))
        };
        if settings.cluster {
            if settings.urls.is_empty() {
                return Err(config_error(&"no cluster seed URL"));
            }
            let mut config = cluster::Config::from_urls(settings.urls.clone());
            config.pool = Some(pool_config());
            let pool = config
                .create_pool(Some(Runtime::Tokio1))
                .map_err(|e| config_error(&e))?;
            Ok(RedisPool {
                factory: Factory::Cluster(pool),
                current: Mutex::new(None),
            })
        } else {
            let [url] = settings.urls.as_slice() else {
                return Err(config_error(&"expected exactly one Redis URL"));
            };
            let connection = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(CONNECT_TIMEOUT))
                .set_response_timeout(Some(COMMAND_TIMEOUT));
            let manager = deadpool_redis::Manager::new_with_config(url.as_str(), connection)
                .map_err(|e| config_error(&e))?;
            let pool = deadpool_redis::Pool::builder(manager)
                .config(pool_config())
                .runtime(Runtime::Tokio1)
                .build()
                .map_err(|e| config_error(&e))?;
            Ok(RedisPool {
                factory: Factory::Single(pool),
                current: Mutex::new(None),
            })
        }
    }

    /// The shared connection, made first if there is none.
    async fn connection(&self) -> Result<Shared, StoreError> {
        if let Some(shared) = self.lock().clone() {
            return Ok(shared);
        }
        let fresh = match &self.factory {
            Factory::Single(pool) => Shared::Single(deadpool_redis::Connection::take(
                pool.get().await.map_err(pool_failure)?,
            )),
            Factory::Cluster(pool) => Shared::Cluster(cluster::Connection::take(
                pool.get().await.map_err(pool_failure)?,
            )),
        };
        *self.lock() = Some(fresh.clone());
        Ok(fresh)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Shared>> {
        // Only a clone or a replacement happens under the lock: a panic
        // cannot leave the value half-written.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Maps a Redis failure, forgetting the shared connection unless the
    /// server itself answered (an error reply leaves the connection usable).
    fn failed(&self, error: RedisError) -> StoreError {
        if !matches!(error.kind(), ErrorKind::Server(_) | ErrorKind::Extension) {
            self.lock().take();
        }
        unavailable(error)
    }

    /// Bounds `call` by [`COMMAND_TIMEOUT`]; a call that hangs forgets the
    /// connection too.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(COMMAND_TIMEOUT, call).await {
            Ok(result) => result,
            Err(_) => {
                self.lock().take();
                Err(StoreError::Unavailable(format!(
                    "Redis did not answer within {COMMAND_TIMEOUT:?}"
                )))
            }
        }
    }

    /// Runs one command.
    pub async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        self.bounded(async {
            let mut connection = self.connection().await?;
            cmd.query_async(&mut connection)
                .await
                .map_err(|e| self.failed(e))
        })
        .await
    }

    /// Runs one script (EVALSHA, loading it on NOSCRIPT).
    pub async fn invoke<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        self.bounded(async {
            let mut connection = self.connection().await?;
            invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| self.failed(e))
        })
        .await
    }
}

/// A failure to get a connection: Redis' own error when it has one (the
/// pool's wrapper text adds nothing), else the pool's (timeout, ...).
fn pool_failure(error: deadpool_redis::PoolError) -> StoreError {
    match error {
        deadpool_redis::PoolError::Backend(e) => unavailable(e),
        other => unavailable(other),
    }
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            redact("redis://:hunter2@10.0.0.1:6379/0"),
            "redis://***@10.0.0.1:6379/0"
        );
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[tokio::test]
    async fn unreachable_is_unavailable() {
        let settings = RedisSettings {
            urls: vec!["redis://127.0.0.1:1".into()],
            cluster: false,
        };
        let pool = RedisPool::new(&settings).unwrap();
        let err = pool.query::<String>(&redis::cmd("PING")).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    }

    #[test]
    fn bad_settings_are_refused() {
        let none = RedisSettings {
            urls: vec![],
            cluster: false,
        };
        assert!(RedisPool::new(&none).is_err());
        let garbage = RedisSettings {
            urls: vec!["not a url".into()],
            cluster: false,
        };
        assert!(RedisPool::new(&garbage).is_err());
    }
}
