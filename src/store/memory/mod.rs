//! The in-memory backend: one `std::sync::Mutex` over all state, so every
//! operation (its checks, its change and its activity event) is atomic by
//! construction. For local use and tests; not shared, not durable.
//!
//! # Layout
//!
//! - this file: the state, the lock, and the [`Store`] impl, which only
//!   takes the lock and calls the state's method for the operation;
//! - `members`: accounts, roles, removal, ownership transfer;
//! - `invitations`: invitations and their rate limit;
//! - `keys`: API keys and Discord links;
//! - `activity`: the per-account activity log.
//!
//! Every operation checks all its preconditions before changing anything,
//! so a refused operation leaves no trace (no partial write, no event, no
//! rate-limit hit). No lock is ever held across an `.await` (the methods
//! are synchronous under the lock).
//!
//! # Decisions where the trait is silent
//!
//! - An `Actor` who is not a member of the account, or an unknown account,
//!   is [`StoreError::NotMember`] (per the `NotMember` doc), not
//!   `ActorRoleChanged`: the answer is final, there is nothing to re-decide.
//!   A member whose role differs from `actor.role` is `ActorRoleChanged`.
//! - For member changes, `LastOwner` is checked before the actor re-check:
//!   when two Owners demote or remove each other at once, the loser's change
//!   would leave no Owner, and the SPEC answers that with `last_owner`.
//!   Order: account, self-removal, target, last Owner, actor.
//! - Reads without an actor (`list_members`, `list_invitations`,
//!   `list_api_keys`, `activity`) of an unknown account are `NotMember`;
//!   `member_roles` (the decision path) answers `None` for every user and
//!   `resolve_api_key` answers `None`.
//! - A caller-chosen id (invitation, API key) that is already in use is
//!   `Unavailable`: ids are fresh UUIDs, so a clash is a caller bug and is
//!   never allowed to overwrite a record.
//! - A poisoned lock (a panic under it) is `Unavailable` from then on: the
//!   state may be half-written, so the store fails closed.

mod activity;
mod invitations;
mod keys;
mod members;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use self::activity::ActivityLog;
use super::{
    Accepted, ActivityPage, ActivityQuery, Actor, InvitationGrant, NewApiKey, Store, StoreError,
    StoreSettings,
};
use crate::ratelimit::NamedLimits;
use crate::team::{
    Account, ApiKey, ApiKeyPrincipal, DiscordLink, Invitation, InvitationStatus, Member, Role,
};

/// The in-memory store.
pub struct MemoryStore {
    settings: StoreSettings,
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new(settings: StoreSettings) -> MemoryStore {
        MemoryStore {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state.lock().map_err(|_| {
            StoreError::Unavailable("memory store state poisoned by an earlier panic".to_owned())
        })
    }
}

/// Everything the store holds.
#[derive(Default)]
struct State {
    accounts: HashMap<String, AccountState>,
    /// Discord links by Discord user id (a Discord user links to one
    /// account at a time, whichever key it linked last).
    discord: HashMap<String, DiscordLink>,
}

/// One account's team.
struct AccountState {
    members: HashMap<String, Member>,
    invitations: HashMap<String, StoredInvitation>,
    /// Current token hash → invitation id. Entries of accepted and revoked
    /// invitations stay (so a reused token is `InvitationUsed`); a resend
    /// removes the rotated one.
    invitation_by_token: HashMap<String, String>,
    api_keys: HashMap<String, StoredKey>,
    /// Secret hash → key id.
    key_by_secret: HashMap<String, String>,
    limits: NamedLimits,
    log: ActivityLog,
    /// Insertion counter: orders invitations and keys created at the same
    /// instant.
    next_seq: u64,
}

struct StoredInvitation {
    invitation: Invitation,
    token_hash: String,
    seq: u64,
}

struct StoredKey {
    key: ApiKey,
    secret_hash: String,
    seq: u64,
}

impl AccountState {
    fn new(settings: &StoreSettings) -> AccountState {
        AccountState {
            members: HashMap::new(),
            invitations: HashMap::new(),
            invitation_by_token: HashMap::new(),
            api_keys: HashMap::new(),
            key_by_secret: HashMap::new(),
            limits: NamedLimits::new(),
            log: ActivityLog::new(settings.audit_retention),
            next_seq: 0,
        }
    }

    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The actor is still a member with the role the decision saw.
    fn check_actor(&self, actor: &Actor) -> Result<(), StoreError> {
        match self.members.get(&actor.user) {
            None => Err(StoreError::NotMember),
            Some(member) if member.role != actor.role => Err(StoreError::ActorRoleChanged),
            Some(_) => Ok(()),
        }
    }
}

impl State {
    fn account(&self, account: &str) -> Result<&AccountState, StoreError> {
        self.accounts.get(account).ok_or(StoreError::NotMember)
    }

