//! The store conformance suite: every case is an `async fn(&Backend)` that
//! exercises one behaviour of the `Store` trait through `Arc<dyn Store>`
//! only, and [`conformance_suite!`] turns the whole list into `#[tokio::test]`s
//! for one backend. See `tests/store_conformance.rs` for how to add one.
//!
//! Rules every case follows, so that any backend (including one shared
//! Redis for the whole run) gives the same answers:
//! - time is explicit: [`at`] is a fixed start plus an offset; no sleeps,
//!   no clock reads;
//! - every account, user and Discord id that could clash between tests is
//!   made unique with a UUID ([`unique`]);
//! - expectations are on results of trait calls only, never on a backend's
//!   internals.

pub mod activity;
pub mod activity_pages;
pub mod invitation_changes;
pub mod invitations;
pub mod keys;
pub mod limits;
pub mod members;
pub mod races;
pub mod removal;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use trackly_authz::store::{
    ActivityQuery, Actor, InvitationGrant, NewApiKey, RateLimit, Store, StoreSettings,
};
use trackly_authz::team::secret::{self, NewSecret};
use trackly_authz::team::{ActivityEvent, Invitation, Role};

/// Generates the whole conformance suite for one backend, as a module
/// named `$backend` holding one module per group and one test per case
/// (e.g. `memory::members::change_role_refuses_the_last_owner`).
///
/// `$make` is an expression of type `Fn(StoreSettings) -> impl Future<Output
/// = Arc<dyn Store>>`, called once per test (some tests call it with a short
/// audit retention). Items it names are resolved through `use super::*`, so
/// anything imported at the invocation site is in scope.
///
/// Tests run on a multi-threaded tokio runtime, so concurrency cases race
/// for real.
macro_rules! conformance_suite {
    ($backend:ident, $make:expr $(,)?) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;

            fn backend() -> $crate::conformance::Backend {
                $crate::conformance::Backend::new($make)
            }

            conformance_suite!(@groups
                members: [
                    ping_answers,
                    account_create_and_exists,
                    member_roles_of_members_non_members_and_unknown_accounts,
                    list_members_sorted_by_joined_at_then_user,
                    change_role_updates_the_role_and_records_it,
                    change_role_to_the_same_role_writes_no_event,
                    change_role_refuses_the_last_owner,
                    change_role_rechecks_the_actor,
                ],
                removal: [
                    remove_member_paths,
                    remove_member_refuses_the_last_owner,
                    transfer_ownership_without_demote_self,
                    transfer_ownership_with_demote_self,
                    transfer_ownership_to_a_non_member_or_an_owner,
                ],
                races: [
                    owners_removing_each_other_at_once_keep_an_owner,
                    owners_demoting_each_other_at_once_keep_an_owner,
                    double_accept_at_the_same_instant_gives_one_membership,
                ],
                invitations: [
                    invitation_create_and_list,
                    invitation_for_a_pending_email_conflicts,
                    invitation_expires_at_expires_at,
                    list_invitations_newest_first_with_status_filter,
                    accept_paths,
                    invitation_operations_recheck_the_actor,
                ],
                invitation_changes: [
                    resend_rotates_token_and_ttl,
                    resend_only_pending_or_expired,
                    revoke_paths,
                ],
                limits: [
                    forty_concurrent_invitations_admit_exactly_twenty,
                    limits_are_per_account_and_per_name,
                    refused_requests_do_not_use_the_limit,
                    retry_after_follows_the_sliding_window,
                    resend_counts_against_the_limit,
                ],
                keys: [
                    api_key_create_list_resolve_delete,
                    api_key_operations_recheck_the_actor,
                    discord_link_resolve_relink_unlink,
                    discord_links_die_with_their_key,
                ],
                activity: [
                    every_change_writes_one_event,
                    no_op_and_refused_changes_write_no_event,
                    event_ids_follow_the_clock_and_never_go_back,
                    login_requires_membership,
                ],
                activity_pages: [
                    newest_first_filter_limit_and_cursor,
                    pagination_over_500_events_with_concurrent_writers,
                    retention_hides_old_events,
                ],
            );
        }
    };
    (@groups $($group:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        $(
            mod $group {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $case() {
                        $crate::conformance::$group::$case(&super::backend()).await;
                    }
                )*
            }
        )*
    };
}

/// The future a backend factory returns.
pub type StoreFuture = Pin<Box<dyn Future<Output = Arc<dyn Store>> + Send>>;

/// Makes fresh stores of one backend.
pub struct Backend {
    make: Box<dyn Fn(StoreSettings) -> StoreFuture + Send + Sync>,
}

impl Backend {
    /// Wraps a factory (see [`conformance_suite!`]).
    pub fn new<F, Fut>(make: F) -> Backend
    where
        F: Fn(StoreSettings) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Arc<dyn Store>> + Send + 'static,
    {
        Backend {
            make: Box::new(move |settings| Box::pin(make(settings))),
        }
    }

