//! The activity log through HTTP: events per change, order, filter,
//! pagination under concurrent writers, retention.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{json, Value};

use crate::support::server::{config, uid, TestServer};
use crate::{both, server, server_with, Backend};

both!(
    events_for_changes_filter_and_validation,
    pagination_with_concurrent_writers,
    retention_hides_old_events
);

async fn page(s: &TestServer, acct: &str, user: &str, q: &str) -> (Vec<Value>, Option<String>) {
    let r = s
        .as_user(
            user,
            "GET",
            &format!("/v1/accounts/{acct}/team/activity{q}"),
            None,
        )
        .await;
    r.expect(200);
    let events = r.json["events"].as_array().expect("events").clone();
    (events, r.json["next_cursor"].as_str().map(str::to_owned))
}

async fn events_for_changes_filter_and_validation(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    s.as_user(
        &owner,
        "PUT",
        &format!("/v1/accounts/{acct}/members/{member}/role"),
        Some(json!({"role": "Viewer"})),
    )
    .await
    .expect(200);
    s.as_user(
        &member,
        "POST",
        &format!("/v1/accounts/{acct}/logins"),
        Some(json!({"ip": "10.0.0.1"})),
    )
    .await
    .expect(204);
    s.as_user(
        &uid("u"),
        "POST",
        &format!("/v1/accounts/{acct}/logins"),
        None,
    )
    .await
    .expect_error(404, "not_found");
    s.as_user(
        &owner,
        "DELETE",
        &format!("/v1/accounts/{acct}/members/{member}"),
        None,
    )
    .await
    .expect(204);

    let (events, next) = page(&s, &acct, &owner, "").await;
    assert_eq!(next, None);
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        [
            "member.removed",
            "login",
            "member.role_changed",
            "invitation.accepted",
            "member.invited",
            "account.created"
        ]
    );
    assert_eq!(events[0]["actor"], owner.as_str());
    assert_eq!(events[0]["target"], member.as_str());
    assert_eq!(events[1]["actor"], member.as_str());
    assert_eq!(
        events[2]["details"],
        json!({"from": "Member", "to": "Viewer"})
    );
    assert_eq!(events[3]["actor"], member.as_str());
    assert_eq!(events[4]["target"], format!("{member}@example.com"));
    for e in &events {
        assert!(
            e["id"].is_string() && e["at"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{e}"
        );
    }
    let (only, _) = page(&s, &acct, &owner, "?action=member.role_changed").await;
    assert_eq!(only.len(), 1);
    let (two, next) = page(&s, &acct, &owner, "?limit=2").await;
    assert_eq!(two.len(), 2);
    let (rest, _) = page(
        &s,
        &acct,
        &owner,
        &format!("?limit=200&cursor={}", next.expect("next")),
    )
    .await;
    assert_eq!(rest.len(), 4);

    for q in [
        "?limit=0",
        "?limit=201",
        "?limit=x",
        "?action=member.exploded",
        "?cursor=garbage",
    ] {
        s.as_user(
            &owner,
            "GET",
            &format!("/v1/accounts/{acct}/team/activity{q}"),
            None,
        )
        .await
        .expect_error(400, "invalid_request");
    }
    let viewer = uid("u");
    s.join(&acct, &owner, &viewer, "Viewer").await;
    s.as_user(
        &viewer,
        "GET",
        &format!("/v1/accounts/{acct}/team/activity"),
        None,
    )
    .await
    .expect_error(403, "forbidden");
}

async fn pagination_with_concurrent_writers(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    let login = format!("/v1/accounts/{acct}/logins");
    futures::future::join_all((0..499).map(|_| s.as_user(&owner, "POST", &login, None))).await;
    let before: HashSet<String> = {
        let mut all = HashSet::new();
        let mut cursor = String::new();
        loop {
            let (events, next) = page(&s, &acct, &owner, &format!("?limit=200{cursor}")).await;
            all.extend(
                events
                    .iter()
                    .map(|e| e["id"].as_str().unwrap_or("").to_owned()),
            );
            match next {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        all
    };
    assert_eq!(before.len(), 500);

    // Walk again in small pages while writers append.
    let writers =
        futures::future::join_all((0..100).map(|_| s.as_user(&owner, "POST", &login, None)));
    let walker = async {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let (events, next) = page(&s, &acct, &owner, &format!("?limit=37{cursor}")).await;
            assert!(events.len() <= 37);
            seen.extend(
                events
                    .iter()
                    .map(|e| e["id"].as_str().unwrap_or("").to_owned()),
            );
            match next {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        seen
    };
    let (_, seen) = tokio::join!(writers, walker);
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a page repeated an event");
    assert!(
        before.is_subset(&unique),
        "an event that existed before the walk was skipped"
    );
}

async fn retention_hides_old_events(backend: Backend) {
    let mut c = config();
    c.audit_retention_secs = 3600;
    let s = server_with(backend, c).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    s.as_user(&owner, "POST", &format!("/v1/accounts/{acct}/logins"), None)
        .await
        .expect(204);
    s.clock.advance(Duration::seconds(3000));
    s.as_user(&owner, "POST", &format!("/v1/accounts/{acct}/logins"), None)
        .await
        .expect(204);
    assert_eq!(page(&s, &acct, &owner, "").await.0.len(), 3);
    s.clock.advance(Duration::seconds(700));
    let (events, _) = page(&s, &acct, &owner, "").await;
    assert_eq!(
        events.len(),
        1,
        "events older than the retention are never returned: {events:?}"
    );
}
