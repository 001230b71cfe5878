//! HTTP integration tests: the real server on an ephemeral port, over the
//! in-memory store and over a throwaway Redis, talking HTTP. Every case runs
//! against both backends (the `both!` macro).

// Test code: a failed expectation should panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "http_api/activity.rs"]
mod activity;
#[path = "http_api/decisions.rs"]
mod decisions;
#[path = "http_api/invitations.rs"]
mod invitations;
#[path = "http_api/keys.rs"]
mod keys;
#[path = "http_api/members.rs"]
mod members;

use std::sync::Arc;

use support::server::{config, TestServer};
use trackly_authz::config::Config;
use trackly_authz::store::memory::MemoryStore;
use trackly_authz::store::{Store, StoreSettings};

/// Which store a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Memory,
    Redis,
}

fn settings(config: &Config) -> StoreSettings {
    StoreSettings {
        audit_retention: chrono::Duration::seconds(config.audit_retention_secs as i64),
    }
}

/// A store of the backend, configured like `config` says.
pub async fn store(backend: Backend, config: &Config) -> Arc<dyn Store> {
    match backend {
        Backend::Memory => Arc::new(MemoryStore::new(settings(config))),
        Backend::Redis => support::redis::store(settings(config)).await,
    }
}

/// A server over a fresh store of `backend` with `config`.
pub async fn server_with(backend: Backend, config: Config) -> TestServer {
    let store = store(backend, &config).await;
    TestServer::start(store, config).await
}

/// A server over a fresh store of `backend` with the default config.
pub async fn server(backend: Backend) -> TestServer {
    server_with(backend, config()).await
}

/// Generates one `#[tokio::test]` per backend for each `async fn(Backend)`
/// listed.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Memory).await
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Redis).await
                }
            )*
        }
    };
}
