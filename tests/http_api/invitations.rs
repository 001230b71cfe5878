//! Invitations through HTTP: lifecycle, expiry (manual clock), tokens, the
//! rate limit under concurrency.

use chrono::Duration;
use serde_json::{json, Value};

use crate::support::server::{config, uid, TestServer};
use crate::{both, server, server_with, Backend};

both!(
    lifecycle_and_statuses,
    validation_and_conflicts,
    expiry_and_resend,
    double_accept_makes_one_membership,
    rate_limit_exact_under_concurrency,
    rate_limit_slides_counts_resends_and_is_per_account,
    permissions_of_invitation_endpoints,
);

async fn invite(
    s: &TestServer,
    acct: &str,
    owner: &str,
    email: &str,
    role: &str,
) -> crate::support::http::Resp {
    s.as_user(
        owner,
        "POST",
        &format!("/v1/accounts/{acct}/invitations"),
        Some(json!({"email": email, "role": role})),
    )
    .await
}

async fn list(s: &TestServer, acct: &str, user: &str, q: &str) -> Vec<Value> {
    let r = s
        .as_user(
            user,
            "GET",
            &format!("/v1/accounts/{acct}/invitations{q}"),
            None,
        )
        .await;
    r.expect(200);
    r.json["invitations"]
        .as_array()
        .expect("invitations")
        .clone()
}

async fn accept(s: &TestServer, token: &str, user: &str) -> crate::support::http::Resp {
    s.as_user(
        user,
        "POST",
        "/v1/invitations/accept",
        Some(json!({"token": token})),
    )
    .await
}

