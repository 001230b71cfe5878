//! The same code on a 3-master Redis Cluster.

use super::workout::workout;
use super::*;

#[tokio::test]
async fn the_same_code_runs_on_a_redis_cluster() {
    let cluster = shared_cluster();
    let settings = RedisSettings {
        urls: cluster.urls(),
        cluster: true,
    };
    let store = RedisStore::connect(&settings, StoreSettings::default())
        .await
        .expect("connect to the cluster");
    // One account per node, so the scripts run on every node.
    let mut accounts: Vec<Option<String>> = vec![None; cluster.nodes().len()];
    while accounts.iter().any(Option::is_none) {
        let account = unique("acct");
        let node = cluster.node_of_slot(cluster.slot_of(&keys::members(&account)));
        accounts[node].get_or_insert(account);
    }
    let accounts: Vec<String> = accounts.into_iter().flatten().collect();
    let handed = workout(&store, &accounts[0], &accounts[1]).await;
    workout(&store, &accounts[2], &unique("acct")).await;
    for user in &handed.discord_users[..2] {
        assert!(
            store.resolve_discord_user(user).await.unwrap().is_some(),
            "{user} resolves"
        );
    }
    let d2 = store
        .resolve_discord_user(&handed.discord_users[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d2.account, accounts[1], "relinked across nodes");
    assert_eq!(
        store
            .resolve_discord_user(&handed.discord_users[2])
            .await
            .unwrap(),
        None,
        "its key was deleted"
    );
    for (i, node) in cluster.nodes().iter().enumerate() {
        let tagged = format!("{{{}}}", accounts[i]);
        assert!(
            node.dump_all().iter().any(|k| k.key.contains(&tagged)),
            "node {i} holds its account"
        );
    }
    let page = store
        .activity(
            &accounts[2],
            &ActivityQuery {
                action: Some(EventAction::MemberInvited),
                limit: 1,
                before: None,
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(page.events.len(), 1);
    let rest = store
        .activity(
            &accounts[2],
            &ActivityQuery {
                action: Some(EventAction::MemberInvited),
                limit: 10,
                before: page.next,
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(rest.events.len(), 2, "three invitations in all");
    assert!(rest.next.is_none());
}
