//! Invitations: creation, one Pending per email, expiry at `expires_at`,
//! listing, every accept path, the actor re-check.

use serde_json::json;
use trackly_authz::store::StoreError;
use trackly_authz::team::{EventAction, Invitation, InvitationState, InvitationStatus, Role};

use super::{actor, at, grant, roomy, unique, Backend, Team, TTL};

pub async fn invitation_create_and_list(backend: &Backend) {
    let team = Team::new(backend).await;
    let (_, grant) = grant(&team.account, at(10), roomy());
    let id = unique("inv");
    let invitation = team
        .store
        .create_invitation(
            &team.account,
            &team.owner_actor(),
            &id,
            "ann@example.com",
            Role::Viewer,
            &grant,
            at(10),
        )
        .await
        .unwrap();
    let expected = Invitation {
        id: id.clone(),
        account: team.account.clone(),
        email: "ann@example.com".into(),
        role: Role::Viewer,
        state: InvitationState::Pending,
        invited_by: team.owner.clone(),
        created_at: at(10),
        expires_at: at(10) + TTL,
        accepted_by: None,
    };
    assert_eq!(invitation, expected);
    assert_eq!(
        team.store
            .list_invitations(&team.account, None, at(11))
            .await
            .unwrap(),
        [expected]
    );
    let last = &team.events(at(11)).await[0];
    assert_eq!(last.action, EventAction::MemberInvited);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        (team.owner.as_str(), "ann@example.com")
    );
    assert_eq!(
        last.details,
        json!({ "invitation_id": id, "role": "Viewer" })
    );
}

pub async fn invitation_for_a_pending_email_conflicts(backend: &Backend) {
    let team = Team::new(backend).await;
    let store = &team.store;
    let invite = |email: &'static str, secs: i64| {
        let (store, account, owner) =
            (team.store.clone(), team.account.clone(), team.owner_actor());
        async move {
            let (token, grant) = grant(&account, at(secs), roomy());
            let result = store
                .create_invitation(
                    &account,
                    &owner,
                    &unique("inv"),
                    email,
                    Role::Member,
                    &grant,
                    at(secs),
                )
                .await;
            result.map(|invitation| (invitation, token))
        }
    };
    let (first, _) = invite("bo@example.com", 0).await.unwrap();
    assert_eq!(
        invite("bo@example.com", 1).await.err(),
        Some(StoreError::InvitationPending)
    );
    invite("other@example.com", 1).await.unwrap();
    // Expired (from `expires_at` on) no longer blocks.
    let expiry = (first.expires_at - super::t0()).num_seconds();
    assert_eq!(
        invite("bo@example.com", expiry - 1).await.err(),
        Some(StoreError::InvitationPending)
    );
    let (second, _) = invite("bo@example.com", expiry).await.unwrap();
    // Revoked does not block.
    store
        .revoke_invitation(
            &team.account,
            &team.owner_actor(),
            &second.id,
            at(expiry + 1),
        )
        .await
        .unwrap();
    let (_, token) = invite("bo@example.com", expiry + 2).await.unwrap();
    // Accepted does not block.
    store
        .accept_invitation(&team.account, &token.hash, "u_bo", at(expiry + 3))
        .await
        .unwrap();
    invite("bo@example.com", expiry + 4).await.unwrap();
    let pending = store
        .list_invitations(
            &team.account,
            Some(InvitationStatus::Pending),
            at(expiry + 5),
        )
        .await
        .unwrap();
    let emails: Vec<&str> = pending.iter().map(|i| i.email.as_str()).collect();
    assert_eq!(emails, ["bo@example.com"]);
}

