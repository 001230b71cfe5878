//! Accounts and members through HTTP, including the owner invariant under
//! concurrency.

use serde_json::json;

use crate::support::server::uid;
use crate::{both, server, Backend};

both!(
    account_creation,
    member_management_and_immediate_effect,
    owner_rules,
    transfer_ownership,
    two_owners_removing_each_other_keep_an_owner,
    two_owners_demoting_each_other_keep_an_owner,
);

async fn account_creation(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    let r = s
        .call(
            "POST",
            "/v1/accounts",
            &[],
            Some(json!({"id": acct, "owner": owner})),
        )
        .await;
    r.expect(201);
    assert_eq!(r.json, json!({"id": acct, "owners": [owner]}));
    s.call(
        "POST",
        "/v1/accounts",
        &[],
        Some(json!({"id": acct, "owner": uid("u")})),
    )
    .await
    .expect_error(409, "account_exists");
    s.call(
        "POST",
        "/v1/accounts",
        &[],
        Some(json!({"id": "a b", "owner": owner})),
    )
    .await
    .expect_error(400, "invalid_request");
    s.call(
        "POST",
        "/v1/accounts",
        &[],
        Some(json!({"id": uid("acct")})),
    )
    .await
    .expect_error(400, "invalid_request");
}

async fn member_management_and_immediate_effect(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member, viewer) = (uid("acct"), uid("u"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    s.join(&acct, &owner, &viewer, "Viewer").await;
    let members = format!("/v1/accounts/{acct}/members");
    for user in [&owner, &member, &viewer] {
        let r = s.as_user(user, "GET", &members, None).await;
        r.expect(200);
        let list = r.json["members"].as_array().expect("members");
        assert_eq!(list.len(), 3);
        assert!(list
            .iter()
            .all(|m| m["joined_at"].as_str().is_some_and(|t| t.ends_with('Z'))));
    }
    s.as_user(&uid("u"), "GET", &members, None)
        .await
        .expect_error(404, "not_found");
    s.as_user(
        &owner,
        "GET",
        &format!("/v1/accounts/{}/members", uid("acct")),
        None,
    )
    .await
    .expect_error(404, "not_found");
    s.call("GET", &members, &[], None)
        .await
        .expect_error(401, "unauthenticated");

    let role = |u: &str| format!("/v1/accounts/{acct}/members/{u}/role");
    s.as_user(
        &member,
        "PUT",
        &role(&viewer),
        Some(json!({"role": "Member"})),
    )
    .await
    .expect_error(403, "forbidden");
    s.as_user(
        &owner,
        "PUT",
        &role(&viewer),
        Some(json!({"role": "Superuser"})),
    )
    .await
    .expect_error(400, "invalid_request");
    s.as_user(
        &owner,
        "PUT",
        &role(&uid("u")),
        Some(json!({"role": "Member"})),
    )
    .await
    .expect_error(404, "not_found");
    assert_eq!(s.decision(&viewer, &acct, "SendCampaign").await, "Deny");
    let r = s
        .as_user(
            &owner,
            "PUT",
            &role(&viewer),
            Some(json!({"role": "Member"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json["user"], viewer.as_str());
    assert_eq!(r.json["role"], "Member");
    assert_eq!(
        s.decision(&viewer, &acct, "SendCampaign").await,
        "Allow",
        "role change takes effect at once"
    );

    let remove = |u: &str| format!("/v1/accounts/{acct}/members/{u}");
    s.as_user(&member, "DELETE", &remove(&viewer), None)
        .await
        .expect_error(403, "forbidden");
    s.as_user(&owner, "DELETE", &remove(&member), None)
        .await
        .expect(204);
    assert_eq!(
        s.decision(&member, &acct, "ViewReports").await,
        "Deny",
        "removal takes effect at once"
    );
    s.as_user(&owner, "DELETE", &remove(&member), None)
        .await
        .expect_error(404, "not_found");
    s.as_user(&member, "GET", &members, None)
        .await
        .expect_error(404, "not_found");
}

async fn owner_rules(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, owner2) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    let r = s
        .as_user(
            &owner,
            "DELETE",
            &format!("/v1/accounts/{acct}/members/{owner}"),
            None,
        )
        .await;
    r.expect_error(403, "forbidden");
    assert_eq!(
        r.json["error"]["message"],
        "Cannot remove yourself. Transfer ownership first."
    );
    s.as_user(
        &owner,
        "PUT",
        &format!("/v1/accounts/{acct}/members/{owner}/role"),
        Some(json!({"role": "Member"})),
    )
    .await
    .expect_error(409, "last_owner");
    assert_eq!(s.decision(&owner, &acct, "ChangeRole").await, "Allow");
    s.join(&acct, &owner, &owner2, "Owner").await;
    s.as_user(
        &owner,
        "PUT",
        &format!("/v1/accounts/{acct}/members/{owner}/role"),
        Some(json!({"role": "Member"})),
    )
    .await
    .expect(200);
    assert_eq!(s.decision(&owner, &acct, "ChangeRole").await, "Deny");
}

async fn transfer_ownership(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    let path = format!("/v1/accounts/{acct}/ownership/transfer");
    s.as_user(&member, "POST", &path, Some(json!({"to": member})))
        .await
        .expect_error(400, "invalid_request");
    s.as_user(&owner, "POST", &path, Some(json!({"to": uid("u")})))
        .await
        .expect_error(404, "not_found");
    s.as_user(&owner, "POST", &path, Some(json!({"demote_self": true})))
        .await
        .expect_error(400, "invalid_request");
    let r = s
        .as_user(
            &owner,
            "POST",
            &path,
            Some(json!({"to": member, "demote_self": true})),
        )
        .await;
    r.expect(200);
    let roles: std::collections::HashMap<String, String> = r.json["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["user"].as_str().unwrap_or("").to_owned(),
                m["role"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(roles[&member], "Owner");
    assert_eq!(roles[&owner], "Member");
    assert_eq!(s.decision(&owner, &acct, "InviteMember").await, "Deny");
    assert_eq!(s.decision(&member, &acct, "InviteMember").await, "Allow");
}

const TRIALS: usize = 200;

async fn two_owners(s: &crate::support::server::TestServer) -> (String, String, String) {
    let (acct, a, b) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &a).await;
    s.join(&acct, &a, &b, "Owner").await;
    (acct, a, b)
}

async fn count_owners(
    s: &crate::support::server::TestServer,
    acct: &str,
    a: &str,
    b: &str,
) -> usize {
    let mut owners = 0;
    for u in [a, b] {
        let r = s
            .as_user(u, "GET", &format!("/v1/accounts/{acct}/permissions"), None)
            .await;
        if r.status == 200 && r.json["role"] == "Owner" {
            owners += 1;
        }
    }
    owners
}

async fn two_owners_removing_each_other_keep_an_owner(backend: Backend) {
    let s = server(backend).await;
    let mut both_failed = 0;
    for _ in 0..TRIALS {
        let (acct, a, b) = two_owners(&s).await;
        let (pa, pb) = (
            format!("/v1/accounts/{acct}/members/{b}"),
            format!("/v1/accounts/{acct}/members/{a}"),
        );
        let (ra, rb) = tokio::join!(
            s.as_user(&a, "DELETE", &pa, None),
            s.as_user(&b, "DELETE", &pb, None)
        );
        let ok = [ra.status, rb.status].iter().filter(|s| **s == 204).count();
        assert!(
            ok <= 1,
            "both removals succeeded: {} {}",
            ra.status,
            rb.status
        );
        both_failed += usize::from(ok == 0);
        for r in [&ra, &rb] {
            // The loser is refused as `last_owner` when both decided at the
            // same moment, or 404 when it was already removed before deciding.
            assert!(
                r.status == 204 || r.code() == "last_owner" || r.code() == "not_found",
                "{} {}",
                r.status,
                r.json
            );
        }
        assert_eq!(
            count_owners(&s, &acct, &a, &b).await,
            1,
            "exactly one Owner must remain"
        );
    }
    assert_eq!(both_failed, 0, "one of the two removals must win");
}

async fn two_owners_demoting_each_other_keep_an_owner(backend: Backend) {
    let s = server(backend).await;
    for _ in 0..TRIALS {
        let (acct, a, b) = two_owners(&s).await;
        let body = Some(json!({"role": "Member"}));
        let (pa, pb) = (
            format!("/v1/accounts/{acct}/members/{b}/role"),
            format!("/v1/accounts/{acct}/members/{a}/role"),
        );
        let (ra, rb) = tokio::join!(
            s.as_user(&a, "PUT", &pa, body.clone()),
            s.as_user(&b, "PUT", &pb, body.clone())
        );
        for r in [&ra, &rb] {
            // The loser: `last_owner` when both decided at the same moment,
            // 403 when it was already demoted before deciding.
            assert!(
                r.status == 200 || r.code() == "last_owner" || r.code() == "forbidden",
                "{} {}",
                r.status,
                r.json
            );
        }
        assert!(
            ra.status != 200 || rb.status != 200,
            "both demotions succeeded"
        );
        assert!(
            count_owners(&s, &acct, &a, &b).await >= 1,
            "no Owner left: {} {}",
            ra.status,
            rb.status
        );
    }
}
