//! Races with real parallelism (multi-threaded runtime, both sides released
//! by one barrier): the at-least-one-Owner invariant and single-use
//! invitation tokens must hold in every trial.

use std::sync::Arc;

use tokio::sync::Barrier;
use trackly_authz::store::{Store, StoreError};
use trackly_authz::team::Role;

use super::{actor, at, Backend, Team};

const TRIALS: usize = 200;

/// Runs `a` and `b` at once, released together by a barrier.
async fn at_once<A, B, FA, FB, T>(a: A, b: B) -> (T, T)
where
    A: FnOnce() -> FA + Send + 'static,
    B: FnOnce() -> FB + Send + 'static,
    FA: std::future::Future<Output = T> + Send,
    FB: std::future::Future<Output = T> + Send,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let (barrier_a, barrier_b) = (barrier.clone(), barrier);
    let task_a = tokio::spawn(async move {
        barrier_a.wait().await;
        a().await
    });
    let task_b = tokio::spawn(async move {
        barrier_b.wait().await;
        b().await
    });
    (task_a.await.unwrap(), task_b.await.unwrap())
}

/// A fresh account with two Owners, `owner` and `u_o2`.
async fn two_owners(store: &Arc<dyn Store>) -> Team {
    let team = Team::in_store(store.clone()).await;
    team.add_member("u_o2", Role::Owner, at(1)).await;
    team
}

/// Checks one trial: exactly one side won, the other was refused with
/// `LastOwner` (the SPEC's `last_owner`: the loser's change, applied after
/// the winner's, would leave no Owner), and exactly one Owner remains.
async fn check_trial(
    team: &Team,
    trial: usize,
    results: (Result<(), StoreError>, Result<(), StoreError>),
) {
    let refusals: Vec<&StoreError> = [&results.0, &results.1]
        .into_iter()
        .filter_map(|r| r.as_ref().err())
        .collect();
    assert_eq!(
        refusals,
        [&StoreError::LastOwner],
        "trial {trial}: {results:?}"
    );
    let members = team.store.list_members(&team.account).await.unwrap();
    let n_owners = members.iter().filter(|m| m.role == Role::Owner).count();
    assert_eq!(n_owners, 1, "trial {trial} ended with {members:?}");
}

pub async fn owners_removing_each_other_at_once_keep_an_owner(backend: &Backend) {
    let store = backend.store().await;
    for trial in 0..TRIALS {
        let team = two_owners(&store).await;
        let (store_a, store_b) = (store.clone(), store.clone());
        let (account_a, account_b) = (team.account.clone(), team.account.clone());
        let owner = team.owner.clone();
        let owner_b = owner.clone();
        let results = at_once(
            move || async move {
                store_a
                    .remove_member(&account_a, &actor(&owner, Role::Owner), "u_o2", at(2))
                    .await
            },
            move || async move {
                store_b
                    .remove_member(&account_b, &actor("u_o2", Role::Owner), &owner_b, at(2))
                    .await
            },
        )
        .await;
        check_trial(&team, trial, results).await;
        assert_eq!(
            team.store.list_members(&team.account).await.unwrap().len(),
            1
        );
    }
}

pub async fn owners_demoting_each_other_at_once_keep_an_owner(backend: &Backend) {
    let store = backend.store().await;
    for trial in 0..TRIALS {
        let team = two_owners(&store).await;
        let (store_a, store_b) = (store.clone(), store.clone());
        let (account_a, account_b) = (team.account.clone(), team.account.clone());
        let owner = team.owner.clone();
        let owner_b = owner.clone();
        let results = at_once(
            move || async move {
                store_a
                    .change_role(
                        &account_a,
                        &actor(&owner, Role::Owner),
                        "u_o2",
                        Role::Member,
                        at(2),
                    )
                    .await
                    .map(|_| ())
            },
            move || async move {
                store_b
                    .change_role(
                        &account_b,
                        &actor("u_o2", Role::Owner),
                        &owner_b,
                        Role::Member,
                        at(2),
                    )
                    .await
                    .map(|_| ())
            },
        )
        .await;
        check_trial(&team, trial, results).await;
    }
}

pub async fn double_accept_at_the_same_instant_gives_one_membership(backend: &Backend) {
    let store = backend.store().await;
    for trial in 0..TRIALS {
        let team = Team::in_store(store.clone()).await;
        let (_, token) = team.invite("dup@example.com", Role::Member, at(1)).await;
        let (store_a, store_b) = (store.clone(), store.clone());
        let (account_a, account_b) = (team.account.clone(), team.account.clone());
        let (hash_a, hash_b) = (token.hash.clone(), token.hash.clone());
        let (a, b) = at_once(
            move || async move {
                store_a
                    .accept_invitation(&account_a, &hash_a, "u_a", at(2))
                    .await
            },
            move || async move {
                store_b
                    .accept_invitation(&account_b, &hash_b, "u_b", at(2))
                    .await
            },
        )
        .await;
        let winner = match (&a, &b) {
            (Ok(accepted), Err(StoreError::InvitationUsed))
            | (Err(StoreError::InvitationUsed), Ok(accepted)) => accepted.member.user.clone(),
            _ => panic!("trial {trial}: expected one Ok and one InvitationUsed, got {a:?} / {b:?}"),
        };
        let members = store.list_members(&team.account).await.unwrap();
        let users: Vec<&str> = members.iter().map(|m| m.user.as_str()).collect();
        assert_eq!(users.len(), 2, "trial {trial}: {members:?}");
        assert!(
            users.contains(&winner.as_str()),
            "trial {trial}: {members:?}"
        );
    }
}
