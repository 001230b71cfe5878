//! The in-memory backend: one mutex over all accounts, so every operation
//! is atomic by construction. Local use and tests; not shared, not durable.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::team::{
    Account, ApiKey, ApiKeyPrincipal, DiscordLink, Invitation, InvitationStatus, Member, Role,
};

/// The in-memory store.
pub struct MemoryStore {
    _settings: StoreSettings,
}

impl MemoryStore {
    /// An empty store.
    pub fn new(settings: StoreSettings) -> MemoryStore {
        MemoryStore {
            _settings: settings,
        }
    }
}

#[async_trait]
#[allow(unused_variables)]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        unimplemented!("memory store")
    }

    async fn create_account(
        &self,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        unimplemented!("memory store")
    }

    async fn member_roles(
        &self,
        account: &str,
        users: &[&str],
    ) -> Result<Vec<Option<Role>>, StoreError> {
        unimplemented!("memory store")
    }

    async fn list_members(&self, account: &str) -> Result<Vec<Member>, StoreError> {
        unimplemented!("memory store")
    }

    async fn change_role(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        unimplemented!("memory store")
    }

    async fn remove_member(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        unimplemented!("memory store")
    }

    async fn transfer_ownership(
        &self,
        account: &str,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError> {
        unimplemented!("memory store")
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
        unimplemented!("memory store")
    }

    async fn list_invitations(
        &self,
        account: &str,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, StoreError> {
        unimplemented!("memory store")
    }

    async fn resend_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        unimplemented!("memory store")
    }

    async fn revoke_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        unimplemented!("memory store")
    }

    async fn accept_invitation(
        &self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        unimplemented!("memory store")
    }

    async fn create_api_key(
        &self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        unimplemented!("memory store")
    }

    async fn list_api_keys(&self, account: &str) -> Result<Vec<ApiKey>, StoreError> {
        unimplemented!("memory store")
    }

    async fn delete_api_key(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        unimplemented!("memory store")
    }

    async fn resolve_api_key(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyPrincipal>, StoreError> {
        unimplemented!("memory store")
    }

    async fn link_discord(
        &self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError> {
        unimplemented!("memory store")
    }

    async fn unlink_discord(
        &self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        unimplemented!("memory store")
    }

    async fn resolve_discord_user(
        &self,
        discord_user_id: &str,
    ) -> Result<Option<DiscordLink>, StoreError> {
        unimplemented!("memory store")
    }

    async fn record_login(
        &self,
        account: &str,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        unimplemented!("memory store")
    }

    async fn activity(
        &self,
        account: &str,
        query: &ActivityQuery,
        now: DateTime<Utc>,
    ) -> Result<ActivityPage, StoreError> {
        unimplemented!("memory store")
    }
}