async fn lifecycle_and_statuses(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, bob) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    let r = invite(&s, &acct, &owner, "  Bob@Example.COM ", "Viewer").await;
    r.expect(201);
    let inv = r.json.clone();
    assert_eq!(inv["email"], "bob@example.com");
    assert_eq!(inv["role"], "Viewer");
    assert_eq!(inv["status"], "Pending");
    assert_eq!(inv["invited_by"], owner.as_str());
    let token = inv["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 22, "token too short for 128 bits: {token}");
    let listed = list(&s, &acct, &owner, "?status=Pending").await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("token").is_none(), "lists never show tokens");
    let r = accept(&s, &token, &bob).await;
    r.expect(200);
    assert_eq!(
        r.json,
        json!({"account": acct, "user": bob, "role": "Viewer"})
    );
    assert_eq!(s.decision(&bob, &acct, "ViewReports").await, "Allow");
    accept(&s, &token, &uid("u"))
        .await
        .expect_error(409, "invitation_used");
    assert_eq!(list(&s, &acct, &owner, "?status=Accepted").await.len(), 1);
    assert_eq!(list(&s, &acct, &owner, "?status=Pending").await.len(), 0);
    s.as_user(
        &owner,
        "GET",
        &format!("/v1/accounts/{acct}/invitations?status=Nope"),
        None,
    )
    .await
    .expect_error(400, "invalid_request");

    // Revoke: the token stops working; the email can be invited again.
    let r = invite(&s, &acct, &owner, "carol@example.com", "Member").await;
    r.expect(201);
    let (id, token) = (
        r.json["id"].as_str().expect("id").to_owned(),
        r.json["token"].as_str().expect("t").to_owned(),
    );
    invite(&s, &acct, &owner, "Carol@example.com", "Member")
        .await
        .expect_error(409, "invitation_pending");
    s.as_user(
        &owner,
        "DELETE",
        &format!("/v1/accounts/{acct}/invitations/{id}"),
        None,
    )
    .await
    .expect(204);
    accept(&s, &token, &uid("u"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(list(&s, &acct, &owner, "?status=Revoked").await.len(), 1);
    invite(&s, &acct, &owner, "carol@example.com", "Member")
        .await
        .expect(201);
    accept(&s, "tki_garbage", &uid("u"))
        .await
        .expect_error(404, "not_found");
    s.call(
        "POST",
        "/v1/invitations/accept",
        &[],
        Some(json!({"token": token})),
    )
    .await
    .expect_error(401, "unauthenticated");
    // A member accepting another invitation into the same account.
    let r = invite(&s, &acct, &owner, "bob2@example.com", "Member").await;
    accept(&s, r.json["token"].as_str().expect("t"), &bob)
        .await
        .expect_error(409, "already_member");
}

async fn validation_and_conflicts(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    for email in ["", "nope", "a@b", "two words@example.com", "x@.com"] {
        invite(&s, &acct, &owner, email, "Member")
            .await
            .expect_error(400, "invalid_request");
    }
    invite(&s, &acct, &owner, "ok@example.com", "Admin")
        .await
        .expect_error(400, "invalid_request");
    s.as_user(
        &owner,
        "POST",
        &format!("/v1/accounts/{acct}/invitations"),
        Some(json!({"role": "Member"})),
    )
    .await
    .expect_error(400, "invalid_request");
    s.as_user(
        &owner,
        "POST",
        &format!("/v1/accounts/{acct}/invitations/inv_nope/resend"),
        None,
    )
    .await
    .expect_error(404, "not_found");
    s.as_user(
        &owner,
        "DELETE",
        &format!("/v1/accounts/{acct}/invitations/inv_nope"),
        None,
    )
    .await
    .expect_error(404, "not_found");
}

async fn expiry_and_resend(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    let r = invite(&s, &acct, &owner, "dave@example.com", "Member").await;
    r.expect(201);
    let id = r.json["id"].as_str().expect("id").to_owned();
    let old = r.json["token"].as_str().expect("token").to_owned();
    let created = chrono::DateTime::parse_from_rfc3339(r.json["created_at"].as_str().expect("t"))
        .expect("time");
    let expires = chrono::DateTime::parse_from_rfc3339(r.json["expires_at"].as_str().expect("t"))
        .expect("time");
    assert_eq!(expires - created, Duration::days(7));

    s.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(list(&s, &acct, &owner, "?status=Expired").await.len(), 1);
    accept(&s, &old, &uid("u"))
        .await
        .expect_error(410, "invitation_expired");
    // An expired invitation does not block a new one for the same email...
    let r2 = invite(&s, &acct, &owner, "dave@example.com", "Member").await;
    r2.expect(201);
    s.as_user(
        &owner,
        "DELETE",
        &format!(
            "/v1/accounts/{acct}/invitations/{}",
            r2.json["id"].as_str().expect("id")
        ),
        None,
    )
    .await
    .expect(204);
    // ...and can be resent: new token, fresh TTL, the old token is dead.
    let r = s
        .as_user(
            &owner,
            "POST",
            &format!("/v1/accounts/{acct}/invitations/{id}/resend"),
            None,
        )
        .await;
    r.expect(200);
    assert_eq!(r.json["status"], "Pending");
    let new = r.json["token"].as_str().expect("token").to_owned();
    assert_ne!(new, old);
    accept(&s, &old, &uid("u"))
        .await
        .expect_error(404, "not_found");
    let joiner = uid("u");
    accept(&s, &new, &joiner).await.expect(200);
    s.as_user(
        &owner,
        "POST",
        &format!("/v1/accounts/{acct}/invitations/{id}/resend"),
        None,
    )
    .await
    .expect_error(409, "invitation_not_resendable");
}

async fn double_accept_makes_one_membership(backend: Backend) {
    let s = server(backend).await;
    for _ in 0..20 {
        let (acct, owner) = (uid("acct"), uid("u"));
        s.account(&acct, &owner).await;
        let r = invite(
            &s,
            &acct,
            &owner,
            &format!("{}@example.com", uid("e")),
            "Member",
        )
        .await;
        let token = r.json["token"].as_str().expect("token").to_owned();
        let (a, b) = (uid("u"), uid("u"));
        let (ra, rb) = tokio::join!(accept(&s, &token, &a), accept(&s, &token, &b));
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", ra.json, rb.json);
        let members = s
            .as_user(&owner, "GET", &format!("/v1/accounts/{acct}/members"), None)
            .await;
        assert_eq!(members.json["members"].as_array().map(Vec::len), Some(2));
    }
}

async fn rate_limit_exact_under_concurrency(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    let calls = (0..40).map(|i| {
        let (s, acct, owner) = (&s, acct.clone(), owner.clone());
        async move { invite(s, &acct, &owner, &format!("c{i}@example.com"), "Member").await }
    });
    let results = futures::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    let limited: Vec<_> = results.iter().filter(|r| r.status == 429).collect();
    assert_eq!((created, limited.len()), (20, 20));
    for r in limited {
        r.expect_error(429, "rate_limited");
        let ra: u64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("whole seconds");
        assert!((1..=3600).contains(&ra), "{ra}");
    }
}

async fn rate_limit_slides_counts_resends_and_is_per_account(backend: Backend) {
    let mut c = config();
    c.invite_limit = 3;
    c.invite_window_secs = 60;
    let s = server_with(backend, c).await;
    let (acct, other, owner) = (uid("acct"), uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    s.account(&other, &owner).await;
    let r = invite(&s, &acct, &owner, "a@example.com", "Member").await;
    let id = r.json["id"].as_str().expect("id").to_owned();
    s.clock.advance(Duration::seconds(10));
    // A refused invitation (conflict) does not use up the limit.
    invite(&s, &acct, &owner, "a@example.com", "Member")
        .await
        .expect_error(409, "invitation_pending");
    s.as_user(
        &owner,
        "POST",
        &format!("/v1/accounts/{acct}/invitations/{id}/resend"),
        None,
    )
    .await
    .expect(200);
    invite(&s, &acct, &owner, "b@example.com", "Member")
        .await
        .expect(201);
    let r = invite(&s, &acct, &owner, "c@example.com", "Member").await;
    r.expect_error(429, "rate_limited");
    // The first hit (t=0) leaves the window at t=60: 50 s from now.
    assert_eq!(r.header("retry-after"), Some("50"));
    invite(&s, &other, &owner, "c@example.com", "Member")
        .await
        .expect(201);
    s.clock.advance(Duration::seconds(50));
    invite(&s, &acct, &owner, "c@example.com", "Member")
        .await
        .expect(201);
    invite(&s, &acct, &owner, "d@example.com", "Member")
        .await
        .expect_error(429, "rate_limited");
}

async fn permissions_of_invitation_endpoints(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    invite(&s, &acct, &member, "x@example.com", "Member")
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        list(&s, &acct, &member, "").await.len(),
        1,
        "members see the team's invitations"
    );
    invite(&s, &acct, &uid("u"), "x@example.com", "Member")
        .await
        .expect_error(404, "not_found");
}
