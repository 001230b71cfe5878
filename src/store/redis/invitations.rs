//! Invitations on Redis: create, list, resend, revoke, accept, and the
//! invitation rate limit.

use chrono::{DateTime, Duration, Utc};

use super::codec::{self, Fields};
use super::scripts::{self, Refusal, SCRIPTS};
use super::{keys, plain, RedisStore};
use crate::store::{Accepted, Actor, InvitationGrant, RateLimit, StoreError};
use crate::team::{EventAction, Invitation, InvitationState, InvitationStatus, Member, Role};

/// Finishes a refusal of a limited script: `RateLimited` with the time the
/// script computed (in ms, like `crate::ratelimit`).
fn limited(refusal: Refusal, limit: &RateLimit) -> StoreError {
    match refusal {
        Refusal::Error(e) => e,
        Refusal::RateLimited(retry_after_ms) => match retry_after_ms.parse::<i64>() {
            Ok(ms) => StoreError::RateLimited {
                limit: limit.name,
                retry_after: Duration::milliseconds(ms),
            },
            Err(_) => codec::garbage("retry_after"),
        },
    }
}

fn decode_invitation(account: &str, id: String, fields: &Fields) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id,
        account: account.to_owned(),
        email: fields.text("email")?,
        role: fields.role("role")?,
        state: fields.parsed::<InvitationState>("state")?,
        invited_by: fields.text("invited_by")?,
        created_at: fields.time("created_at")?,
        expires_at: fields.time("expires_at")?,
        accepted_by: fields.optional("accepted_by"),
    })
}

impl RedisStore {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn create_invitation_impl(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        email: &str,
        role: Role,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        let mut call = self.change(
            &SCRIPTS.create_invitation,
            account,
            EventAction::MemberInvited,
            now,
        )?;
        call.key(keys::members(account))
            .key(keys::invitation(account, id))
            .key(keys::invitations(account))
            .key(keys::rate_limit(account, grant.limit.name))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(id)
            .arg(email)
            .arg(role.as_str())
            .arg(&grant.token_hash)
            .arg(codec::encode_time(grant.expires_at)?)
            .arg(grant.limit.limit)
            .arg(grant.limit.window.num_milliseconds())
            .arg(keys::invitation_prefix(account))
            .arg(keys::invitation_email_prefix(account))
            .arg(keys::invitation_token_prefix(account));
        self.run(&call)
            .await
            .map_err(|r| limited(r, &grant.limit))?;
        Ok(Invitation {
            id: id.to_owned(),
            account: account.to_owned(),
            email: email.to_owned(),
            role,
            state: InvitationState::Pending,
            invited_by: actor.user.clone(),
            created_at: now,
            expires_at: grant.expires_at,
            accepted_by: None,
        })
    }

    /// Newest first: by `created_at`, ties by creation order.
    pub(super) async fn list_invitations_impl(
        &self,
        account: &str,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>, StoreError> {
        let mut call = SCRIPTS.list_invitations.prepare_invoke();
        call.key(keys::members(account))
            .key(keys::invitations(account))
            .arg(keys::invitation_prefix(account));
        let entries = scripts::entries(self.pool.invoke(&call).await?)?;
        let mut listed = Vec::with_capacity(entries.len());
        for entry in entries {
            let (id, order, fields) = codec::indexed_entry(entry)?;
            let invitation = decode_invitation(account, id, &fields)?;
            if status.is_none_or(|s| invitation.status(now) == s) {
                listed.push((invitation, order));
            }
        }
        listed.sort_by(|(a, a_order), (b, b_order)| {
            b.created_at
                .cmp(&a.created_at)
                .then(b_order.total_cmp(a_order))
        });
        Ok(listed
            .into_iter()
            .map(|(invitation, _)| invitation)
            .collect())
    }

    pub(super) async fn resend_invitation_impl(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        let mut call = self.change(
            &SCRIPTS.resend_invitation,
            account,
            EventAction::InvitationResent,
            now,
        )?;
        call.key(keys::members(account))
            .key(keys::invitation(account, id))
            .key(keys::rate_limit(account, grant.limit.name))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(id)
            .arg(&grant.token_hash)
            .arg(codec::encode_time(grant.expires_at)?)
            .arg(grant.limit.limit)
            .arg(grant.limit.window.num_milliseconds())
            .arg(keys::invitation_prefix(account))
            .arg(keys::invitation_email_prefix(account))
            .arg(keys::invitation_token_prefix(account));
        let reply = self
            .run(&call)
            .await
            .map_err(|r| limited(r, &grant.limit))?;
        decode_invitation(account, id.to_owned(), &Fields::from_flat(reply)?)
    }

    pub(super) async fn revoke_invitation_impl(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut call = self.change(
            &SCRIPTS.revoke_invitation,
            account,
            EventAction::InvitationRevoked,
            now,
        )?;
        call.key(keys::members(account))
            .key(keys::invitation(account, id))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(id)
            .arg(keys::invitation_email_prefix(account))
            .arg(keys::invitation_token_prefix(account));
        self.run(&call).await.map_err(plain)?;
        Ok(())
    }

    pub(super) async fn accept_invitation_impl(
        &self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let mut call = self.change(
            &SCRIPTS.accept_invitation,
            account,
            EventAction::InvitationAccepted,
            now,
        )?;
        call.key(keys::members(account))
            .key(keys::invitation_token(account, token_hash))
            .arg(user)
            .arg(token_hash)
            .arg(keys::invitation_prefix(account))
            .arg(keys::invitation_email_prefix(account));
        let reply = self.run(&call).await.map_err(plain)?;
        let role = reply
            .first()
            .and_then(|r| r.parse::<Role>().ok())
            .ok_or_else(|| codec::garbage("accept reply"))?;
        Ok(Accepted {
            account: account.to_owned(),
            member: Member {
                user: user.to_owned(),
                role,
                joined_at: now,
            },
        })
    }
}
