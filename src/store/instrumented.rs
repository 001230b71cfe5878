//! [`InstrumentedStore`]: a [`Store`] decorator that times every operation
//! by name, counts store failures ([`StoreError::Unavailable`]), rate-limit
//! refusals and successful invitation changes. Every backend gets the same
//! metrics without knowing about them; the HTTP layer counts none of these
//! itself, so nothing is counted twice.
//!
//! The histogram of each operation is resolved once at construction (no
//! label lookup per call). The price of the decorator is one boxed future
//! per store call (`async_trait`), next to the backend's own.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use prometheus::Histogram;

use super::{
    Accepted, ActivityPage, ActivityQuery, Actor, InvitationGrant, NewApiKey, Store, StoreError,
};
use crate::metrics::store::{InvitationEvent, StoreMetrics};
use crate::team::{
    Account, ApiKey, ApiKeyPrincipal, DiscordLink, Invitation, InvitationStatus, Member, Role,
};

/// Declares the operations (the `op` label: the `Store` method names) so
/// that the enum and the names cannot drift apart.
macro_rules! operations {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A store operation.
        #[derive(Debug, Clone, Copy)]
        enum Op { $($variant),* }

        /// Label values, in the order of [`Op`].
        const OP_NAMES: &[&str] = &[$($name),*];
    };
}

operations! {
    Ping => "ping",
    CreateAccount => "create_account",
    MemberRoles => "member_roles",
    ListMembers => "list_members",
    ChangeRole => "change_role",
    RemoveMember => "remove_member",
    TransferOwnership => "transfer_ownership",
    CreateInvitation => "create_invitation",
    ListInvitations => "list_invitations",
    ResendInvitation => "resend_invitation",
    RevokeInvitation => "revoke_invitation",
    AcceptInvitation => "accept_invitation",
    CreateApiKey => "create_api_key",
    ListApiKeys => "list_api_keys",
    DeleteApiKey => "delete_api_key",
    ResolveApiKey => "resolve_api_key",
    LinkDiscord => "link_discord",
    UnlinkDiscord => "unlink_discord",
    ResolveDiscordUser => "resolve_discord_user",
    RecordLogin => "record_login",
    Activity => "activity",
}

/// A store that records metrics around another.
pub struct InstrumentedStore {
    inner: Arc<dyn Store>,
    metrics: StoreMetrics,
    /// One histogram per [`Op`], indexed by `op as usize`.
    latency: Vec<Histogram>,
}

impl InstrumentedStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>, metrics: StoreMetrics) -> InstrumentedStore {
        let latency = OP_NAMES.iter().map(|op| metrics.operation(op)).collect();
        InstrumentedStore {
            inner,
            metrics,
            latency,
        }
    }

    async fn timed<T>(
        &self,
        op: Op,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        let result = call.await;
        if let Some(h) = self.latency.get(op as usize) {
            h.observe(started.elapsed().as_secs_f64());
        }
        match &result {
            Err(StoreError::Unavailable(_)) => self.metrics.error(),
            Err(StoreError::RateLimited { limit, .. }) => self.metrics.rate_limited(limit),
            _ => {}
        }
        result
    }

    /// Counts `event` when `result` is a success.
    fn count<T>(
        &self,
        event: InvitationEvent,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if result.is_ok() {
            self.metrics.invitation(event);
        }
        result
    }
}

