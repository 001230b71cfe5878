//! The store goes away and comes back, through HTTP: requests that need it
//! answer 503 `unavailable` (never Allow, never 500), `/readyz` turns 503,
//! and the sidecar recovers by itself when Redis is back. Also: after real
//! traffic, no API key secret or invitation token is in Redis in plain text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::redis::{dump_all, RedisServer};
use support::server::{config, uid, TestServer};
use trackly_authz::store::redis::{RedisSettings, RedisStore};
use trackly_authz::store::StoreSettings;

async fn server_on(redis: &RedisServer) -> TestServer {
    let settings = RedisSettings {
        urls: vec![redis.url()],
        cluster: false,
    };
    let store = RedisStore::connect(&settings, StoreSettings::default())
        .await
        .expect("connect");
    TestServer::start(std::sync::Arc::new(store), config()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_means_503_and_recovery_without_restart() {
    let mut redis = RedisServer::start();
    let s = server_on(&redis).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    assert_eq!(s.decision(&owner, &acct, "SendCampaign").await, "Allow");

    redis.stop();
    let body = json!({"principal": {"user": owner}, "account": acct, "action": "SendCampaign"});
    for _ in 0..3 {
        s.call("POST", "/v1/is_authorized", &[], Some(body.clone()))
            .await
            .expect_error(503, "unavailable");
    }
    let batch = json!({"requests": [body.clone(), body.clone()]});
    s.call("POST", "/v1/is_authorized/batch", &[], Some(batch))
        .await
        .expect_error(503, "unavailable");
    s.call(
        "GET",
        "/v1/authorize",
        &[
            ("x-trackly-account", &acct),
            ("x-trackly-action", "SendCampaign"),
            ("x-trackly-user", &owner),
        ],
        None,
    )
    .await
    .expect_error(503, "unavailable");
    s.as_user(&owner, "GET", &format!("/v1/accounts/{acct}/members"), None)
        .await
        .expect_error(503, "unavailable");
    s.call(
        "POST",
        "/v1/accounts",
        &[],
        Some(json!({"id": uid("acct"), "owner": owner})),
    )
    .await
    .expect_error(503, "unavailable");
    s.call("GET", "/readyz", &[], None).await.expect(503);
    s.call("GET", "/healthz", &[], None).await.expect(200);

    redis.restart();
    // Nothing persists in the throwaway server: seed again, then poll.
    let started = Instant::now();
    loop {
        let r = s
            .call(
                "POST",
                "/v1/accounts",
                &[],
                Some(json!({"id": acct, "owner": owner})),
            )
            .await;
        if r.status == 201 {
            break;
        }
        assert_eq!(r.status, 503, "only 503 while recovering: {}", r.json);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no recovery within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.decision(&owner, &acct, "SendCampaign").await, "Allow");
    s.call("GET", "/readyz", &[], None).await.expect(200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_in_redis_in_plain_text() {
    let redis = RedisServer::start();
    let s = server_on(&redis).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    let mut secrets = Vec::new();
    for i in 0..3 {
        let r = s
            .as_user(
                &owner,
                "POST",
                &format!("/v1/accounts/{acct}/api-keys"),
                Some(json!({"name": format!("k{i}")})),
            )
            .await;
        r.expect(201);
        secrets.push(r.json["secret"].as_str().unwrap().to_owned());
        let r = s
            .as_user(
                &owner,
                "POST",
                &format!("/v1/accounts/{acct}/invitations"),
                Some(json!({"email": format!("p{i}@example.com"), "role": "Member"})),
            )
            .await;
        r.expect(201);
        let id = r.json["id"].as_str().unwrap().to_owned();
        secrets.push(r.json["token"].as_str().unwrap().to_owned());
        let r = s
            .as_user(
                &owner,
                "POST",
                &format!("/v1/accounts/{acct}/invitations/{id}/resend"),
                None,
            )
            .await;
        secrets.push(r.json["token"].as_str().unwrap().to_owned());
    }
    s.call(
        "POST",
        "/v1/discord/links",
        &[],
        Some(json!({"discord_user_id": uid("d"), "api_key": secrets[0]})),
    )
    .await
    .expect(201);
    let dump = dump_all(&redis.url());
    assert!(!dump.is_empty());
    for secret in &secrets {
        // The random part alone must not appear either.
        let random = secret.split('.').next().unwrap();
        for key in &dump {
            let hay = [key.key.as_bytes(), key.content.as_slice()].concat();
            assert!(
                !support::redis::contains(&hay, random.as_bytes()),
                "secret material in {}",
                key.key
            );
        }
    }
    s.stop().await;
}
