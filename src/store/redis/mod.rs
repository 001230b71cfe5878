//! The Redis backend (single node or Redis Cluster) on `deadpool-redis`.
//!
//! # Layout
//!
//! - [`keys`]: the key layout (the only place that knows key names; its
//!   doc is the layout table).
//! - `pool`: single-node and cluster pools behind one type, timeouts, and
//!   the mapping of every Redis failure to [`StoreError::Unavailable`].
//! - `scripts`: the Lua scripts (`scripts/*.lua`) and their status codes.
//! - `codec`: how times, members and hashes are stored.
//! - `members`, `invitations`, `api_keys`, `discord`, `activity`: the
//!   operations of each concept.
//!
//! Every change is one Lua script on the account's slot: the checks (actor
//! role, last Owner, pending email, rate limit, ...), the write and the
//! activity event, atomically; a refused change writes nothing. Time is
//! always the caller's `now` (passed to the scripts), never Redis' clock.
//! Needs Redis 7.0 or later (`XADD <ms>-*`, exclusive range bounds).

mod activity;
mod api_keys;
mod codec;
mod discord;
mod invitations;
pub mod keys;
mod members;
mod pool;
mod scripts;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::{Script, ScriptInvocation};

use super::{
    Accepted, ActivityPage, ActivityQuery, Actor, InvitationGrant, NewApiKey, Store, StoreError,
    StoreSettings,
};
use crate::team::{
    Account, ApiKey, ApiKeyPrincipal, DiscordLink, EventAction, Invitation, InvitationStatus,
    Member, Role,
};
use pool::RedisPool;
use scripts::Refusal;

pub use pool::{COMMAND_TIMEOUT, CONNECT_TIMEOUT};

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// One URL, or the cluster seed URLs.
    pub urls: Vec<String>,
    /// Whether `urls` are Redis Cluster seed nodes.
    pub cluster: bool,
}

/// The Redis store.
pub struct RedisStore {
    pool: RedisPool,
    settings: StoreSettings,
}

impl RedisStore {
    /// Connects (and checks the connection with a PING), so that an
    /// unreachable Redis at start-up is a configuration error.
    pub async fn connect(
        redis: &RedisSettings,
        settings: StoreSettings,
    ) -> Result<RedisStore, StoreError> {
        let pool = RedisPool::new(redis)?;
        let store = RedisStore { pool, settings };
        store.ping().await.map_err(|e| {
            let shown = redis
                .urls
                .iter()
                .map(|u| pool::redact(u))
                .collect::<Vec<_>>()
                .join(",");
            let cause = match e {
                StoreError::Unavailable(cause) => cause,
                other => other.to_string(),
            };
            StoreError::Unavailable(format!("cannot reach Redis at {shown}: {cause}"))
        })?;
        Ok(store)
    }

    /// Starts the invocation of a change script on `account`: the activity
    /// streams of `action` and the time arguments of the prelude's calling
    /// convention. The caller appends the script's own keys and arguments.
    fn change<'a>(
        &self,
        script: &'a Script,
        account: &str,
        action: EventAction,
        now: DateTime<Utc>,
    ) -> Result<ScriptInvocation<'a>, StoreError> {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(keys::activity(account))
            .key(keys::activity_of(account, action))
            .arg(codec::encode_time(now)?)
            .arg(codec::millis(now))
            .arg(codec::retention_floor_ms(
                now,
                self.settings.audit_retention,
            ))
            .arg(action.as_str());
        Ok(invocation)
    }

    /// Runs a change script and splits its reply.
    async fn run(&self, invocation: &ScriptInvocation<'_>) -> Result<Vec<String>, Refusal> {
        let reply: Vec<String> = self.pool.invoke(invocation).await.map_err(Refusal::Error)?;
        scripts::outcome(reply)
    }
}

/// A refusal of a script that counts against no limit.
fn plain(refusal: Refusal) -> StoreError {
    match refusal {
        Refusal::Error(e) => e,
        Refusal::RateLimited(_) => StoreError::Unavailable("unexpected rate-limit reply".into()),
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let pong: String = self.pool.query(&redis::cmd("PING")).await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(StoreError::Unavailable(format!("PING answered `{pong}`")))
        }
    }

    async fn create_account(
        &self,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        self.create_account_impl(account, owner, now).await
    }

    async fn member_roles(
        &self,
        account: &str,
        users: &[&str],
    ) -> Result<Vec<Option<Role>>, StoreError> {
        self.member_roles_impl(account, users).await
    }

    async fn list_members(&self, account: &str) -> Result<Vec<Member>, StoreError> {
        self.list_members_impl(account).await
    }

    async fn change_role(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        self.change_role_impl(account, actor, target, role, now)
            .await
    }

    async fn remove_member(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.remove_member_impl(account, actor, target, now).await
    }

    async fn transfer_ownership(
        &self,
        account: &str,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError> {
        self.transfer_ownership_impl(account, actor, to, demote_self, now)
            .await
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
        self.create_invitation_impl(account, actor, id, email, role, grant, now)
            .await
    }

    async fn list_invitations(
        &self,
        account: &str,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, StoreError> {
        self.list_invitations_impl(account, status, now).await
    }

    async fn resend_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        self.resend_invitation_impl(account, actor, id, grant, now)
            .await
    }

    async fn revoke_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.revoke_invitation_impl(account, actor, id, now).await
    }

    async fn accept_invitation(
        &self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        self.accept_invitation_impl(account, token_hash, user, now)
            .await
    }

    async fn create_api_key(
        &self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        self.create_api_key_impl(account, actor, key, now).await
    }

    async fn list_api_keys(&self, account: &str) -> Result<Vec<ApiKey>, StoreError> {
        self.list_api_keys_impl(account).await
    }

    async fn delete_api_key(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.delete_api_key_impl(account, actor, id, now).await
    }

    async fn resolve_api_key(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyPrincipal>, StoreError> {
        self.resolve_api_key_impl(account, secret_hash).await
    }

    async fn link_discord(
        &self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError> {
        self.link_discord_impl(account, secret_hash, discord_user_id, now)
            .await
    }

    async fn unlink_discord(
        &self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.unlink_discord_impl(discord_user_id, now).await
    }

    async fn resolve_discord_user(
        &self,
        discord_user_id: &str,
    ) -> Result<Option<DiscordLink>, StoreError> {
        self.resolve_discord_user_impl(discord_user_id).await
    }

    async fn record_login(
        &self,
        account: &str,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.record_login_impl(account, user, details, now).await
    }

    async fn activity(
        &self,
        account: &str,
        query: &ActivityQuery,
        now: DateTime<Utc>,
    ) -> Result<ActivityPage, StoreError> {
        self.activity_impl(account, query, now).await
    }
}
