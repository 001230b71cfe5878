//! Invitations: create, list, resend, revoke, accept, and the named rate
//! limit they count against.
//!
//! Status is always computed at the caller's `now` ([`Invitation::status`]),
//! so an invitation is Expired from `now >= expires_at` on. Emails arrive
//! normalised (the HTTP layer parses them with `team::ids::Email`); the
//! store compares them as given.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{AccountState, StoredInvitation};
use crate::store::{Accepted, Actor, InvitationGrant, StoreError};
use crate::team::{
    secret, EventAction, Invitation, InvitationState, InvitationStatus, Member, Role,
};

impl AccountState {
    /// `InvitationPending` if an invitation other than `except` is Pending
    /// for `email` at `now` (an expired one does not block).
    fn check_no_pending(
        &self,
        email: &str,
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let blocked = self.invitations.values().any(|stored| {
            let inv = &stored.invitation;
            inv.email == email
                && Some(inv.id.as_str()) != except
                && inv.status(now) == InvitationStatus::Pending
        });
        if blocked {
            return Err(StoreError::InvitationPending);
        }
        Ok(())
    }

    pub(super) fn create_invitation(
        &mut self,
        account: &str,
        actor: &Actor,
        id: &str,
        email: &str,
        role: Role,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        self.check_actor(actor)?;
        self.check_no_pending(email, None, now)?;
        if self.invitations.contains_key(id)
            || self.invitation_by_token.contains_key(&grant.token_hash)
        {
            return Err(StoreError::Unavailable(
                "invitation id or token already in use".to_owned(),
            ));
        }
        // Last check: a refused request never uses up the limit.
        self.limits.check(&grant.limit, now)?;

        let invitation = Invitation {
            id: id.to_owned(),
            account: account.to_owned(),
            email: email.to_owned(),
            role,
            state: InvitationState::Pending,
            invited_by: actor.user.clone(),
            created_at: now,
            expires_at: grant.expires_at,
            accepted_by: None,
        };
        let seq = self.take_seq();
        self.invitations.insert(
            id.to_owned(),
            StoredInvitation {
                invitation: invitation.clone(),
                token_hash: grant.token_hash.clone(),
                seq,
            },
        );
        self.invitation_by_token
            .insert(grant.token_hash.clone(), id.to_owned());
        self.limits.record(&grant.limit, now);
        self.log.append(
            now,
            EventAction::MemberInvited,
            &actor.user,
            email,
            json!({ "invitation_id": id, "role": role.as_str() }),
        );
        Ok(invitation)
    }

    /// Newest first (creation time, then creation order).
    pub(super) fn list_invitations(
        &self,
        status: Option<InvitationStatus>,
        now: DateTime<Utc>,
    ) -> Vec<Invitation> {
        let mut found: Vec<&StoredInvitation> = self
            .invitations
            .values()
            .filter(|s| status.is_none_or(|status| s.invitation.status(now) == status))
            .collect();
        found.sort_by(|a, b| {
            (b.invitation.created_at, b.seq).cmp(&(a.invitation.created_at, a.seq))
        });
        found.into_iter().map(|s| s.invitation.clone()).collect()
    }

    /// Also `InvitationPending` when resending an Expired invitation while a
    /// newer one for the same email is Pending: one Pending per email.
    pub(super) fn resend_invitation(
        &mut self,
        actor: &Actor,
        id: &str,
        grant: &InvitationGrant,
        now: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        self.check_actor(actor)?;
        let stored = self
            .invitations
            .get(id)
            .ok_or(StoreError::NotFound("invitation"))?;
        match stored.invitation.status(now) {
            InvitationStatus::Pending | InvitationStatus::Expired => {}
            InvitationStatus::Accepted | InvitationStatus::Revoked => {
                return Err(StoreError::InvitationNotResendable)
            }
        }
        let email = stored.invitation.email.clone();
        let old_token = stored.token_hash.clone();
        self.check_no_pending(&email, Some(id), now)?;
        if self.invitation_by_token.contains_key(&grant.token_hash) {
            return Err(StoreError::Unavailable(
                "invitation token already in use".to_owned(),
            ));
        }
        self.limits.check(&grant.limit, now)?;

        let stored = self
            .invitations
            .get_mut(id)
            .ok_or(StoreError::NotFound("invitation"))?;
        stored.token_hash = grant.token_hash.clone();
        stored.invitation.expires_at = grant.expires_at;
        stored.invitation.invited_by = actor.user.clone();
        let invitation = stored.invitation.clone();
        self.invitation_by_token.remove(&old_token);
        self.invitation_by_token
            .insert(grant.token_hash.clone(), id.to_owned());
        self.limits.record(&grant.limit, now);
        self.log.append(
            now,
            EventAction::InvitationResent,
            &actor.user,
            &email,
            json!({ "invitation_id": id }),
        );
        Ok(invitation)
    }

    pub(super) fn revoke_invitation(
        &mut self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.check_actor(actor)?;
        let stored = self
            .invitations
            .get_mut(id)
            .ok_or(StoreError::NotFound("invitation"))?;
        match stored.invitation.state {
            InvitationState::Accepted => return Err(StoreError::InvitationUsed),
            InvitationState::Revoked => return Ok(()),
            InvitationState::Pending => {}
        }
        stored.invitation.state = InvitationState::Revoked;
        let email = stored.invitation.email.clone();
        self.log.append(
            now,
            EventAction::InvitationRevoked,
            &actor.user,
            &email,
            json!({ "invitation_id": id }),
        );
        Ok(())
    }

    pub(super) fn accept_invitation(
        &mut self,
        account: &str,
        token_hash: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let stored = self
            .invitation_by_token
            .get(token_hash)
            .and_then(|id| self.invitations.get(id))
            .filter(|stored| secret::same(&stored.token_hash, token_hash))
            .ok_or(StoreError::NotFound("invitation"))?;
        match stored.invitation.status(now) {
            InvitationStatus::Revoked => return Err(StoreError::NotFound("invitation")),
            InvitationStatus::Accepted => return Err(StoreError::InvitationUsed),
            InvitationStatus::Expired => return Err(StoreError::InvitationExpired),
            InvitationStatus::Pending => {}
        }
        if self.members.contains_key(user) {
            return Err(StoreError::AlreadyMember);
        }
        let id = stored.invitation.id.clone();
        let member = Member {
            user: user.to_owned(),
            role: stored.invitation.role,
            joined_at: now,
        };
        let stored = self
            .invitations
            .get_mut(&id)
            .ok_or(StoreError::NotFound("invitation"))?;
        stored.invitation.state = InvitationState::Accepted;
        stored.invitation.accepted_by = Some(user.to_owned());
        let email = stored.invitation.email.clone();
        self.members.insert(user.to_owned(), member.clone());
        self.log.append(
            now,
            EventAction::InvitationAccepted,
            user,
            user,
            json!({ "invitation_id": id, "email": email, "role": member.role.as_str() }),
        );
        Ok(Accepted {
            account: account.to_owned(),
            member,
        })
    }
}
