//! API keys (create, list, resolve by secret hash, delete) and Discord
//! links (link, resolve, relink, unlink, removal with their key).

use serde_json::json;
use trackly_authz::store::StoreError;
use trackly_authz::team::{ApiKey, ApiKeyPrincipal, DiscordLink, EventAction, Role};

use super::{actor, at, new_key, unique, Backend, Team};

pub async fn api_key_create_list_resolve_delete(backend: &Backend) {
    let team = Team::new(backend).await;
    let (secret_1, key_1) = new_key(&team.account, "ci", Role::Member);
    let (secret_2, key_2) = new_key(&team.account, "dashboard", Role::Viewer);
    let created_1 = team
        .store
        .create_api_key(&team.account, &team.owner_actor(), &key_1, at(1))
        .await
        .unwrap();
    let created_2 = team
        .store
        .create_api_key(&team.account, &team.owner_actor(), &key_2, at(2))
        .await
        .unwrap();
    assert_eq!(
        created_1,
        ApiKey {
            id: key_1.id.clone(),
            account: team.account.clone(),
            name: "ci".into(),
            role: Role::Member,
            prefix: key_1.prefix.clone(),
            created_at: at(1),
            created_by: team.owner.clone(),
        }
    );
    let created_event = &team.events(at(3)).await[1];
    assert_eq!(created_event.action, EventAction::ApiKeyCreated);
    assert_eq!(
        (created_event.actor.as_str(), created_event.target.as_str()),
        (team.owner.as_str(), key_1.id.as_str())
    );
    assert_eq!(
        created_event.details,
        json!({ "name": "ci", "role": "Member" })
    );
    assert_eq!(
        team.store.list_api_keys(&team.account).await.unwrap(),
        [created_1.clone(), created_2.clone()]
    );

    assert_eq!(
        team.store
            .resolve_api_key(&team.account, &secret_1.hash)
            .await
            .unwrap(),
        Some(ApiKeyPrincipal {
            key_id: key_1.id.clone(),
            account: team.account.clone(),
            role: Role::Member,
        })
    );
    let resolved_2 = team
        .store
        .resolve_api_key(&team.account, &secret_2.hash)
        .await
        .unwrap();
    assert_eq!(
        resolved_2.map(|p| (p.key_id, p.role)),
        Some((key_2.id.clone(), Role::Viewer))
    );
    // Only in the key's own account, only with the right hash.
    let stranger = Team::in_store(team.store.clone()).await;
    assert_eq!(
        team.store
            .resolve_api_key(&stranger.account, &secret_1.hash)
            .await
            .unwrap(),
        None
    );
    let unrelated = trackly_authz::team::secret::hash("tk_not-a-key");
    assert_eq!(
        team.store
            .resolve_api_key(&team.account, &unrelated)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        team.store
            .resolve_api_key(&unique("acct"), &secret_1.hash)
            .await
            .unwrap(),
        None
    );

    team.store
        .delete_api_key(&team.account, &team.owner_actor(), &key_1.id, at(4))
        .await
        .unwrap();
    let deleted_event = &team.events(at(5)).await[0];
    assert_eq!(deleted_event.action, EventAction::ApiKeyDeleted);
    assert_eq!(
        (deleted_event.actor.as_str(), deleted_event.target.as_str()),
        (team.owner.as_str(), key_1.id.as_str())
    );
    assert_eq!(deleted_event.details, json!({ "name": "ci" }));
    assert_eq!(
        team.store
            .resolve_api_key(&team.account, &secret_1.hash)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        team.store.list_api_keys(&team.account).await.unwrap(),
        [created_2]
    );
    assert_eq!(
        team.store
            .delete_api_key(&team.account, &team.owner_actor(), &key_1.id, at(6))
            .await,
        Err(StoreError::NotFound("api key"))
    );
    assert_eq!(
        team.store.list_api_keys(&unique("acct")).await,
        Err(StoreError::NotMember)
    );
}

pub async fn api_key_operations_recheck_the_actor(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let (_, key) = new_key(&team.account, "k", Role::Member);
    team.store
        .create_api_key(&team.account, &team.owner_actor(), &key, at(2))
        .await
        .unwrap();
    let before = team.events(at(3)).await;
    for (who, expected) in [
        (actor("u_m", Role::Owner), StoreError::ActorRoleChanged),
        (actor("u_stranger", Role::Owner), StoreError::NotMember),
    ] {
        let (_, other) = new_key(&team.account, "k2", Role::Viewer);
        assert_eq!(
            team.store
                .create_api_key(&team.account, &who, &other, at(4))
                .await,
            Err(expected.clone())
        );
        assert_eq!(
            team.store
                .delete_api_key(&team.account, &who, &key.id, at(4))
                .await,
            Err(expected)
        );
    }
    let (_, other) = new_key(&team.account, "k3", Role::Viewer);
    assert_eq!(
        team.store
            .create_api_key(&unique("acct"), &team.owner_actor(), &other, at(4))
            .await,
        Err(StoreError::NotMember)
    );
    assert_eq!(
        team.store.list_api_keys(&team.account).await.unwrap().len(),
        1
    );
    assert_eq!(team.events(at(5)).await, before);
}

