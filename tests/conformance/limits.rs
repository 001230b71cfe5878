//! The named sliding-window rate limit on invitations and resends: exact
//! under concurrency, per account and per name, only successful requests
//! count, and `retry_after` is when the oldest hit leaves the window.

use std::sync::Arc;

use chrono::Duration;
use tokio::sync::Barrier;
use trackly_authz::store::{RateLimit, StoreError};
use trackly_authz::team::{InvitationStatus, Role};

use super::{actor, at, at_ms, grant, unique, Backend, Team};

fn limit(name: &'static str, limit: u32, window: Duration) -> RateLimit {
    RateLimit {
        name,
        limit,
        window,
    }
}

fn invite_limit() -> RateLimit {
    limit("invite", 20, Duration::hours(1))
}

/// Invites a fresh email at `now` by the first Owner against `limit`.
async fn invite(
    team: &Team,
    limit: RateLimit,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, StoreError> {
    let (_, grant) = grant(&team.account, now, limit);
    let email = format!("{}@example.com", unique("x"));
    team.store
        .create_invitation(
            &team.account,
            &team.owner_actor(),
            &unique("inv"),
            &email,
            Role::Member,
            &grant,
            now,
        )
        .await
        .map(|invitation| invitation.id)
}

fn rate_limited(name: &'static str, retry_after: Duration) -> StoreError {
    StoreError::RateLimited {
        limit: name,
        retry_after,
    }
}

pub async fn forty_concurrent_invitations_admit_exactly_twenty(backend: &Backend) {
    let team = Arc::new(Team::new(backend).await);
    let barrier = Arc::new(Barrier::new(40));
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (team, barrier) = (team.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                invite(&team, invite_limit(), at(60)).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let admitted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(admitted, 20, "{results:?}");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused, &rate_limited("invite", Duration::hours(1)));
    }
    let pending = team
        .store
        .list_invitations(&team.account, Some(InvitationStatus::Pending), at(61))
        .await
        .unwrap();
    assert_eq!(pending.len(), 20);
    let events = team.events(at(61)).await;
    assert_eq!(events.len(), 1 + 20, "account.created + 20 member.invited");
}

pub async fn limits_are_per_account_and_per_name(backend: &Backend) {
    let store = backend.store().await;
    let first = Team::in_store(store.clone()).await;
    let second = Team::in_store(store).await;
    let small = || limit("invite", 2, Duration::hours(1));
    invite(&first, small(), at(1)).await.unwrap();
    invite(&first, small(), at(2)).await.unwrap();
    assert_eq!(
        invite(&first, small(), at(3)).await,
        Err(rate_limited(
            "invite",
            Duration::hours(1) - Duration::seconds(2)
        ))
    );
    // Another account has its own window.
    invite(&second, small(), at(3)).await.unwrap();
    invite(&second, small(), at(3)).await.unwrap();
    // Another name in the same account too.
    let other = || limit("invite_other", 1, Duration::hours(1));
    invite(&first, other(), at(4)).await.unwrap();
    assert_eq!(
        invite(&first, other(), at(5)).await,
        Err(rate_limited(
            "invite_other",
            Duration::hours(1) - Duration::seconds(1)
        ))
    );
    assert!(matches!(
        invite(&first, small(), at(5)).await,
        Err(StoreError::RateLimited { .. })
    ));
}

