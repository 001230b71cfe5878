//! The store conformance suite, run against every backend: the same cases,
//! the same expectations (the semantics of the `Store` trait docs, SPEC §4
//! and the activity event table of the team brief).
//!
//! # Adding a backend
//!
//! One line per backend, with a factory that gets the test's
//! `StoreSettings` and returns a fresh `Arc<dyn Store>`:
//!
//! ```ignore
//! conformance_suite!(redis, |settings| async move { redis_test_store(settings, false).await });
//! conformance_suite!(redis_cluster, |settings| async move { redis_test_store(settings, true).await });
//! ```
//!
//! - The factory runs once per test, inside that test's own multi-threaded
//!   tokio runtime: connect a fresh client there (a pool made in another
//!   test's runtime would be tied to it). A server may be shared by all
//!   tests (start it once, e.g. behind a `std::sync::OnceLock`): every case
//!   uses UUID-unique account, user-visible and Discord ids, so they never
//!   collide, and nothing relies on a clean database.
//! - Anything the factory names must be in scope here (the suite's modules
//!   `use super::*`); put backend helpers in `tests/conformance/<name>.rs`
//!   or below this comment.
//! - If the backend cannot be started, panic in the factory with a clear
//!   message: the suite never skips.
//!
//! The cases live in `tests/conformance/*.rs`; the list of cases is in the
//! `conformance_suite!` macro (`tests/conformance/mod.rs`). A new case is an
//! `pub async fn name(backend: &Backend)` in a group module plus its name
//! in that list.

// Test code: a failed expectation should panic with its message (the cases
// are plain async fns, so clippy's in-test allowance does not reach them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod conformance;

use std::sync::Arc;

use trackly_authz::store::memory::MemoryStore;
use trackly_authz::store::Store;

conformance_suite!(memory, |settings| async move {
    Arc::new(MemoryStore::new(settings)) as Arc<dyn Store>
});

// Redis: one throwaway server (and one 3-master cluster) per test binary,
// started on first use by `support::redis` (or TRACKLY_AUTHZ_TEST_REDIS_URL);
// each test connects its own client in its own runtime.
mod support;

use support::redis::redis_test_store;

conformance_suite!(redis, |settings| async move {
    redis_test_store(settings, false).await
});
conformance_suite!(redis_cluster, |settings| async move {
    redis_test_store(settings, true).await
});
