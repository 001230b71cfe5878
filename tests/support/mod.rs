//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod http;
pub mod process;
pub mod server;

/// Placeholder until the Redis test helpers land.
pub mod redis {
    use std::sync::Arc;
    use trackly_authz::store::{Store, StoreSettings};

    /// A store on a throwaway Redis.
    pub async fn store(_settings: StoreSettings) -> Arc<dyn Store> {
        panic!("redis test support not merged yet")
    }
}
