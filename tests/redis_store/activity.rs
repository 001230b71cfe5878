//! Activity streams: ids only grow, expired events are purged with
//! bounded work per write.

use super::*;

#[tokio::test]
async fn activity_ids_only_grow_and_old_events_are_purged_with_bounded_work() {
    let url = shared_url();
    let store = single(&url).await;
    let (account, alice) = (unique("acct"), unique("u"));
    store.create_account(&account, &alice, t0()).await.unwrap();
    // A caller whose clock is behind still appends after the newest event.
    store
        .record_login(
            &account,
            &alice,
            serde_json::json!({}),
            t0() + Duration::seconds(10),
        )
        .await
        .unwrap();
    store
        .record_login(&account, &alice, serde_json::json!({}), t0())
        .await
        .unwrap();
    let page = store
        .activity(
            &account,
            &ActivityQuery {
                action: None,
                limit: 10,
                before: None,
            },
            t0(),
        )
        .await
        .unwrap();
    let ids: Vec<_> = page.events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids[0] > ids[1] && ids[1] > ids[2], "{ids:?}");
    assert_eq!(
        page.events[0].at, page.events[1].at,
        "the late event takes the newest ms"
    );
    assert_eq!(page.events[0].at, t0() + Duration::seconds(10));

    for _ in 0..300 {
        store
            .record_login(&account, &alice, serde_json::json!({}), t0())
            .await
            .unwrap();
    }
    let later = t0() + Duration::days(91);
    let mut c = connect(&url).unwrap();
    let lengths = |c: &mut redis::Connection| -> Vec<usize> {
        [
            keys::activity(&account),
            keys::activity_of(&account, EventAction::Login),
        ]
        .iter()
        .map(|key| redis::cmd("XLEN").arg(key).query(c).unwrap())
        .collect()
    };
    assert_eq!(lengths(&mut c), vec![303, 302]);
    store
        .record_login(&account, &alice, serde_json::json!({}), later)
        .await
        .unwrap();
    for len in lengths(&mut c) {
        assert!(
            (203..300).contains(&len),
            "one write purges some expired events, at most 100: {len} left"
        );
    }
    // Trimming is approximate (whole stream nodes): what stays expired is at
    // most the node that new events were appended to.
    let mut writes = 1;
    for _ in 0..5 {
        store
            .record_login(&account, &alice, serde_json::json!({}), later)
            .await
            .unwrap();
        writes += 1;
    }
    for len in lengths(&mut c) {
        assert!(
            len <= 100 + writes,
            "later writes purge the rest but one node: {len} left"
        );
    }
    let page = store
        .activity(
            &account,
            &ActivityQuery {
                action: None,
                limit: 200,
                before: None,
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!(
        page.events.len(),
        writes,
        "expired events are never returned"
    );
}