    /// A store with the default settings (90 days of audit retention).
    pub async fn store(&self) -> Arc<dyn Store> {
        (self.make)(StoreSettings::default()).await
    }

    /// A store with these settings.
    pub async fn store_with(&self, settings: StoreSettings) -> Arc<dyn Store> {
        (self.make)(settings).await
    }
}

/// The fixed start of every test's time line. In the future of when this
/// was written, so a backend that expires keys at absolute times still
/// keeps them for the test.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()
}

/// `t0` plus `secs` seconds.
pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// `t0` plus `ms` milliseconds.
pub fn at_ms(ms: i64) -> DateTime<Utc> {
    t0() + Duration::milliseconds(ms)
}

/// A fresh id with a readable prefix, unique across tests and runs.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// An actor.
pub fn actor(user: &str, role: Role) -> Actor {
    Actor {
        user: user.to_owned(),
        role,
    }
}

/// The invitation TTL the cases use.
pub const TTL: Duration = Duration::days(7);

/// A limit no setup ever reaches; named apart from the limits under test.
pub fn roomy() -> RateLimit {
    RateLimit {
        name: "conformance_setup",
        limit: 100_000,
        window: Duration::hours(1),
    }
}

/// A fresh invitation token for `account` and a grant of it, expiring
/// `TTL` after `now`, counting against `limit`.
pub fn grant(account: &str, now: DateTime<Utc>, limit: RateLimit) -> (NewSecret, InvitationGrant) {
    let token = secret::generate(secret::INVITATION_TOKEN_PREFIX, account);
    let grant = InvitationGrant {
        token_hash: token.hash.clone(),
        expires_at: now + TTL,
        limit,
    };
    (token, grant)
}

/// A fresh API key of `role` for `account`, and its secret.
pub fn new_key(account: &str, name: &str, role: Role) -> (NewSecret, NewApiKey) {
    let plain = secret::generate(secret::API_KEY_PREFIX, account);
    let key = NewApiKey {
        id: unique("key"),
        name: name.to_owned(),
        role,
        prefix: plain.plain[..secret::SHOWN_PREFIX_LEN].to_owned(),
        secret_hash: plain.hash.clone(),
    };
    (plain, key)
}

/// A fresh account (created at `at(0)`) with its first Owner.
pub struct Team {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// The account id.
    pub account: String,
    /// The first Owner's user id.
    pub owner: String,
}

impl Team {
    /// Creates the account in a fresh store of `backend`.
    pub async fn new(backend: &Backend) -> Team {
        Team::in_store(backend.store().await).await
    }

    /// Creates a fresh account in `store`.
    pub async fn in_store(store: Arc<dyn Store>) -> Team {
        let account = unique("acct");
        let owner = unique("u_owner");
        store
            .create_account(&account, &owner, at(0))
            .await
            .expect("create_account of a fresh id must succeed");
        Team {
            store,
            account,
            owner,
        }
    }

    /// The first Owner as an actor.
    pub fn owner_actor(&self) -> Actor {
        actor(&self.owner, Role::Owner)
    }

    /// Invites `email` as `role` (by the first Owner, at `now`, against the
    /// setup limit); returns the invitation and its token.
    pub async fn invite(
        &self,
        email: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> (Invitation, NewSecret) {
        let (token, grant) = grant(&self.account, now, roomy());
        let invitation = self
            .store
            .create_invitation(
                &self.account,
                &self.owner_actor(),
                &unique("inv"),
                email,
                role,
                &grant,
                now,
            )
            .await
            .expect("invitation in setup must succeed");
        (invitation, token)
    }

    /// Adds `user` as `role` through an invitation accepted at `now`.
    pub async fn add_member(&self, user: &str, role: Role, now: DateTime<Utc>) {
        let (_, token) = self.invite(&format!("{user}@example.com"), role, now).await;
        self.store
            .accept_invitation(&self.account, &token.hash, user, now)
            .await
            .expect("accept in setup must succeed");
    }

    /// The whole visible log at `now`, newest first, walking every page.
    pub async fn events(&self, now: DateTime<Utc>) -> Vec<ActivityEvent> {
        all_events(self.store.as_ref(), &self.account, now).await
    }

    /// The role of `user`, `None` for a non-member.
    pub async fn role_of(&self, user: &str) -> Option<Role> {
        self.store
            .member_roles(&self.account, &[user])
            .await
            .unwrap()[0]
    }
}

/// The whole visible log of `account` at `now`, newest first.
pub async fn all_events(
    store: &dyn Store,
    account: &str,
    now: DateTime<Utc>,
) -> Vec<ActivityEvent> {
    let mut events = Vec::new();
    let mut before = None;
    loop {
        let query = ActivityQuery {
            action: None,
            limit: 200,
            before,
        };
        let page = store.activity(account, &query, now).await.unwrap();
        events.extend(page.events);
        match page.next {
            Some(next) => before = Some(next),
            None => return events,
        }
    }
}