pub async fn invitation_expires_at_expires_at(backend: &Backend) {
    let team = Team::new(backend).await;
    let (late, late_token) = team.invite("late@example.com", Role::Member, at(0)).await;
    let (ontime, ontime_token) = team.invite("ontime@example.com", Role::Member, at(0)).await;
    let expires = late.expires_at;
    assert_eq!(
        late.status(expires - chrono::Duration::milliseconds(1)),
        InvitationStatus::Pending
    );
    let listed = |status, now| {
        let (store, account) = (team.store.clone(), team.account.clone());
        async move {
            let found = store
                .list_invitations(&account, Some(status), now)
                .await
                .unwrap();
            found.into_iter().map(|i| i.id).collect::<Vec<_>>()
        }
    };
    let just_before = expires - chrono::Duration::milliseconds(1);
    assert_eq!(
        listed(InvitationStatus::Expired, just_before).await,
        Vec::<String>::new()
    );
    assert_eq!(listed(InvitationStatus::Expired, expires).await.len(), 2);
    assert_eq!(
        listed(InvitationStatus::Pending, expires).await,
        Vec::<String>::new()
    );

    let accepted = team
        .store
        .accept_invitation(&team.account, &ontime_token.hash, "u_ontime", just_before)
        .await
        .unwrap();
    assert_eq!(accepted.member.role, Role::Member);
    assert_eq!(
        team.store
            .accept_invitation(&team.account, &late_token.hash, "u_late", expires)
            .await,
        Err(StoreError::InvitationExpired)
    );
    assert_eq!(
        listed(InvitationStatus::Accepted, expires).await,
        [ontime.id]
    );
    assert_eq!(listed(InvitationStatus::Expired, expires).await, [late.id]);
    assert_eq!(team.role_of("u_late").await, None);
}

pub async fn list_invitations_newest_first_with_status_filter(backend: &Backend) {
    let team = Team::new(backend).await;
    let (expired, _) = team.invite("e1@example.com", Role::Member, at(1)).await;
    // Created later, so still Pending when the first has expired.
    let now = expired.expires_at + chrono::Duration::seconds(10);
    let (accepted, token) = team.invite("e2@example.com", Role::Member, at(2)).await;
    let (revoked, _) = team.invite("e3@example.com", Role::Member, at(3)).await;
    let (pending, _) = team
        .invite(
            "e4@example.com",
            Role::Viewer,
            now - chrono::Duration::seconds(5),
        )
        .await;
    team.store
        .accept_invitation(&team.account, &token.hash, "u_e2", at(4))
        .await
        .unwrap();
    team.store
        .revoke_invitation(&team.account, &team.owner_actor(), &revoked.id, at(5))
        .await
        .unwrap();

    let ids = |found: Vec<Invitation>| found.into_iter().map(|i| i.id).collect::<Vec<_>>();
    let all = team
        .store
        .list_invitations(&team.account, None, now)
        .await
        .unwrap();
    let statuses: Vec<InvitationStatus> = all.iter().map(|i| i.status(now)).collect();
    assert_eq!(
        statuses,
        [
            InvitationStatus::Pending,
            InvitationStatus::Revoked,
            InvitationStatus::Accepted,
            InvitationStatus::Expired
        ]
    );
    assert_eq!(
        ids(all),
        [
            pending.id.as_str(),
            revoked.id.as_str(),
            accepted.id.as_str(),
            expired.id.as_str()
        ]
    );
    for (status, expected) in [
        (InvitationStatus::Pending, &pending),
        (InvitationStatus::Accepted, &accepted),
        (InvitationStatus::Expired, &expired),
        (InvitationStatus::Revoked, &revoked),
    ] {
        let found = team
            .store
            .list_invitations(&team.account, Some(status), now)
            .await
            .unwrap();
        assert_eq!(ids(found), [expected.id.as_str()], "{status:?}");
    }
    let accepted_now = &team
        .store
        .list_invitations(&team.account, Some(InvitationStatus::Accepted), now)
        .await
        .unwrap()[0];
    assert_eq!(accepted_now.state, InvitationState::Accepted);
    assert_eq!(accepted_now.accepted_by.as_deref(), Some("u_e2"));
    assert_eq!(
        team.store
            .list_invitations(&unique("acct"), None, now)
            .await,
        Err(StoreError::NotMember)
    );
}

