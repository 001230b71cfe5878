//! A workout: every kind of change on two accounts, for the tests that
//! then inspect what Redis holds.

use super::*;

/// What a workout handed out: the plain secrets, the Discord users.
pub struct Handed {
    pub secrets: Vec<String>,
    pub discord_users: Vec<String>,
}

/// Every kind of change on two accounts: members, invitations (create,
/// resend, revoke, accept), API keys, Discord links (also across the
/// accounts), logins, activity reads.
pub async fn workout(store: &RedisStore, a: &str, b: &str) -> Handed {
    let now = t0();
    let mut handed = Handed {
        secrets: Vec::new(),
        discord_users: Vec::new(),
    };
    let (alice, bob) = (unique("u_alice"), unique("u_bob"));
    store.create_account(a, &alice, now).await.unwrap();
    store.create_account(b, &bob, now).await.unwrap();
    for (account, inviter, invitee) in [(a, &alice, &bob), (b, &bob, &alice)] {
        let (token, g) = grant(account, now, INVITE);
        let inv = store
            .create_invitation(
                account,
                &owner(inviter),
                &unique("inv"),
                &format!("{}@example.com", unique("x")),
                Role::Member,
                &g,
                now,
            )
            .await
            .unwrap();
        let (resent, g2) = grant(account, now, INVITE);
        store
            .resend_invitation(account, &owner(inviter), &inv.id, &g2, now)
            .await
            .unwrap();
        store
            .accept_invitation(account, &g2.token_hash, invitee, now)
            .await
            .unwrap();
        let (revoked, g3) = grant(account, now, INVITE);
        let inv2 = store
            .create_invitation(
                account,
                &owner(inviter),
                &unique("inv"),
                "carol@example.com",
                Role::Viewer,
                &g3,
                now,
            )
            .await
            .unwrap();
        store
            .revoke_invitation(account, &owner(inviter), &inv2.id, now)
            .await
            .unwrap();
        let (pending, g4) = grant(account, now, INVITE);
        store
            .create_invitation(
                account,
                &owner(inviter),
                &unique("inv"),
                "dave@example.com",
                Role::Viewer,
                &g4,
                now,
            )
            .await
            .unwrap();
        store
            .change_role(account, &owner(inviter), invitee, Role::Viewer, now)
            .await
            .unwrap();
        store
            .transfer_ownership(account, &owner(inviter), invitee, false, now)
            .await
            .unwrap();
        store
            .record_login(
                account,
                invitee,
                serde_json::json!({"ip": "127.0.0.1"}),
                now,
            )
            .await
            .unwrap();
        handed
            .secrets
            .extend([token.plain, resent.plain, revoked.plain, pending.plain]);
    }
    let (ka, key_a) = new_key(a, Role::Member);
    let (kb, key_b) = new_key(b, Role::Viewer);
    let (kd, key_d) = new_key(a, Role::Viewer);
    store
        .create_api_key(a, &owner(&alice), &key_a, now)
        .await
        .unwrap();
    store
        .create_api_key(b, &owner(&bob), &key_b, now)
        .await
        .unwrap();
    store
        .create_api_key(a, &owner(&alice), &key_d, now)
        .await
        .unwrap();
    let (d1, d2, d3) = (unique("d"), unique("d"), unique("d"));
    store.link_discord(a, &ka.hash, &d1, now).await.unwrap();
    store.link_discord(a, &ka.hash, &d2, now).await.unwrap();
    store.link_discord(b, &kb.hash, &d2, now).await.unwrap(); // relink into another account
    store.link_discord(a, &kd.hash, &d3, now).await.unwrap();
    store
        .delete_api_key(a, &owner(&alice), &key_d.id, now)
        .await
        .unwrap();
    store.unlink_discord(&d1, now).await.unwrap();
    store.link_discord(a, &ka.hash, &d1, now).await.unwrap();
    store
        .remove_member(a, &owner(&alice), &bob, now)
        .await
        .unwrap();
    let query = ActivityQuery {
        action: None,
        limit: 5,
        before: None,
    };
    assert!(store.activity(a, &query, now).await.unwrap().next.is_some());
    handed.secrets.extend([ka.plain, kb.plain, kd.plain]);
    handed.discord_users.extend([d1, d2, d3]);
    handed
}
