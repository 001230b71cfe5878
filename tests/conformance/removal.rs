//! Removing members and transferring ownership, with the
//! at-least-one-Owner invariant.

use serde_json::json;
use trackly_authz::store::StoreError;
use trackly_authz::team::{EventAction, Role};

use super::{actor, at, unique, Backend, Team};

pub async fn remove_member_paths(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    team.add_member("u_v", Role::Viewer, at(1)).await;
    team.add_member("u_o2", Role::Owner, at(1)).await;
    let before = team.events(at(2)).await;
    let remove = |actor, target: &'static str| {
        let (store, account) = (team.store.clone(), team.account.clone());
        async move { store.remove_member(&account, &actor, target, at(3)).await }
    };
    assert_eq!(
        remove(actor("u_m", Role::Member), "u_m").await,
        Err(StoreError::SelfRemoval)
    );
    assert_eq!(
        remove(actor("u_o2", Role::Owner), "u_o2").await,
        Err(StoreError::SelfRemoval)
    );
    assert_eq!(
        remove(team.owner_actor(), "u_ghost").await,
        Err(StoreError::NotFound("member"))
    );
    assert_eq!(
        remove(actor("u_v", Role::Owner), "u_m").await,
        Err(StoreError::ActorRoleChanged)
    );
    assert_eq!(
        remove(actor("u_stranger", Role::Owner), "u_m").await,
        Err(StoreError::NotMember)
    );
    assert_eq!(
        team.store
            .remove_member(&unique("acct"), &team.owner_actor(), "u_m", at(3))
            .await,
        Err(StoreError::NotMember)
    );
    assert_eq!(team.events(at(4)).await, before);

    remove(team.owner_actor(), "u_m").await.unwrap();
    assert_eq!(team.role_of("u_m").await, None);
    let last = &team.events(at(4)).await[0];
    assert_eq!(last.action, EventAction::MemberRemoved);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        (team.owner.as_str(), "u_m")
    );
    assert_eq!(last.details, json!({ "role": "Member" }));
    assert_eq!(
        remove(team.owner_actor(), "u_m").await,
        Err(StoreError::NotFound("member"))
    );
    // Removing one of two Owners is fine.
    remove(team.owner_actor(), "u_o2").await.unwrap();
    let users: Vec<String> = team
        .store
        .list_members(&team.account)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user)
        .collect();
    assert_eq!(users, [team.owner.clone(), "u_v".to_owned()]);
}

/// Paths the policy never lets through (a non-Owner removing the only
/// Owner), still refused by the store itself.
pub async fn remove_member_refuses_the_last_owner(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let before = team.events(at(2)).await;
    assert_eq!(
        team.store
            .remove_member(
                &team.account,
                &actor("u_m", Role::Member),
                &team.owner,
                at(3)
            )
            .await,
        Err(StoreError::LastOwner)
    );
    assert_eq!(team.role_of(&team.owner).await, Some(Role::Owner));
    assert_eq!(team.events(at(4)).await, before);
}

pub async fn transfer_ownership_without_demote_self(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let members = team
        .store
        .transfer_ownership(&team.account, &team.owner_actor(), "u_m", false, at(5))
        .await
        .unwrap();
    let roles: Vec<(&str, Role)> = members.iter().map(|m| (m.user.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [(team.owner.as_str(), Role::Owner), ("u_m", Role::Owner)]
    );
    let last = &team.events(at(6)).await[0];
    assert_eq!(last.action, EventAction::OwnershipTransferred);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        (team.owner.as_str(), "u_m")
    );
    assert_eq!(last.details, json!({ "demote_self": false }));
}

pub async fn transfer_ownership_with_demote_self(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_v", Role::Viewer, at(1)).await;
    let members = team
        .store
        .transfer_ownership(&team.account, &team.owner_actor(), "u_v", true, at(5))
        .await
        .unwrap();
    let roles: Vec<(&str, Role)> = members.iter().map(|m| (m.user.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [(team.owner.as_str(), Role::Member), ("u_v", Role::Owner)]
    );
    assert_eq!(
        team.store.list_members(&team.account).await.unwrap(),
        members
    );
    let last = &team.events(at(6)).await[0];
    assert_eq!(last.action, EventAction::OwnershipTransferred);
    assert_eq!(last.target, "u_v");
    assert_eq!(last.details, json!({ "demote_self": true }));
    // The former Owner's next attempt carries a stale role.
    assert_eq!(
        team.store
            .transfer_ownership(&team.account, &team.owner_actor(), "u_v", false, at(7))
            .await,
        Err(StoreError::ActorRoleChanged)
    );
}

pub async fn transfer_ownership_to_a_non_member_or_an_owner(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_o2", Role::Owner, at(1)).await;
    let before = team.events(at(2)).await;
    assert_eq!(
        team.store
            .transfer_ownership(&team.account, &team.owner_actor(), "u_ghost", true, at(3))
            .await,
        Err(StoreError::NotFound("member"))
    );
    assert_eq!(
        team.store
            .transfer_ownership(
                &team.account,
                &actor("u_stranger", Role::Owner),
                "u_o2",
                false,
                at(3)
            )
            .await,
        Err(StoreError::NotMember)
    );
    // Already an Owner and no demotion: nothing changes, no event.
    let members = team
        .store
        .transfer_ownership(&team.account, &team.owner_actor(), "u_o2", false, at(3))
        .await
        .unwrap();
    assert!(members.iter().all(|m| m.role == Role::Owner), "{members:?}");
    assert_eq!(team.events(at(4)).await, before);
}