pub async fn accept_paths(backend: &Backend) {
    let team = Team::new(backend).await;
    let accept = |hash: String, user: &'static str, secs: i64| {
        let (store, account) = (team.store.clone(), team.account.clone());
        async move {
            store
                .accept_invitation(&account, &hash, user, at(secs))
                .await
        }
    };
    let unknown = trackly_authz::team::secret::generate("tki_", &team.account);
    assert_eq!(
        accept(unknown.hash, "u_x", 1).await,
        Err(StoreError::NotFound("invitation"))
    );

    let (invitation, token) = team.invite("eve@example.com", Role::Viewer, at(1)).await;
    let accepted = accept(token.hash.clone(), "u_eve", 2).await.unwrap();
    assert_eq!(accepted.account, team.account);
    assert_eq!(
        (
            accepted.member.user.as_str(),
            accepted.member.role,
            accepted.member.joined_at
        ),
        ("u_eve", Role::Viewer, at(2))
    );
    assert_eq!(team.role_of("u_eve").await, Some(Role::Viewer));
    let last = &team.events(at(3)).await[0];
    assert_eq!(last.action, EventAction::InvitationAccepted);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        ("u_eve", "u_eve")
    );
    assert_eq!(
        last.details,
        json!({ "invitation_id": invitation.id, "email": "eve@example.com", "role": "Viewer" })
    );
    // Single use, whoever tries.
    assert_eq!(
        accept(token.hash.clone(), "u_eve", 3).await,
        Err(StoreError::InvitationUsed)
    );
    assert_eq!(
        accept(token.hash.clone(), "u_mallory", 3).await,
        Err(StoreError::InvitationUsed)
    );

    // A member cannot accept again; the invitation stays usable.
    let (_, token) = team.invite("second@example.com", Role::Member, at(4)).await;
    assert_eq!(
        accept(token.hash.clone(), "u_eve", 5).await,
        Err(StoreError::AlreadyMember)
    );
    assert_eq!(team.role_of("u_eve").await, Some(Role::Viewer));
    accept(token.hash.clone(), "u_fay", 6).await.unwrap();
    // The token names another account: unknown there.
    let (_, token) = team.invite("third@example.com", Role::Member, at(7)).await;
    assert_eq!(
        team.store
            .accept_invitation(&unique("acct"), &token.hash, "u_gil", at(8))
            .await,
        Err(StoreError::NotFound("invitation"))
    );
}

pub async fn invitation_operations_recheck_the_actor(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let (invitation, _) = team.invite("hal@example.com", Role::Member, at(1)).await;
    let before = team.events(at(2)).await;
    for (who, expected) in [
        (actor("u_m", Role::Owner), StoreError::ActorRoleChanged),
        (actor("u_stranger", Role::Owner), StoreError::NotMember),
    ] {
        let (_, grant) = grant(&team.account, at(3), roomy());
        let store = &team.store;
        assert_eq!(
            store
                .create_invitation(
                    &team.account,
                    &who,
                    &unique("inv"),
                    "ivy@example.com",
                    Role::Member,
                    &grant,
                    at(3)
                )
                .await,
            Err(expected.clone())
        );
        assert_eq!(
            store
                .resend_invitation(&team.account, &who, &invitation.id, &grant, at(3))
                .await,
            Err(expected.clone())
        );
        assert_eq!(
            store
                .revoke_invitation(&team.account, &who, &invitation.id, at(3))
                .await,
            Err(expected)
        );
    }
    let (_, grant) = grant(&team.account, at(3), roomy());
    assert_eq!(
        team.store
            .create_invitation(
                &unique("acct"),
                &team.owner_actor(),
                &unique("inv"),
                "ivy@example.com",
                Role::Member,
                &grant,
                at(3)
            )
            .await,
        Err(StoreError::NotMember)
    );
    assert_eq!(team.events(at(4)).await, before);
    let listed = team
        .store
        .list_invitations(&team.account, None, at(4))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "only the setup invitations: {listed:?}");
}
