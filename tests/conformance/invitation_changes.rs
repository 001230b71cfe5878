//! Changing invitations: resend (new token, new TTL, only Pending or
//! Expired, one Pending per email) and revoke.

use serde_json::json;
use trackly_authz::store::StoreError;
use trackly_authz::team::{EventAction, Invitation, InvitationStatus, Role};

use super::{actor, at, grant, roomy, unique, Backend, Team, TTL};

pub async fn resend_rotates_token_and_ttl(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_o2", Role::Owner, at(1)).await;
    let (original, old_token) = team.invite("cy@example.com", Role::Member, at(2)).await;
    let (new_token, grant) = grant(&team.account, at(100), roomy());
    let resent = team
        .store
        .resend_invitation(
            &team.account,
            &actor("u_o2", Role::Owner),
            &original.id,
            &grant,
            at(100),
        )
        .await
        .unwrap();
    assert_eq!(
        resent,
        Invitation {
            expires_at: at(100) + TTL,
            invited_by: "u_o2".into(),
            ..original.clone()
        }
    );
    let last = &team.events(at(101)).await[0];
    assert_eq!(last.action, EventAction::InvitationResent);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        ("u_o2", "cy@example.com")
    );
    assert_eq!(last.details, json!({ "invitation_id": original.id }));
    // The old token is gone; the new one lives until the new expiry.
    assert_eq!(
        team.store
            .accept_invitation(&team.account, &old_token.hash, "u_cy", at(101))
            .await,
        Err(StoreError::NotFound("invitation"))
    );
    let after_old_expiry = original.expires_at + chrono::Duration::seconds(1);
    let accepted = team
        .store
        .accept_invitation(&team.account, &new_token.hash, "u_cy", after_old_expiry)
        .await
        .unwrap();
    assert_eq!(accepted.member.role, Role::Member);
}

pub async fn resend_only_pending_or_expired(backend: &Backend) {
    let team = Team::new(backend).await;
    let resend = |id: String, secs: i64| {
        let (store, account, owner) =
            (team.store.clone(), team.account.clone(), team.owner_actor());
        async move {
            let (token, grant) = grant(&account, at(secs), roomy());
            let result = store
                .resend_invitation(&account, &owner, &id, &grant, at(secs))
                .await;
            result.map(|invitation| (invitation, token))
        }
    };
    // Expired: resend makes it Pending again with a working token.
    let (expired, _) = team.invite("ex@example.com", Role::Viewer, at(0)).await;
    let later = (TTL + chrono::Duration::seconds(10)).num_seconds();
    let (revived, token) = resend(expired.id.clone(), later).await.unwrap();
    assert_eq!(revived.status(at(later)), InvitationStatus::Pending);
    team.store
        .accept_invitation(&team.account, &token.hash, "u_ex", at(later + 1))
        .await
        .unwrap();
    // Accepted and Revoked cannot be resent.
    assert_eq!(
        resend(expired.id.clone(), later + 2).await.err(),
        Some(StoreError::InvitationNotResendable)
    );
    let (revoked, _) = team.invite("rv@example.com", Role::Viewer, at(later)).await;
    team.store
        .revoke_invitation(
            &team.account,
            &team.owner_actor(),
            &revoked.id,
            at(later + 1),
        )
        .await
        .unwrap();
    assert_eq!(
        resend(revoked.id, later + 2).await.err(),
        Some(StoreError::InvitationNotResendable)
    );
    assert_eq!(
        resend(unique("inv"), later + 2).await.err(),
        Some(StoreError::NotFound("invitation"))
    );
    // An expired invitation cannot be revived while a newer one for the
    // same email is Pending: one Pending per email.
    let (old, _) = team.invite("twice@example.com", Role::Viewer, at(0)).await;
    team.invite("twice@example.com", Role::Viewer, at(later))
        .await;
    assert_eq!(
        resend(old.id, later + 1).await.err(),
        Some(StoreError::InvitationPending)
    );
}

pub async fn revoke_paths(backend: &Backend) {
    let team = Team::new(backend).await;
    let revoke = |id: String, secs: i64| {
        let (store, account, owner) =
            (team.store.clone(), team.account.clone(), team.owner_actor());
        async move {
            store
                .revoke_invitation(&account, &owner, &id, at(secs))
                .await
        }
    };
    let (pending, token) = team.invite("dee@example.com", Role::Member, at(1)).await;
    revoke(pending.id.clone(), 2).await.unwrap();
    let last = &team.events(at(3)).await[0];
    assert_eq!(last.action, EventAction::InvitationRevoked);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        (team.owner.as_str(), "dee@example.com")
    );
    assert_eq!(last.details, json!({ "invitation_id": pending.id }));
    let listed = team
        .store
        .list_invitations(&team.account, None, at(3))
        .await
        .unwrap();
    assert_eq!(listed[0].status(at(3)), InvitationStatus::Revoked);
    // Again: a no-op without an event.
    let before = team.events(at(3)).await;
    revoke(pending.id.clone(), 4).await.unwrap();
    assert_eq!(team.events(at(5)).await, before);
    // A revoked token is unknown.
    assert_eq!(
        team.store
            .accept_invitation(&team.account, &token.hash, "u_dee", at(5))
            .await,
        Err(StoreError::NotFound("invitation"))
    );
    // Expired can be revoked; accepted cannot; unknown is NotFound.
    let (expired, _) = team.invite("old@example.com", Role::Member, at(1)).await;
    let later = (TTL + chrono::Duration::seconds(5)).num_seconds();
    revoke(expired.id, later).await.unwrap();
    let (used, used_token) = team.invite("used@example.com", Role::Member, at(6)).await;
    team.store
        .accept_invitation(&team.account, &used_token.hash, "u_used", at(7))
        .await
        .unwrap();
    assert_eq!(revoke(used.id, 8).await, Err(StoreError::InvitationUsed));
    assert_eq!(
        revoke(unique("inv"), 8).await,
        Err(StoreError::NotFound("invitation"))
    );
}
