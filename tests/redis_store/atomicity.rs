//! Scripts are atomic: exact under real concurrency.

use super::*;

#[tokio::test]
async fn the_invitation_limit_is_exact_under_concurrency() {
    let store = Arc::new(single(&shared_url()).await);
    let (account, alice) = (unique("acct"), unique("u"));
    store.create_account(&account, &alice, t0()).await.unwrap();
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let (store, account, alice) = (store.clone(), account.clone(), alice.clone());
            tokio::spawn(async move {
                let (_, g) = grant(&account, t0(), INVITE);
                let email = format!("user{i}@example.com");
                store
                    .create_invitation(
                        &account,
                        &owner(&alice),
                        &unique("inv"),
                        &email,
                        Role::Member,
                        &g,
                        t0(),
                    )
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 20);
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(
            refused,
            &StoreError::RateLimited {
                limit: "invite",
                retry_after: Duration::hours(1)
            }
        );
    }
    let pending = store
        .list_invitations(&account, Some(InvitationStatus::Pending), t0())
        .await
        .unwrap();
    assert_eq!(pending.len(), 20);
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let store = Arc::new(single(&shared_url()).await);
    for _ in 0..10 {
        let (account, alice, bob) = (unique("acct"), unique("u"), unique("u"));
        store.create_account(&account, &alice, t0()).await.unwrap();
        let (_, g) = grant(&account, t0(), INVITE);
        store
            .create_invitation(
                &account,
                &owner(&alice),
                &unique("inv"),
                "bob@example.com",
                Role::Owner,
                &g,
                t0(),
            )
            .await
            .unwrap();
        store
            .accept_invitation(&account, &g.token_hash, &bob, t0())
            .await
            .unwrap();
        let (s1, s2) = (store.clone(), store.clone());
        let (a1, b1, a2, b2, acc1, acc2) = (
            alice.clone(),
            bob.clone(),
            alice.clone(),
            bob.clone(),
            account.clone(),
            account.clone(),
        );
        let first = tokio::spawn(async move {
            s1.change_role(&acc1, &owner(&a1), &b1, Role::Member, t0())
                .await
        });
        let second =
            tokio::spawn(async move { s2.remove_member(&acc2, &owner(&b2), &a2, t0()).await });
        let (first, second) = (first.await.unwrap(), second.await.unwrap());
        assert!(
            first.is_ok() != second.is_ok(),
            "exactly one must win: {first:?} {second:?}"
        );
        let members = store.list_members(&account).await.unwrap();
        assert_eq!(
            members.iter().filter(|m| m.role == Role::Owner).count(),
            1,
            "{members:?}"
        );
    }
}