pub async fn discord_link_resolve_relink_unlink(backend: &Backend) {
    let team = Team::new(backend).await;
    let (secret_m, key_m) = new_key(&team.account, "bot-member", Role::Member);
    let (secret_v, key_v) = new_key(&team.account, "bot-viewer", Role::Viewer);
    for key in [&key_m, &key_v] {
        team.store
            .create_api_key(&team.account, &team.owner_actor(), key, at(1))
            .await
            .unwrap();
    }
    let discord = unique("discord");
    let link = team
        .store
        .link_discord(&team.account, &secret_m.hash, &discord, at(2))
        .await
        .unwrap();
    assert_eq!(
        link,
        DiscordLink {
            discord_user_id: discord.clone(),
            account: team.account.clone(),
            role: Role::Member,
            api_key_id: key_m.id.clone(),
            linked_at: at(2),
        }
    );
    assert_eq!(
        team.store.resolve_discord_user(&discord).await.unwrap(),
        Some(link)
    );
    let linked = &team.events(at(3)).await[0];
    assert_eq!(linked.action, EventAction::DiscordLinked);
    assert_eq!(
        (linked.actor.as_str(), linked.target.as_str()),
        (discord.as_str(), discord.as_str())
    );
    assert_eq!(
        linked.details,
        json!({ "api_key_id": key_m.id, "role": "Member" })
    );

    // Relinking replaces the link, also into another account.
    team.store
        .link_discord(&team.account, &secret_v.hash, &discord, at(4))
        .await
        .unwrap();
    let now_linked = team
        .store
        .resolve_discord_user(&discord)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (now_linked.api_key_id.as_str(), now_linked.role),
        (key_v.id.as_str(), Role::Viewer)
    );
    let elsewhere = Team::in_store(team.store.clone()).await;
    let (secret_e, key_e) = new_key(&elsewhere.account, "other-bot", Role::Member);
    elsewhere
        .store
        .create_api_key(&elsewhere.account, &elsewhere.owner_actor(), &key_e, at(5))
        .await
        .unwrap();
    team.store
        .link_discord(&elsewhere.account, &secret_e.hash, &discord, at(6))
        .await
        .unwrap();
    let now_linked = team
        .store
        .resolve_discord_user(&discord)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (now_linked.account.as_str(), now_linked.api_key_id.as_str()),
        (elsewhere.account.as_str(), key_e.id.as_str())
    );

    // Unknown keys (or a key of another account) cannot link.
    for (account, hash) in [
        (
            &team.account,
            trackly_authz::team::secret::hash("tk_unknown"),
        ),
        (&team.account, secret_e.hash.clone()),
        (&unique("acct"), secret_m.hash.clone()),
    ] {
        assert_eq!(
            team.store
                .link_discord(account, &hash, &unique("discord"), at(7))
                .await,
            Err(StoreError::NotFound("api key"))
        );
    }

    team.store.unlink_discord(&discord, at(8)).await.unwrap();
    assert_eq!(
        team.store.resolve_discord_user(&discord).await.unwrap(),
        None
    );
    let unlinked = &elsewhere.events(at(9)).await[0];
    assert_eq!(unlinked.action, EventAction::DiscordUnlinked);
    assert_eq!(
        (unlinked.actor.as_str(), unlinked.target.as_str()),
        (discord.as_str(), discord.as_str())
    );
    assert_eq!(unlinked.details, json!({ "api_key_id": key_e.id }));
    assert_eq!(
        team.store.unlink_discord(&discord, at(10)).await,
        Err(StoreError::NotFound("discord link"))
    );
    assert_eq!(
        team.store
            .resolve_discord_user(&unique("discord"))
            .await
            .unwrap(),
        None
    );
}

pub async fn discord_links_die_with_their_key(backend: &Backend) {
    let team = Team::new(backend).await;
    let (secret_1, key_1) = new_key(&team.account, "one", Role::Member);
    let (secret_2, key_2) = new_key(&team.account, "two", Role::Viewer);
    for key in [&key_1, &key_2] {
        team.store
            .create_api_key(&team.account, &team.owner_actor(), key, at(1))
            .await
            .unwrap();
    }
    let (d1, d2, d3) = (unique("discord"), unique("discord"), unique("discord"));
    for (discord, hash) in [
        (&d1, &secret_1.hash),
        (&d2, &secret_1.hash),
        (&d3, &secret_2.hash),
    ] {
        team.store
            .link_discord(&team.account, hash, discord, at(2))
            .await
            .unwrap();
    }
    let before = team.events(at(3)).await.len();
    team.store
        .delete_api_key(&team.account, &team.owner_actor(), &key_1.id, at(3))
        .await
        .unwrap();
    // One change, one event: the cascade writes no `discord.unlinked`.
    let events = team.events(at(4)).await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events[0].action, EventAction::ApiKeyDeleted);
    assert_eq!(team.store.resolve_discord_user(&d1).await.unwrap(), None);
    assert_eq!(team.store.resolve_discord_user(&d2).await.unwrap(), None);
    let live = team.store.resolve_discord_user(&d3).await.unwrap().unwrap();
    assert_eq!(live.api_key_id, key_2.id);
    assert_eq!(
        team.store.unlink_discord(&d1, at(5)).await,
        Err(StoreError::NotFound("discord link"))
    );
    assert_eq!(
        team.store
            .link_discord(&team.account, &secret_1.hash, &d1, at(5))
            .await,
        Err(StoreError::NotFound("api key"))
    );
    // The Discord user can link again with a live key.
    team.store
        .link_discord(&team.account, &secret_2.hash, &d1, at(6))
        .await
        .unwrap();
    assert_eq!(
        team.store
            .resolve_discord_user(&d1)
            .await
            .unwrap()
            .map(|l| l.role),
        Some(Role::Viewer)
    );
}
