//! Reading the activity log: newest-first pages, the action filter and
//! the exclusive cursor, a walk under concurrent writers, retention.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use serde_json::{json, Value};
use tokio::sync::Barrier;
use trackly_authz::store::{ActivityPage, ActivityQuery, StoreError, StoreSettings};
use trackly_authz::team::{EventAction, EventCursor, EventId, Role};

use super::{all_events, at, unique, Backend, Team};

fn query(action: Option<EventAction>, limit: usize, before: Option<EventCursor>) -> ActivityQuery {
    ActivityQuery {
        action,
        limit,
        before,
    }
}

pub async fn newest_first_filter_limit_and_cursor(backend: &Backend) {
    let team = Team::new(backend).await;
    let (store, account) = (&team.store, team.account.as_str());
    for i in 1..=6 {
        store
            .record_login(account, &team.owner, json!({ "n": i }), at(i * 10))
            .await
            .unwrap();
        team.invite(&format!("p{i}@example.com"), Role::Viewer, at(i * 10 + 1))
            .await;
    }
    let now = at(100);
    let first = store
        .activity(account, &query(None, 3, None), now)
        .await
        .unwrap();
    let kinds = |page: &ActivityPage| {
        page.events
            .iter()
            .map(|e| (e.action, e.at))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&first),
        [
            (EventAction::MemberInvited, at(61)),
            (EventAction::Login, at(60)),
            (EventAction::MemberInvited, at(51)),
        ]
    );
    let cursor = first.next.expect("more events follow");
    assert_eq!(cursor, EventCursor(first.events[2].id));
    // The cursor is exclusive: the next page starts right after it.
    let second = store
        .activity(account, &query(None, 3, Some(cursor)), now)
        .await
        .unwrap();
    assert_eq!(second.events[0].at, at(50));
    // Filtered pages: exactly 6 logins in pages of 3; the last page has no
    // cursor even though older events of other kinds exist.
    let logins = store
        .activity(account, &query(Some(EventAction::Login), 3, None), now)
        .await
        .unwrap();
    let details: Vec<&Value> = logins.events.iter().map(|e| &e.details).collect();
    assert_eq!(
        details,
        [&json!({ "n": 6 }), &json!({ "n": 5 }), &json!({ "n": 4 })]
    );
    let older = store
        .activity(
            account,
            &query(Some(EventAction::Login), 3, logins.next),
            now,
        )
        .await
        .unwrap();
    let details: Vec<&Value> = older.events.iter().map(|e| &e.details).collect();
    assert_eq!(
        details,
        [&json!({ "n": 3 }), &json!({ "n": 2 }), &json!({ "n": 1 })]
    );
    assert_eq!(older.next, None);
    let created = store
        .activity(
            account,
            &query(Some(EventAction::AccountCreated), 50, None),
            now,
        )
        .await
        .unwrap();
    assert_eq!((created.events.len(), created.next), (1, None));
    let none = store
        .activity(
            account,
            &query(Some(EventAction::DiscordLinked), 50, None),
            now,
        )
        .await
        .unwrap();
    assert_eq!((none.events.len(), none.next), (0, None));
    // The whole log fits in one page: no cursor.
    let all = store
        .activity(account, &query(None, 13, None), now)
        .await
        .unwrap();
    assert_eq!((all.events.len(), all.next), (13, None));
    let ids: Vec<EventId> = all.events.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(
        store
            .activity(&unique("acct"), &query(None, 3, None), now)
            .await,
        Err(StoreError::NotMember)
    );
}

pub async fn pagination_over_500_events_with_concurrent_writers(backend: &Backend) {
    let team = Arc::new(Team::new(backend).await);
    for i in 0..499 {
        team.store
            .record_login(
                &team.account,
                &team.owner,
                json!({ "i": i }),
                at(1 + i / 10),
            )
            .await
            .unwrap();
    }
    let now = at(1000);
    let quiet = all_events(team.store.as_ref(), &team.account, now).await;
    assert_eq!(quiet.len(), 500);
    let existing: HashSet<EventId> = quiet.iter().map(|e| e.id).collect();

    let barrier = Arc::new(Barrier::new(5));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (team, barrier) = (team.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                for i in 0..50 {
                    let details = json!({ "writer": w, "i": i });
                    team.store
                        .record_login(&team.account, &team.owner, details, at(100 + i))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    barrier.wait().await;
    let mut walked = Vec::new();
    let mut before = None;
    loop {
        let page = team
            .store
            .activity(&team.account, &query(None, 37, before), now)
            .await
            .unwrap();
        assert!(page.events.len() <= 37);
        walked.extend(page.events.iter().map(|e| e.id));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let unique_ids: HashSet<EventId> = walked.iter().copied().collect();
    assert_eq!(unique_ids.len(), walked.len(), "a page repeated an event");
    assert!(
        walked.windows(2).all(|w| w[0] > w[1]),
        "the walk went newest to oldest"
    );
    let missing: Vec<&EventId> = existing.difference(&unique_ids).collect();
    assert!(
        missing.is_empty(),
        "events present before the walk were skipped: {missing:?}"
    );
    assert_eq!(
        all_events(team.store.as_ref(), &team.account, now)
            .await
            .len(),
        700
    );
}

pub async fn retention_hides_old_events(backend: &Backend) {
    let settings = StoreSettings {
        audit_retention: Duration::hours(1),
    };
    let team = Team::in_store(backend.store_with(settings).await).await;
    let (store, account, owner) = (&team.store, team.account.as_str(), team.owner.as_str());
    let minute = |m: i64| at(m * 60);
    store
        .record_login(account, owner, json!({ "n": 30 }), minute(30))
        .await
        .unwrap();
    store
        .record_login(account, owner, json!({ "n": 50 }), minute(50))
        .await
        .unwrap();
    // At 90 minutes the cut-off is minute 30: account.created (minute 0) is
    // gone, the login exactly at the cut-off is still there.
    let visible = team.events(minute(90)).await;
    let details: Vec<&Value> = visible.iter().map(|e| &e.details).collect();
    assert_eq!(details, [&json!({ "n": 50 }), &json!({ "n": 30 })]);
    let first = store
        .activity(account, &query(None, 1, None), minute(90))
        .await
        .unwrap();
    let second = store
        .activity(account, &query(None, 1, first.next), minute(90))
        .await
        .unwrap();
    assert_eq!(second.events.len(), 1);
    assert_eq!(second.next, None, "no cursor towards expired events");
    let created = store
        .activity(
            account,
            &query(Some(EventAction::AccountCreated), 10, None),
            minute(90),
        )
        .await
        .unwrap();
    assert_eq!((created.events.len(), created.next), (0, None));
    assert_eq!(team.events(minute(120)).await, []);
    // A later write (which may purge) leaves only what is within retention.
    store
        .record_login(account, owner, json!({ "n": 180 }), minute(180))
        .await
        .unwrap();
    let visible = team.events(minute(180)).await;
    let details: Vec<&Value> = visible.iter().map(|e| &e.details).collect();
    assert_eq!(details, [&json!({ "n": 180 })]);
}