#[async_trait]
impl Store for InstrumentedStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.timed(Op::Ping, self.inner.ping()).await
    }

    async fn create_account(
        &self,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        self.timed(
            Op::CreateAccount,
            self.inner.create_account(account, owner, now),
        )
        .await
    }

    async fn member_roles(
        &self,
        account: &str,
        users: &[&str],
    ) -> Result<Vec<Option<Role>>, StoreError> {
        self.timed(Op::MemberRoles, self.inner.member_roles(account, users))
            .await
    }

    async fn list_members(&self, account: &str) -> Result<Vec<Member>, StoreError> {
        self.timed(Op::ListMembers, self.inner.list_members(account))
            .await
    }

    async fn change_role(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        self.timed(
            Op::ChangeRole,
            self.inner.change_role(account, actor, target, role, now),
        )
        .await
    }

    async fn remove_member(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.timed(
            Op::RemoveMember,
            self.inner.remove_member(account, actor, target, now),
        )
        .await
    }

    async fn transfer_ownership(
        &self,
        account: &str,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError> {
        self.timed(
            Op::TransferOwnership,
            self.inner
                .transfer_ownership(account, actor, to, demote_self, now),
        )
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
        let result = self
            .timed(
                Op::CreateInvitation,
                self.inner
                    .create_invitation(account, actor, id, email, role, grant, now),
            )
            .await;
        self.count(InvitationEvent::Created, result)
    }

    async fn list_invitations(
        &self,
        account: &str,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, StoreError> {
        self.timed(
            Op::ListInvitations,
            self.inner.list_invitations(account, status, now),
        )
        .await
    }

    async fn resend_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        let result = self
            .timed(
                Op::ResendInvitation,
                self.inner.resend_invitation(account, actor, id, grant, now),
            )
            .await;
        self.count(InvitationEvent::Resent, result)
    }

    async fn revoke_invitation(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Revoking an already revoked invitation succeeds as a no-op and is
        // counted too: the metric counts accepted revoke requests.
        let result = self
            .timed(
                Op::RevokeInvitation,
                self.inner.revoke_invitation(account, actor, id, now),
            )
            .await;
        self.count(InvitationEvent::Revoked, result)
    }

    async fn accept_invitation(
        &self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let result = self
            .timed(
                Op::AcceptInvitation,
                self.inner.accept_invitation(account, token_hash, user, now),
            )
            .await;
        self.count(InvitationEvent::Accepted, result)
    }

    async fn create_api_key(
        &self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        self.timed(
            Op::CreateApiKey,
            self.inner.create_api_key(account, actor, key, now),
        )
        .await
    }

    async fn list_api_keys(&self, account: &str) -> Result<Vec<ApiKey>, StoreError> {
        self.timed(Op::ListApiKeys, self.inner.list_api_keys(account))
            .await
    }

    async fn delete_api_key(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.timed(
            Op::DeleteApiKey,
            self.inner.delete_api_key(account, actor, id, now),
        )
        .await
    }

    async fn resolve_api_key(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyPrincipal>, StoreError> {
        self.timed(
            Op::ResolveApiKey,
            self.inner.resolve_api_key(account, secret_hash),
        )
        .await
    }

    async fn link_discord(
        &self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError> {
        self.timed(
            Op::LinkDiscord,
            self.inner
                .link_discord(account, secret_hash, discord_user_id, now),
        )
        .await
    }

    async fn unlink_discord(
        &self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.timed(
            Op::UnlinkDiscord,
            self.inner.unlink_discord(discord_user_id, now),
        )
        .await
    }

    async fn resolve_discord_user(
        &self,
        discord_user_id: &str,
    ) -> Result<Option<DiscordLink>, StoreError> {
        self.timed(
            Op::ResolveDiscordUser,
            self.inner.resolve_discord_user(discord_user_id),
        )
        .await
    }

    async fn record_login(
        &self,
        account: &str,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.timed(
            Op::RecordLogin,
            self.inner.record_login(account, user, details, now),
        )
        .await
    }

    async fn activity(
        &self,
        account: &str,
        query: &ActivityQuery,
        now: DateTime<Utc>,
    ) -> Result<ActivityPage, StoreError> {
        self.timed(Op::Activity, self.inner.activity(account, query, now))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use crate::store::memory::MemoryStore;
    use crate::store::StoreSettings;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[tokio::test]
    async fn times_each_operation_and_counts_outcomes() {
        let metrics = Metrics::new();
        let store = InstrumentedStore::new(
            Arc::new(MemoryStore::new(StoreSettings::default())),
            metrics.store().clone(),
        );
        store.create_account("acct_1", "u_1", t0()).await.unwrap();
        store.member_roles("acct_1", &["u_1"]).await.unwrap();
        // A domain refusal is not a store error.
        assert_eq!(
            store.create_account("acct_1", "u_1", t0()).await,
            Err(StoreError::AccountExists)
        );
        let text = metrics.render();
        for line in [
            r#"trackly_authz_store_operation_duration_seconds_count{op="create_account"} 2"#,
            r#"trackly_authz_store_operation_duration_seconds_count{op="member_roles"} 1"#,
            "trackly_authz_store_errors_total 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        // Every operation has its series from the start (a baseline for rate()).
        assert!(text
            .contains(r#"trackly_authz_store_operation_duration_seconds_count{op="activity"} 0"#));
        assert_eq!(store.latency.len(), OP_NAMES.len());
        assert_eq!(OP_NAMES[Op::Activity as usize], "activity");
    }
}