    fn account_mut(&mut self, account: &str) -> Result<&mut AccountState, StoreError> {
        self.accounts.get_mut(account).ok_or(StoreError::NotMember)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.lock().map(|_| ())
    }

    async fn create_account(
        &self,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        self.lock()?
            .create_account(&self.settings, account, owner, now)
    }

    async fn member_roles(
        &self,
        account: &str,
        users: &[&str],
    ) -> Result<Vec<Option<Role>>, StoreError> {
        Ok(self.lock()?.member_roles(account, users))
    }

    async fn list_members(&self, account: &str) -> Result<Vec<Member>, StoreError> {
        Ok(self.lock()?.account(account)?.sorted_members())
    }

    async fn change_role(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        self.lock()?
            .account_mut(account)?
            .change_role(actor, target, role, now)
    }

    async fn remove_member(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?
            .account_mut(account)?
            .remove_member(actor, target, now)
    }

    async fn transfer_ownership(
        &self,
        account: &str,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError> {
        self.lock()?
            .account_mut(account)?
            .transfer_ownership(actor, to, demote_self, now)
    }

    async fn create_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        email: &str,
        role: Role,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        let mut state = self.lock()?;
        let team = state.account_mut(account)?;
        team.create_invitation(account, actor, id, email, role, grant, now)
    }

    async fn list_invitations(
        &self,
        account: &str,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, StoreError> {
        Ok(self.lock()?.account(account)?.list_invitations(status, now))
    }

    async fn resend_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        self.lock()?
            .account_mut(account)?
            .resend_invitation(actor, id, grant, now)
    }

    async fn revoke_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?
            .account_mut(account)?
            .revoke_invitation(actor, id, now)
    }

    async fn accept_invitation(
        &self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let mut state = self.lock()?;
        // An unknown account cannot hold the token: the token is unknown.
        let team = state
            .accounts
            .get_mut(account)
            .ok_or(StoreError::NotFound("invitation"))?;
        team.accept_invitation(account, token_hash, user, now)
    }

    async fn create_api_key(
        &self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        self.lock()?
            .account_mut(account)?
            .create_api_key(account, actor, key, now)
    }

    async fn list_api_keys(&self, account: &str) -> Result<Vec<ApiKey>, StoreError> {
        Ok(self.lock()?.account(account)?.list_api_keys())
    }

    async fn delete_api_key(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?.delete_api_key(account, actor, id, now)
    }

    async fn resolve_api_key(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyPrincipal>, StoreError> {
        Ok(self.lock()?.resolve_api_key(account, secret_hash))
    }

    async fn link_discord(
        &self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError> {
        self.lock()?
            .link_discord(account, secret_hash, discord_user_id, now)
    }

    async fn unlink_discord(
        &self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?.unlink_discord(discord_user_id, now)
    }

    async fn resolve_discord_user(
        &self,
        discord_user_id: &str,
    ) -> Result<Option<DiscordLink>, StoreError> {
        Ok(self.lock()?.resolve_discord_user(discord_user_id))
    }

    async fn record_login(
        &self,
        account: &str,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?
            .account_mut(account)?
            .record_login(user, details, now)
    }

    async fn activity(
        &self,
        account: &str,
        query: &ActivityQuery,
        now: DateTime<Utc>,
    ) -> Result<ActivityPage, StoreError> {
        Ok(self.lock()?.account(account)?.log.page(query, now))
    }
}
