//! Redis-specific behaviour of `RedisStore` (the behaviour shared with the
//! memory store is the conformance suite's): the key layout keeps every key
//! of an account in its hash slot, no secret is stored in plain text, the
//! store recovers when Redis comes back, scripts are exact under
//! concurrency, activity ids only grow and old events are purged, and the
//! same code runs on a 3-master Redis Cluster.
//!
//! Redis comes from `support::redis`: tests that read every key or stop the
//! server start their own `redis-server`; the others share one per binary
//! (or `TRACKLY_AUTHZ_TEST_REDIS_URL`).

// Test code: a failed expectation should panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "redis_store/activity.rs"]
mod activity;
#[path = "redis_store/atomicity.rs"]
mod atomicity;
#[path = "redis_store/cluster.rs"]
mod cluster;
#[path = "redis_store/faults.rs"]
mod faults;
#[path = "redis_store/layout.rs"]
mod layout;
#[path = "redis_store/workout.rs"]
mod workout;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use support::redis::{connect, contains, shared_cluster, shared_url, RedisServer};
use support::unique;
use trackly_authz::store::redis::{keys, RedisSettings, RedisStore};
use trackly_authz::store::{
    ActivityQuery, Actor, InvitationGrant, NewApiKey, RateLimit, Store, StoreError, StoreSettings,
};
use trackly_authz::team::secret::{self, NewSecret};
use trackly_authz::team::{EventAction, InvitationStatus, Role};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

pub fn owner(user: &str) -> Actor {
    Actor {
        user: user.to_owned(),
        role: Role::Owner,
    }
}

pub const INVITE: RateLimit = RateLimit {
    name: "invite",
    limit: 20,
    window: Duration::hours(1),
};

pub fn grant(account: &str, now: DateTime<Utc>, limit: RateLimit) -> (NewSecret, InvitationGrant) {
    let token = secret::generate(secret::INVITATION_TOKEN_PREFIX, account);
    let grant = InvitationGrant {
        token_hash: token.hash.clone(),
        expires_at: now + Duration::days(7),
        limit,
    };
    (token, grant)
}

pub fn new_key(account: &str, role: Role) -> (NewSecret, NewApiKey) {
    let s = secret::generate(secret::API_KEY_PREFIX, account);
    let key = NewApiKey {
        id: unique("key"),
        name: "ci".into(),
        role,
        prefix: s.plain[..secret::SHOWN_PREFIX_LEN].to_owned(),
        secret_hash: s.hash.clone(),
    };
    (s, key)
}

pub async fn single(url: &str) -> RedisStore {
    let settings = RedisSettings {
        urls: vec![url.to_owned()],
        cluster: false,
    };
    RedisStore::connect(&settings, StoreSettings::default())
        .await
        .expect("connect to Redis")
}
