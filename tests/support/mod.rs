//! Shared helpers of the integration tests. Each test binary includes this
//! module and uses part of it, hence `allow(dead_code)`.
#![allow(dead_code)]

pub mod http;
pub mod process;
pub mod redis;
pub mod server;

/// A unique id with a readable prefix, so tests sharing one Redis never
/// meet each other's data.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}
