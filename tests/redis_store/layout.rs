//! What Redis holds: every account key carries its hash tag, no secret
//! is stored in plain text, a stale Discord pointer grants nothing, and
//! the decision path costs one HMGET.

use super::workout::workout;
use super::*;

#[tokio::test]
async fn every_account_key_carries_its_hash_tag() {
    let server = RedisServer::start();
    let store = single(&server.url()).await;
    let (a, b) = (unique("acct"), unique("acct"));
    let handed = workout(&store, &a, &b).await;
    let dump = server.dump_all();
    assert!(
        dump.len() > 20,
        "the workout wrote only {} keys",
        dump.len()
    );
    for key in &dump {
        assert!(
            key.key.starts_with(keys::PREFIX),
            "{} lacks the prefix",
            key.key
        );
        if let Some(user) = key.key.strip_prefix("trackly:discord:") {
            assert!(
                handed.discord_users.iter().any(|d| d == user),
                "unexpected pointer {}",
                key.key
            );
            continue;
        }
        let tag = key
            .key
            .split_once('{')
            .and_then(|(_, rest)| rest.split_once('}'))
            .map(|(tag, _)| tag);
        assert!(
            tag == Some(a.as_str()) || tag == Some(b.as_str()),
            "{} is not tagged with its account",
            key.key
        );
    }
    // The relinked user's pointer names the new account; the old record is gone.
    let pointer = dump
        .iter()
        .find(|k| k.key == keys::discord_account(&handed.discord_users[1]))
        .unwrap();
    assert_eq!(pointer.content, b.as_bytes());
    assert!(!dump
        .iter()
        .any(|k| k.key == keys::discord_link(&a, &handed.discord_users[1])));
}

#[tokio::test]
async fn no_secret_or_token_is_stored_in_plain_text() {
    let server = RedisServer::start();
    let store = single(&server.url()).await;
    let handed = workout(&store, &unique("acct"), &unique("acct")).await;
    let dump = server.dump_all();
    let everything: Vec<u8> = dump
        .iter()
        .flat_map(|k| [k.key.as_bytes(), b"\0", &k.content, b"\0"].concat())
        .collect();
    for plain in &handed.secrets {
        let random = plain
            .split_once('_')
            .and_then(|(_, r)| r.split_once('.'))
            .map(|(r, _)| r)
            .unwrap();
        assert!(
            !contains(&everything, plain.as_bytes()),
            "a secret is stored in plain text"
        );
        assert!(
            !contains(&everything, random.as_bytes()),
            "the random part of a secret is stored"
        );
    }
    // Sanity: the dump does see what the store wrote (the hashes).
    assert!(contains(
        &everything,
        secret::hash(&handed.secrets[0]).as_bytes()
    ));
}

#[tokio::test]
async fn a_stale_discord_pointer_grants_nothing() {
    let url = shared_url();
    let store = single(&url).await;
    let (account, alice, discord) = (unique("acct"), unique("u"), unique("d"));
    store.create_account(&account, &alice, t0()).await.unwrap();
    let mut c = connect(&url).unwrap();
    let _: () = redis::cmd("SET")
        .arg(keys::discord_account(&discord))
        .arg(&account)
        .query(&mut c)
        .unwrap();
    assert_eq!(store.resolve_discord_user(&discord).await.unwrap(), None);
    assert_eq!(
        store.unlink_discord(&discord, t0()).await,
        Err(StoreError::NotFound("discord link"))
    );
    let left: Option<String> = redis::cmd("GET")
        .arg(keys::discord_account(&discord))
        .query(&mut c)
        .unwrap();
    assert_eq!(left, None, "the stale pointer is dropped");
}

#[tokio::test]
async fn the_decision_path_is_one_hmget_and_nothing_else() {
    let server = RedisServer::start();
    let store = single(&server.url()).await;
    let (account, alice) = (unique("acct"), unique("u"));
    store.create_account(&account, &alice, t0()).await.unwrap();
    let mut c = connect(&server.url()).unwrap();
    let _: () = redis::cmd("CONFIG").arg("RESETSTAT").query(&mut c).unwrap();
    let roles = store
        .member_roles(&account, &[alice.as_str(), "u_stranger"])
        .await
        .unwrap();
    assert_eq!(roles, [Some(Role::Owner), None]);
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut c)
        .unwrap();
    let commands: Vec<&str> = stats
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .map(|l| l.split(':').next().unwrap())
        .filter(|name| !name.starts_with("config") && !name.starts_with("info"))
        .collect();
    assert_eq!(commands, ["hmget"], "{stats}");
    assert!(stats.contains("cmdstat_hmget:calls=1,"), "{stats}");
}
