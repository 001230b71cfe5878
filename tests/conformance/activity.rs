//! Writing the activity log: exactly one event per change with the
//! brief's actor, target and details, none for no-ops and refusals; ids
//! and times; logins.

use std::collections::HashSet;

use serde_json::{json, Value};
use trackly_authz::store::StoreError;
use trackly_authz::team::{EventAction, Role};

use super::{actor, at, grant, new_key, roomy, unique, Backend, Team};

pub async fn every_change_writes_one_event(backend: &Backend) {
    let team = Team::new(backend).await;
    let (store, account, owner) = (&team.store, team.account.as_str(), team.owner.as_str());
    let as_owner = team.owner_actor();
    let (invitation, _) = team.invite("una@example.com", Role::Member, at(1)).await;
    let (token, resend) = grant(account, at(2), roomy());
    store
        .resend_invitation(account, &as_owner, &invitation.id, &resend, at(2))
        .await
        .unwrap();
    store
        .accept_invitation(account, &token.hash, "u_una", at(3))
        .await
        .unwrap();
    let (revoked, _) = team.invite("vic@example.com", Role::Viewer, at(4)).await;
    store
        .revoke_invitation(account, &as_owner, &revoked.id, at(5))
        .await
        .unwrap();
    store
        .change_role(account, &as_owner, "u_una", Role::Viewer, at(6))
        .await
        .unwrap();
    let login = json!({ "ip": "203.0.113.7", "user_agent": "Mozilla/5.0" });
    store
        .record_login(account, "u_una", login.clone(), at(7))
        .await
        .unwrap();
    store
        .record_login(account, owner, json!({}), at(8))
        .await
        .unwrap();
    let (secret, key) = new_key(account, "ci", Role::Member);
    store
        .create_api_key(account, &as_owner, &key, at(9))
        .await
        .unwrap();
    let discord = unique("discord");
    store
        .link_discord(account, &secret.hash, &discord, at(10))
        .await
        .unwrap();
    store.unlink_discord(&discord, at(11)).await.unwrap();
    store
        .delete_api_key(account, &as_owner, &key.id, at(12))
        .await
        .unwrap();
    store
        .transfer_ownership(account, &as_owner, "u_una", true, at(13))
        .await
        .unwrap();
    store
        .remove_member(account, &actor("u_una", Role::Owner), owner, at(14))
        .await
        .unwrap();

    let (inv, rev) = (invitation.id.as_str(), revoked.id.as_str());
    let expected: Vec<(EventAction, &str, &str, Value)> = vec![
        (
            EventAction::AccountCreated,
            owner,
            account,
            json!({ "owner": owner }),
        ),
        (
            EventAction::MemberInvited,
            owner,
            "una@example.com",
            json!({ "invitation_id": inv, "role": "Member" }),
        ),
        (
            EventAction::InvitationResent,
            owner,
            "una@example.com",
            json!({ "invitation_id": inv }),
        ),
        (
            EventAction::InvitationAccepted,
            "u_una",
            "u_una",
            json!({ "invitation_id": inv, "email": "una@example.com", "role": "Member" }),
        ),
        (
            EventAction::MemberInvited,
            owner,
            "vic@example.com",
            json!({ "invitation_id": rev, "role": "Viewer" }),
        ),
        (
            EventAction::InvitationRevoked,
            owner,
            "vic@example.com",
            json!({ "invitation_id": rev }),
        ),
        (
            EventAction::MemberRoleChanged,
            owner,
            "u_una",
            json!({ "from": "Member", "to": "Viewer" }),
        ),
        (EventAction::Login, "u_una", "u_una", login),
        (EventAction::Login, owner, owner, json!({})),
        (
            EventAction::ApiKeyCreated,
            owner,
            &key.id,
            json!({ "name": "ci", "role": "Member" }),
        ),
        (
            EventAction::DiscordLinked,
            &discord,
            &discord,
            json!({ "api_key_id": key.id, "role": "Member" }),
        ),
        (
            EventAction::DiscordUnlinked,
            &discord,
            &discord,
            json!({ "api_key_id": key.id }),
        ),
        (
            EventAction::ApiKeyDeleted,
            owner,
            &key.id,
            json!({ "name": "ci" }),
        ),
        (
            EventAction::OwnershipTransferred,
            owner,
            "u_una",
            json!({ "demote_self": true }),
        ),
        (
            EventAction::MemberRemoved,
            "u_una",
            owner,
            json!({ "role": "Member" }),
        ),
    ];
    let mut events = team.events(at(20)).await;
    events.reverse();
    let got: Vec<(EventAction, &str, &str, Value)> = events
        .iter()
        .map(|e| {
            (
                e.action,
                e.actor.as_str(),
                e.target.as_str(),
                e.details.clone(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Every action type appears; each event's time is the `now` of its change.
    let actions: HashSet<EventAction> = events.iter().map(|e| e.action).collect();
    assert_eq!(actions.len(), EventAction::ALL.len());
    let times: Vec<_> = events.iter().map(|e| e.at).collect();
    let mut expected_times = vec![at(0)];
    expected_times.extend((1..=14).map(at));
    assert_eq!(times, expected_times);
    for event in &events {
        assert_eq!(event.at.timestamp_millis() as u64, event.id.ms, "{event:?}");
    }
}

pub async fn no_op_and_refused_changes_write_no_event(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let (invitation, _) = team.invite("wen@example.com", Role::Member, at(2)).await;
    let (store, account) = (&team.store, team.account.as_str());
    let as_owner = team.owner_actor();
    store
        .revoke_invitation(account, &as_owner, &invitation.id, at(3))
        .await
        .unwrap();
    let before = team.events(at(4)).await;

    store
        .change_role(account, &as_owner, "u_m", Role::Member, at(5))
        .await
        .unwrap();
    store
        .revoke_invitation(account, &as_owner, &invitation.id, at(5))
        .await
        .unwrap();
    assert!(store
        .change_role(account, &as_owner, &team.owner, Role::Viewer, at(5))
        .await
        .is_err());
    assert!(store
        .remove_member(account, &as_owner, &team.owner, at(5))
        .await
        .is_err());
    assert!(store
        .remove_member(account, &as_owner, "u_ghost", at(5))
        .await
        .is_err());
    assert!(store.create_account(account, "u_x", at(5)).await.is_err());
    let (_, used) = grant(account, at(5), roomy());
    assert!(store
        .resend_invitation(account, &as_owner, &invitation.id, &used, at(5))
        .await
        .is_err());
    assert!(store
        .accept_invitation(account, &used.token_hash, "u_y", at(5))
        .await
        .is_err());
    assert!(store
        .record_login(account, "u_ghost", json!({}), at(5))
        .await
        .is_err());
    assert!(store
        .link_discord(account, &used.token_hash, &unique("discord"), at(5))
        .await
        .is_err());
    assert!(store
        .unlink_discord(&unique("discord"), at(5))
        .await
        .is_err());
    assert!(store
        .delete_api_key(account, &as_owner, "key_ghost", at(5))
        .await
        .is_err());
    assert_eq!(team.events(at(6)).await, before);
}

pub async fn event_ids_follow_the_clock_and_never_go_back(backend: &Backend) {
    let team = Team::new(backend).await;
    let (store, account, owner) = (&team.store, team.account.as_str(), team.owner.as_str());
    store
        .record_login(account, owner, json!({}), at(10))
        .await
        .unwrap();
    store
        .record_login(account, owner, json!({}), at(10))
        .await
        .unwrap();
    // A caller whose clock is behind: the id (and `at`) stay at the last ms.
    store
        .record_login(account, owner, json!({}), at(5))
        .await
        .unwrap();
    store
        .record_login(account, owner, json!({}), at(11))
        .await
        .unwrap();
    let mut events = team.events(at(12)).await;
    events.reverse();
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as u64;
    let ids: Vec<(u64, u64)> = events.iter().map(|e| (e.id.ms, e.id.seq)).collect();
    assert_eq!(
        ids,
        [
            (ms(at(0)), 0),
            (ms(at(10)), 0),
            (ms(at(10)), 1),
            (ms(at(10)), 2),
            (ms(at(11)), 0)
        ]
    );
    let times: Vec<_> = events.iter().map(|e| e.at).collect();
    assert_eq!(times, [at(0), at(10), at(10), at(10), at(11)]);
}

pub async fn login_requires_membership(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let (store, account) = (&team.store, team.account.as_str());
    store
        .remove_member(account, &team.owner_actor(), "u_m", at(2))
        .await
        .unwrap();
    let before = team.events(at(3)).await;
    assert_eq!(
        store.record_login(account, "u_m", json!({}), at(3)).await,
        Err(StoreError::NotMember)
    );
    assert_eq!(
        store
            .record_login(account, "u_stranger", json!({}), at(3))
            .await,
        Err(StoreError::NotMember)
    );
    assert_eq!(
        store
            .record_login(&unique("acct"), &team.owner, json!({}), at(3))
            .await,
        Err(StoreError::NotMember)
    );
    assert_eq!(team.events(at(4)).await, before);
    store
        .record_login(account, &team.owner, json!({ "ip": "198.51.100.1" }), at(5))
        .await
        .unwrap();
    let last = &team.events(at(6)).await[0];
    assert_eq!(
        (last.action, last.actor.as_str(), last.target.as_str()),
        (EventAction::Login, team.owner.as_str(), team.owner.as_str())
    );
    assert_eq!(last.details, json!({ "ip": "198.51.100.1" }));
}
