//! The team store: the one place team state lives, behind the [`Store`]
//! trait, with an in-memory backend ([`memory`]) and a Redis backend
//! ([`redis`]) that behave identically (one conformance suite runs against
//! both).
//!
//! Every operation that changes the team is one atomic step in the store:
//! the preconditions (the actor still holds the role the decision was made
//! with, at least one Owner remains, the invitation is still pending, the
//! rate limit has room, ...), the write, and its activity event. The HTTP
//! layer asks the policy engine first and passes the role that decision was
//! based on as `actor_role`; if the store finds another role, it answers
//! [`StoreError::ActorRoleChanged`] and the caller decides again.
//!
//! The store knows nothing of HTTP. Time always comes in as `now` from the
//! caller's clock, never from the backend, so expiry and limits are testable.

pub mod instrumented;
pub mod memory;
pub mod redis;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::team::{
    Account, ActivityEvent, ApiKey, ApiKeyPrincipal, DiscordLink, EventAction, EventCursor,
    Invitation, InvitationStatus, Member, Role,
};

/// Settings fixed for the lifetime of a store.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// How long activity events are kept and returned.
    pub audit_retention: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            audit_retention: Duration::days(90),
        }
    }
}

/// A named sliding-window limit: at most `limit` hits per `window` per
/// account. Named so that further limits reuse the same mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Name of the limit (part of its storage key), e.g. `invite`.
    pub name: &'static str,
    /// Hits allowed per window.
    pub limit: u32,
    /// Window length.
    pub window: Duration,
}

/// Everything a store operation can answer besides success.
///
/// Domain outcomes are distinct from [`StoreError::Unavailable`], the only
/// infrastructure failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or answered garbage; never a guess.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// `create_account` for an id that exists.
    #[error("account already exists")]
    AccountExists,
    /// The actor (or the user named) is not a member of the account, or the
    /// account does not exist.
    #[error("not a member of the account")]
    NotMember,
    /// The target member, invitation, key or link does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The actor's role is no longer the one the decision was made with.
    #[error("the actor's role changed")]
    ActorRoleChanged,
    /// The change would leave the account without an Owner.
    #[error("an account must keep at least one Owner")]
    LastOwner,
    /// A member tried to remove themselves.
    #[error("cannot remove yourself")]
    SelfRemoval,
    /// The user is already a member.
    #[error("already a member of the account")]
    AlreadyMember,
    /// A Pending invitation for that email exists.
    #[error("a pending invitation for this email exists")]
    InvitationPending,
    /// The invitation was already accepted.
    #[error("the invitation was already used")]
    InvitationUsed,
    /// The invitation expired.
    #[error("the invitation expired")]
    InvitationExpired,
    /// Only Pending or Expired invitations can be resent.
    #[error("only pending or expired invitations can be resent")]
    InvitationNotResendable,
    /// A named rate limit is exhausted; a slot frees after `retry_after`.
    #[error("rate limit `{limit}` exceeded")]
    RateLimited {
        /// Which limit.
        limit: &'static str,
        /// Time until the oldest hit leaves the window.
        retry_after: Duration,
    },
}

/// Who acts, and with which role the policy decision was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The acting user id.
    pub user: String,
    /// The role the authorizing decision saw; the store re-checks it.
    pub role: Role,
}

/// A new invitation (`create_invitation`) or a resend.
#[derive(Debug, Clone)]
pub struct InvitationGrant {
    /// Hex SHA-256 of the new token.
    pub token_hash: String,
    /// When the new token expires.
    pub expires_at: DateTime<Utc>,
    /// The limit this invitation counts against.
    pub limit: RateLimit,
}

/// A new API key (`create_api_key`).
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Key id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// `Member` or `Viewer`.
    pub role: Role,
    /// Shown prefix of the secret.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
}

/// What an invitation accept produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The account joined.
    pub account: String,
    /// The new member.
    pub member: Member,
}

/// One page of the activity log, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityPage {
    /// At most `limit` events, newest first.
    pub events: Vec<ActivityEvent>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<EventCursor>,
}

