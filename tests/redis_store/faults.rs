//! Redis going away and coming back.

use super::*;

#[tokio::test]
async fn unavailable_while_redis_is_down_and_recovers_without_a_new_store() {
    let mut server = RedisServer::start();
    let store = single(&server.url()).await;
    let (account, alice) = (unique("acct"), unique("u"));
    store.create_account(&account, &alice, t0()).await.unwrap();
    server.stop();
    let started = std::time::Instant::now();
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.member_roles(&account, &[alice.as_str()]).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.create_account(&unique("acct"), &alice, t0()).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "failures must be quick: {:?}",
        started.elapsed()
    );

    server.restart(); // empty again: nothing persists
    store
        .ping()
        .await
        .expect("the same store works again once Redis is back");
    assert_eq!(
        store
            .member_roles(&account, &[alice.as_str()])
            .await
            .unwrap(),
        vec![None]
    );
    // Scripts are loaded again (NOSCRIPT) transparently.
    store.create_account(&account, &alice, t0()).await.unwrap();
    assert_eq!(
        store
            .member_roles(&account, &[alice.as_str()])
            .await
            .unwrap(),
        vec![Some(Role::Owner)]
    );
}

#[tokio::test]
async fn connect_to_an_unreachable_redis_is_an_error() {
    let mut server = RedisServer::start();
    let url = server.url();
    server.stop();
    let settings = RedisSettings {
        urls: vec![url],
        cluster: false,
    };
    match RedisStore::connect(&settings, StoreSettings::default()).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("cannot reach Redis"), "{message}")
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("connect must fail when Redis is down"),
    }
}