pub async fn refused_requests_do_not_use_the_limit(backend: &Backend) {
    let team = Team::new(backend).await;
    team.add_member("u_m", Role::Member, at(1)).await;
    let small = || limit("invite", 2, Duration::hours(1));
    let (accepted, token) = {
        let (_, grant) = grant(&team.account, at(2), small());
        let invitation = team
            .store
            .create_invitation(
                &team.account,
                &team.owner_actor(),
                &unique("inv"),
                "jo@example.com",
                Role::Member,
                &grant,
                at(2),
            )
            .await
            .unwrap();
        (invitation, grant.token_hash)
    };
    // Refusals of every kind, many times over: none takes a slot.
    for _ in 0..5 {
        let (_, grant) = grant(&team.account, at(3), small());
        let store = &team.store;
        let owner = team.owner_actor();
        let create = |who, email: &'static str| {
            let grant = grant.clone();
            let (store, account) = (store.clone(), team.account.clone());
            async move {
                store
                    .create_invitation(
                        &account,
                        &who,
                        &unique("inv"),
                        email,
                        Role::Member,
                        &grant,
                        at(3),
                    )
                    .await
            }
        };
        assert_eq!(
            create(owner.clone(), "jo@example.com").await.err(),
            Some(StoreError::InvitationPending)
        );
        assert_eq!(
            create(actor("u_m", Role::Owner), "kim@example.com")
                .await
                .err(),
            Some(StoreError::ActorRoleChanged)
        );
        assert_eq!(
            create(actor("u_nobody", Role::Owner), "kim@example.com")
                .await
                .err(),
            Some(StoreError::NotMember)
        );
        assert_eq!(
            store
                .resend_invitation(&team.account, &owner, &unique("inv"), &grant, at(3))
                .await
                .err(),
            Some(StoreError::NotFound("invitation"))
        );
    }
    team.store
        .accept_invitation(&team.account, &token, "u_jo", at(4))
        .await
        .unwrap();
    let (_, grant) = grant(&team.account, at(5), small());
    assert_eq!(
        team.store
            .resend_invitation(
                &team.account,
                &team.owner_actor(),
                &accepted.id,
                &grant,
                at(5)
            )
            .await
            .err(),
        Some(StoreError::InvitationNotResendable)
    );
    // The second slot is still free; the third is not.
    invite(&team, small(), at(6)).await.unwrap();
    // A refusal for the limit itself takes no slot either: when the first
    // hit (at 2s) leaves, exactly one slot frees.
    for _ in 0..3 {
        assert!(matches!(
            invite(&team, small(), at(7)).await,
            Err(StoreError::RateLimited { .. })
        ));
    }
    invite(&team, small(), at(3602)).await.unwrap();
    assert_eq!(
        invite(&team, small(), at(3602)).await,
        Err(rate_limited("invite", Duration::seconds(4)))
    );
}

pub async fn retry_after_follows_the_sliding_window(backend: &Backend) {
    let team = Team::new(backend).await;
    let three = || limit("invite", 3, Duration::minutes(60));
    let minute = |m: i64| at(m * 60);
    invite(&team, three(), minute(0)).await.unwrap();
    invite(&team, three(), minute(10)).await.unwrap();
    invite(&team, three(), minute(20)).await.unwrap();
    assert_eq!(
        invite(&team, three(), minute(30)).await,
        Err(rate_limited("invite", Duration::minutes(30)))
    );
    // One millisecond before the oldest hit leaves the window.
    assert_eq!(
        invite(&team, three(), at_ms(60 * 60_000 - 1)).await,
        Err(rate_limited("invite", Duration::milliseconds(1)))
    );
    // At exactly hit + window it no longer counts.
    invite(&team, three(), minute(60)).await.unwrap();
    // Now the oldest in the window is the hit at minute 10.
    assert_eq!(
        invite(&team, three(), minute(61)).await,
        Err(rate_limited("invite", Duration::minutes(9)))
    );
    invite(&team, three(), minute(70)).await.unwrap();
}

pub async fn resend_counts_against_the_limit(backend: &Backend) {
    let team = Team::new(backend).await;
    let two = || limit("invite", 2, Duration::hours(1));
    let (_, first_grant) = grant(&team.account, at(1), two());
    let invitation = team
        .store
        .create_invitation(
            &team.account,
            &team.owner_actor(),
            &unique("inv"),
            "lu@example.com",
            Role::Member,
            &first_grant,
            at(1),
        )
        .await
        .unwrap();
    let (_, resend_grant) = grant(&team.account, at(2), two());
    team.store
        .resend_invitation(
            &team.account,
            &team.owner_actor(),
            &invitation.id,
            &resend_grant,
            at(2),
        )
        .await
        .unwrap();
    let (_, refused_grant) = grant(&team.account, at(3), two());
    assert_eq!(
        team.store
            .resend_invitation(
                &team.account,
                &team.owner_actor(),
                &invitation.id,
                &refused_grant,
                at(3)
            )
            .await,
        Err(rate_limited(
            "invite",
            Duration::hours(1) - Duration::seconds(2)
        ))
    );
    assert_eq!(
        invite(&team, two(), at(3)).await.err(),
        Some(rate_limited(
            "invite",
            Duration::hours(1) - Duration::seconds(2)
        ))
    );
    // The refused resend did not rotate the token.
    assert_eq!(
        team.store
            .accept_invitation(&team.account, &refused_grant.token_hash, "u_lu", at(4))
            .await,
        Err(StoreError::NotFound("invitation"))
    );
    team.store
        .accept_invitation(&team.account, &resend_grant.token_hash, "u_lu", at(4))
        .await
        .unwrap();
}
