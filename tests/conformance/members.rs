//! Accounts and members: creation, roles, ordering, role changes and the
//! at-least-one-Owner invariant on them.

use serde_json::json;
use trackly_authz::store::StoreError;
use trackly_authz::team::{Account, EventAction, Member, Role};

use super::{actor, at, unique, Backend, Team};

pub async fn ping_answers(backend: &Backend) {
    assert_eq!(backend.store().await.ping().await, Ok(()));
}

pub async fn account_create_and_exists(backend: &Backend) {
    let store = backend.store().await;
    let account = unique("acct");
    let owner = unique("u_owner");
    let created = store.create_account(&account, &owner, at(0)).await.unwrap();
    assert_eq!(
        created,
        Account {
            id: account.clone(),
            owners: vec![owner.clone()],
            created_at: at(0),
        }
    );
    assert_eq!(
        store.create_account(&account, "u_other", at(1)).await,
        Err(StoreError::AccountExists)
    );
    // The refused create changed nothing.
    assert_eq!(
        store.list_members(&account).await.unwrap(),
        vec![Member {
            user: owner.clone(),
            role: Role::Owner,
            joined_at: at(0),
        }]
    );
    let team = Team {
        store,
        account: account.clone(),
        owner: owner.clone(),
    };
    let events = team.events(at(2)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].action, EventAction::AccountCreated);
    assert_eq!(events[0].actor, owner);
    assert_eq!(events[0].target, account);
    assert_eq!(events[0].details, json!({ "owner": owner }));
    assert_eq!(events[0].at, at(0));
}

pub async fn member_roles_of_members_non_members_and_unknown_accounts(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    team.add_member("u_v", Role::Viewer, at(2)).await;
    let roles = team
        .store
        .member_roles(
            &team.account,
            &[&team.owner, "u_m", "u_v", "u_stranger", &team.owner],
        )
        .await
        .unwrap();
    assert_eq!(
        roles,
        [
            Some(Role::Owner),
            Some(Role::Member),
            Some(Role::Viewer),
            None,
            Some(Role::Owner)
        ]
    );
    assert_eq!(
        team.store.member_roles(&team.account, &[]).await.unwrap(),
        []
    );
    // An unknown account has no members.
    let unknown = unique("acct");
    assert_eq!(
        team.store
            .member_roles(&unknown, &[&team.owner])
            .await
            .unwrap(),
        [None]
    );
    assert_eq!(
        team.store.list_members(&unknown).await,
        Err(StoreError::NotMember)
    );
}

pub async fn list_members_sorted_by_joined_at_then_user(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_z", Role::Member, at(20)).await;
    team.add_member("u_b", Role::Viewer, at(10)).await;
    team.add_member("u_a", Role::Owner, at(20)).await;
    let members = team.store.list_members(&team.account).await.unwrap();
    let got: Vec<(&str, Role, _)> = members
        .iter()
        .map(|m| (m.user.as_str(), m.role, m.joined_at))
        .collect();
    assert_eq!(
        got,
        [
            (team.owner.as_str(), Role::Owner, at(0)),
            ("u_b", Role::Viewer, at(10)),
            ("u_a", Role::Owner, at(20)),
            ("u_z", Role::Member, at(20)),
        ]
    );
}

pub async fn change_role_updates_the_role_and_records_it(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let member = team
        .store
        .change_role(
            &team.account,
            &team.owner_actor(),
            "u_m",
            Role::Viewer,
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(
        member,
        Member {
            user: "u_m".into(),
            role: Role::Viewer,
            joined_at: at(1),
        }
    );
    assert_eq!(team.role_of("u_m").await, Some(Role::Viewer));
    let last = &team.events(at(6)).await[0];
    assert_eq!(last.action, EventAction::MemberRoleChanged);
    assert_eq!(
        (last.actor.as_str(), last.target.as_str()),
        (team.owner.as_str(), "u_m")
    );
    assert_eq!(last.details, json!({ "from": "Member", "to": "Viewer" }));
    // Promotion to Owner.
    team.store
        .change_role(
            &team.account,
            &team.owner_actor(),
            "u_m",
            Role::Owner,
            at(7),
        )
        .await
        .unwrap();
    assert_eq!(team.role_of("u_m").await, Some(Role::Owner));
}

pub async fn change_role_to_the_same_role_writes_no_event(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let before = team.events(at(2)).await;
    let member = team
        .store
        .change_role(
            &team.account,
            &team.owner_actor(),
            "u_m",
            Role::Member,
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(member.role, Role::Member);
    team.store
        .change_role(
            &team.account,
            &team.owner_actor(),
            &team.owner,
            Role::Owner,
            at(4),
        )
        .await
        .unwrap();
    assert_eq!(team.events(at(5)).await, before);
}

pub async fn change_role_refuses_the_last_owner(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let before = team.events(at(2)).await;
    for role in [Role::Member, Role::Viewer] {
        assert_eq!(
            team.store
                .change_role(&team.account, &team.owner_actor(), &team.owner, role, at(3))
                .await,
            Err(StoreError::LastOwner)
        );
    }
    // Also when someone else (the policy would not allow it) demotes the
    // only Owner: the store guards the invariant on its own.
    assert_eq!(
        team.store
            .change_role(
                &team.account,
                &actor("u_m", Role::Member),
                &team.owner,
                Role::Viewer,
                at(3)
            )
            .await,
        Err(StoreError::LastOwner)
    );
    assert_eq!(team.role_of(&team.owner).await, Some(Role::Owner));
    assert_eq!(team.events(at(4)).await, before);
    // With a second Owner, demoting oneself is fine.
    team.add_member("u_o2", Role::Owner, at(5)).await;
    team.store
        .change_role(
            &team.account,
            &team.owner_actor(),
            &team.owner,
            Role::Member,
            at(6),
        )
        .await
        .unwrap();
    assert_eq!(team.role_of(&team.owner).await, Some(Role::Member));
    assert_eq!(
        team.store
            .change_role(
                &team.account,
                &actor("u_o2", Role::Owner),
                "u_o2",
                Role::Viewer,
                at(7)
            )
            .await,
        Err(StoreError::LastOwner)
    );
}

pub async fn change_role_rechecks_the_actor(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    team.add_member("u_v", Role::Viewer, at(1)).await;
    let before = team.events(at(2)).await;
    let change = |actor, account: String, target: &'static str| {
        let store = team.store.clone();
        async move {
            store
                .change_role(&account, &actor, target, Role::Member, at(3))
                .await
        }
    };
    let account = team.account.clone();
    // The decision saw Owner; the actor is a Member now.
    assert_eq!(
        change(actor("u_m", Role::Owner), account.clone(), "u_v").await,
        Err(StoreError::ActorRoleChanged)
    );
    assert_eq!(
        change(actor("u_stranger", Role::Owner), account.clone(), "u_v").await,
        Err(StoreError::NotMember)
    );
    assert_eq!(
        change(team.owner_actor(), unique("acct"), "u_v").await,
        Err(StoreError::NotMember)
    );
    assert_eq!(
        change(team.owner_actor(), account.clone(), "u_ghost").await,
        Err(StoreError::NotFound("member"))
    );
    assert_eq!(team.role_of("u_v").await, Some(Role::Viewer));
    assert_eq!(team.events(at(4)).await, before);
}