/// A query of the activity log.
#[derive(Debug, Clone)]
pub struct ActivityQuery {
    /// Only this action type, if set.
    pub action: Option<EventAction>,
    /// Page size, 1–200.
    pub limit: usize,
    /// Only events strictly older than this cursor.
    pub before: Option<EventCursor>,
}

/// The team store. Implementations: [`memory::MemoryStore`],
/// [`redis::RedisStore`].
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the backend answers (readiness).
    async fn ping(&self) -> Result<(), StoreError>;

    // ----- accounts and members -----

    /// Creates an account with `owner` as its first Owner and records
    /// `account.created`.
    async fn create_account(
        &self,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError>;

    /// The roles of `users` in `account`, in order (`None`: not a member).
    /// One round trip: this is on the decision path.
    async fn member_roles(
        &self,
        account: &str,
        users: &[&str],
    ) -> Result<Vec<Option<Role>>, StoreError>;

    /// Every member of the account, sorted by `joined_at` then user id.
    async fn list_members(&self, account: &str) -> Result<Vec<Member>, StoreError>;

    /// Sets `target`'s role; refuses with `LastOwner` when no Owner would
    /// remain. No change (same role) writes no event.
    async fn change_role(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError>;

    /// Removes `target` (never the actor: `SelfRemoval`); refuses with
    /// `LastOwner` when no Owner would remain.
    async fn remove_member(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Makes `to` (a member) an Owner; with `demote_self` the actor becomes
    /// a Member. Returns all members after the change.
    async fn transfer_ownership(
        &self,
        account: &str,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError>;

    // ----- invitations -----

    /// Creates a Pending invitation (`InvitationPending` if one is pending
    /// for the email, `RateLimited` if the limit is used up) and records
    /// `member.invited`; the rate-limit hit is taken only on success.
    async fn create_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        email: &str,
        role: Role,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError>;

    /// Every invitation of the account (optionally of one status at `now`),
    /// newest first.
    async fn list_invitations(
        &self,
        account: &str,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, StoreError>;

    /// Rotates the token and TTL of a Pending or Expired invitation, counts
    /// against the limit, records `invitation.resent`.
    async fn resend_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError>;

    /// Revokes a Pending or Expired invitation (`InvitationUsed` if
    /// accepted; revoking a revoked one is a no-op) and records
    /// `invitation.revoked`.
    async fn revoke_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Accepts the invitation whose current token hashes to `token_hash`:
    /// `NotFound` (unknown, rotated or revoked), `InvitationExpired`,
    /// `InvitationUsed`, `AlreadyMember`; else adds the member and records
    /// `invitation.accepted`, atomically (one token, one membership).
    async fn accept_invitation(
        &self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError>;

    // ----- API keys and Discord -----

    /// Stores a new key and records `api_key.created`.
    async fn create_api_key(
        &self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError>;

    /// The account's keys, oldest first; never secrets.
    async fn list_api_keys(&self, account: &str) -> Result<Vec<ApiKey>, StoreError>;

    /// Deletes a key and every Discord link made with it; records
    /// `api_key.deleted`.
    async fn delete_api_key(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The key whose secret hashes to `secret_hash` in `account`, if any.
    async fn resolve_api_key(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyPrincipal>, StoreError>;

    /// Links a Discord user to the key's account and role (replacing an
    /// earlier link of that Discord user); records `discord.linked`.
    /// `NotFound("api key")` for an unknown key.
    async fn link_discord(
        &self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError>;

    /// Removes a link; records `discord.unlinked`. `NotFound` if none.
    async fn unlink_discord(
        &self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The live link of a Discord user (its key still exists), if any.
    async fn resolve_discord_user(
        &self,
        discord_user_id: &str,
    ) -> Result<Option<DiscordLink>, StoreError>;

    // ----- activity -----

    /// Records a login of a member (`NotMember` otherwise).
    async fn record_login(
        &self,
        account: &str,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// A page of the activity log, newest first, never older than the
    /// retention at `now`.
    async fn activity(
        &self,
        account: &str,
        query: &ActivityQuery,
        now: DateTime<Utc>,
    ) -> Result<ActivityPage, StoreError>;
}
