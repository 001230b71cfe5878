//! trackly-authz: the authorization sidecar of Trackly SMS.
//!
//! # Layout
//!
//! - [`config`]: flags and environment (clap), defaults as named constants.
//! - [`app`]: wires the store, the policy engine, the clock and metrics into
//!   one cloneable state, and runs the server.
//! - [`authz`]: the decision flow shared by every endpoint (principal
//!   resolution, evaluation, and decide-then-act for team changes).
//! - [`cli`]: the `validate` and `matrix` commands.
//! - [`http`]: hyper server, router, one file per endpoint group; the only
//!   place errors become responses. Knows nothing of Redis.
//! - [`policy`]: Cedar schema, policies, fixtures, decisions, reload. The only
//!   module that imports `cedar_policy`.
//! - [`team`]: the team domain types and IO-free rules.
//! - [`store`]: the [`store::Store`] trait with memory and Redis backends.
//!   Knows nothing of HTTP.
//! - [`ratelimit`]: named sliding-window limits, pure logic (the Redis
//!   store mirrors it in Lua).
//! - [`reload`]: hot policy reload on SIGHUP, file changes and the reload
//!   endpoint, one code path for all three.
//! - [`clock`]: time as an input.
//! - [`metrics`], [`telemetry`]: Prometheus registry, tracing subscriber.

pub mod app;
pub mod authz;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod metrics;
pub mod policy;
pub mod ratelimit;
pub mod reload;
pub mod store;
pub mod team;
pub mod telemetry;
