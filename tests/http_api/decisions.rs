//! Decisions, batch, forward-auth, permissions, service token, body limit.

use serde_json::{json, Value};

use crate::support::server::{config, uid};
use crate::{both, server, server_with, Backend};

/// SPEC §1, written out independently of the policies.
const TABLE: &[(&str, [bool; 3])] = &[
    ("CreateApiKey", [true, false, false]),
    ("ViewApiKeys", [true, false, false]),
    ("DeleteApiKey", [true, false, false]),
    ("InviteMember", [true, false, false]),
    ("ResendInvitation", [true, false, false]),
    ("RevokeInvitation", [true, false, false]),
    ("ChangeRole", [true, false, false]),
    ("RemoveMember", [true, false, false]),
    ("TransferOwnership", [true, false, false]),
    ("ViewTeam", [true, true, true]),
    ("ViewActivity", [true, false, false]),
    ("CreateCampaign", [true, true, false]),
    ("ManageCampaign", [true, true, false]),
    ("SendCampaign", [true, true, false]),
    ("BuildAudience", [true, true, false]),
    ("BuildCreative", [true, true, false]),
    ("ViewReports", [true, true, true]),
    ("ViewCampaignHistory", [true, true, true]),
];

both!(
    every_role_gets_exactly_the_spec_table,
    non_members_and_other_tenants_are_denied,
    bad_requests_are_400_not_deny,
    self_removal_decision_carries_the_message,
    batch_answers_in_order_with_item_errors,
    forward_auth_codes,
    permissions_follow_role_changes,
    body_limit_is_413,
    service_token_is_required_on_v1_only,
);

async fn every_role_gets_exactly_the_spec_table(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member, viewer) = (uid("acct"), uid("u"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    s.join(&acct, &owner, &viewer, "Viewer").await;
    for (action, expected) in TABLE {
        for (user, allowed) in [&owner, &member, &viewer].into_iter().zip(expected) {
            let want = if *allowed { "Allow" } else { "Deny" };
            assert_eq!(
                s.decision(user, &acct, action).await,
                want,
                "{action} for {user}"
            );
        }
    }
    let d = s
        .decide(
            json!({"user": owner}),
            &acct,
            "SendCampaign",
            Some(json!({"type": "Campaign", "id": "c_1"})),
        )
        .await;
    assert_eq!(d["decision"], "Allow");
    assert!(
        d["reasons"].as_array().is_some_and(|r| !r.is_empty()),
        "{d}"
    );
    assert_eq!(d["errors"], json!([]));
    assert!(d.get("message").is_none());
}

async fn non_members_and_other_tenants_are_denied(backend: Backend) {
    let s = server(backend).await;
    let (a1, a2, o1, o2) = (uid("acct"), uid("acct"), uid("u"), uid("u"));
    s.account(&a1, &o1).await;
    s.account(&a2, &o2).await;
    for (action, _) in TABLE {
        assert_eq!(
            s.decision(&o2, &a1, action).await,
            "Deny",
            "owner of another account: {action}"
        );
        assert_eq!(
            s.decision(&o1, &uid("acct"), action).await,
            "Deny",
            "unknown account: {action}"
        );
    }
    let d = s
        .decide(
            json!({"user": o2}),
            &a1,
            "ViewReports",
            Some(json!({"type": "Report", "id": "r"})),
        )
        .await;
    assert_eq!(d["decision"], "Deny");
    assert_eq!(d["errors"], json!([]));
}

async fn bad_requests_are_400_not_deny(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner) = (uid("acct"), uid("u"));
    s.account(&acct, &owner).await;
    let cases: Vec<Value> = vec![
        json!({"principal": {"user": owner}, "account": acct, "action": "LaunchRockets"}),
        json!({"principal": {"user": owner}, "account": acct, "action": "SendCampaign", "resource": {"type": "Rocket", "id": "r"}}),
        json!({"principal": {"user": owner, "api_key": "x"}, "account": acct, "action": "SendCampaign"}),
        json!({"principal": {}, "account": acct, "action": "SendCampaign"}),
        json!({"account": acct, "action": "SendCampaign"}),
        json!({"principal": {"user": owner}, "action": "SendCampaign"}),
        json!({"principal": {"user": owner}, "account": acct, "action": "SendCampaign", "context": []}),
        json!("just a string"),
    ];
    for body in cases {
        s.call("POST", "/v1/is_authorized", &[], Some(body.clone()))
            .await
            .expect_error(400, "invalid_request");
    }
    let r = crate::support::http::send(
        s.addr,
        "POST",
        "/v1/is_authorized",
        &[],
        Some(b"{not json".to_vec()),
    )
    .await;
    r.expect_error(400, "invalid_request");
    s.call("GET", "/v1/nowhere", &[], None)
        .await
        .expect_error(404, "not_found");
    s.call("GET", "/v1/is_authorized", &[], None)
        .await
        .expect(405);
}

async fn self_removal_decision_carries_the_message(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    let d = s
        .decide(
            json!({"user": owner}),
            &acct,
            "RemoveMember",
            Some(json!({"type": "Member", "id": owner})),
        )
        .await;
    assert_eq!(d["decision"], "Deny");
    assert_eq!(
        d["message"],
        "Cannot remove yourself. Transfer ownership first."
    );
    let d = s
        .decide(
            json!({"user": owner}),
            &acct,
            "RemoveMember",
            Some(json!({"type": "Member", "id": member})),
        )
        .await;
    assert_eq!(d["decision"], "Allow");
}

async fn batch_answers_in_order_with_item_errors(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, viewer) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &viewer, "Viewer").await;
    let body = json!({"requests": [
        {"principal": {"user": viewer}, "account": acct, "action": "ViewReports"},
        {"principal": {"user": viewer}, "account": acct, "action": "Nope"},
        {"principal": {"user": viewer}, "account": acct, "action": "SendCampaign"},
        42,
    ]});
    let r = s
        .call("POST", "/v1/is_authorized/batch", &[], Some(body))
        .await;
    r.expect(200);
    let results = r.json["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["decision"], "Allow");
    assert_eq!(results[1]["decision"], "Deny");
    assert_eq!(results[1]["error"]["code"], "invalid_request");
    assert_eq!(results[2]["decision"], "Deny");
    assert!(results[2].get("error").is_none());
    assert_eq!(results[3]["error"]["code"], "invalid_request");

    let one = json!({"principal": {"user": viewer}, "account": acct, "action": "ViewReports"});
    let hundred = json!({"requests": vec![one.clone(); 100]});
    let r = s
        .call("POST", "/v1/is_authorized/batch", &[], Some(hundred))
        .await;
    r.expect(200);
    assert_eq!(r.json["results"].as_array().map(Vec::len), Some(100));
    for bad in [
        json!({"requests": vec![one; 101]}),
        json!({"requests": []}),
        json!({"requests": "x"}),
        json!({}),
    ] {
        s.call("POST", "/v1/is_authorized/batch", &[], Some(bad))
            .await
            .expect_error(400, "invalid_request");
    }
}

async fn forward_auth_codes(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, viewer) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &viewer, "Viewer").await;
    let h = |user: &str, action: &str| {
        vec![
            ("x-trackly-account", acct.clone()),
            ("x-trackly-action", action.to_owned()),
            ("x-trackly-user", user.to_owned()),
        ]
    };
    let call = |headers: Vec<(&'static str, String)>, method: &'static str| {
        let s = &s;
        async move {
            let hv: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.call(method, "/v1/authorize", &hv, None).await
        }
    };
    let r = call(h(&viewer, "ViewReports"), "GET").await;
    r.expect(200);
    assert_eq!(r.header("x-trackly-role"), Some("Viewer"));
    call(h(&owner, "SendCampaign"), "POST").await.expect(200);
    call(h(&viewer, "SendCampaign"), "GET")
        .await
        .expect_error(403, "forbidden");
    call(h(&uid("u"), "ViewReports"), "GET")
        .await
        .expect_error(403, "forbidden");
    call(h(&viewer, "Nope"), "GET")
        .await
        .expect_error(400, "invalid_request");
    call(
        vec![
            ("x-trackly-action", "ViewReports".into()),
            ("x-trackly-user", viewer.clone()),
        ],
        "GET",
    )
    .await
    .expect_error(400, "invalid_request");
    call(
        vec![
            ("x-trackly-account", acct.clone()),
            ("x-trackly-action", "ViewReports".into()),
        ],
        "GET",
    )
    .await
    .expect_error(400, "invalid_request");
    let mut bad_res = h(&owner, "SendCampaign");
    bad_res.push(("x-trackly-resource", "Campaign".into()));
    call(bad_res, "GET")
        .await
        .expect_error(400, "invalid_request");
    let mut res = h(&owner, "SendCampaign");
    res.push(("x-trackly-resource", "Campaign/c_1".into()));
    call(res, "GET").await.expect(200);
    let key = vec![
        ("x-trackly-account", acct.clone()),
        ("x-trackly-action", "ViewReports".into()),
        ("x-trackly-api-key", "tk_unknown".into()),
    ];
    call(key, "GET").await.expect_error(401, "unauthenticated");
    let mut self_removal = h(&owner, "RemoveMember");
    self_removal.push(("x-trackly-resource", format!("Member/{owner}")));
    let r = call(self_removal, "GET").await;
    r.expect_error(403, "forbidden");
    assert_eq!(
        r.json["error"]["message"],
        "Cannot remove yourself. Transfer ownership first."
    );
}

async fn permissions_follow_role_changes(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, member) = (uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.join(&acct, &owner, &member, "Member").await;
    let path = format!("/v1/accounts/{acct}/permissions");
    let r = s.as_user(&member, "GET", &path, None).await;
    r.expect(200);
    assert_eq!(r.json["role"], "Member");
    assert_eq!(r.json["user"], member.as_str());
    assert_eq!(r.json["account"], acct.as_str());
    let mut got: Vec<String> = serde_json::from_value(r.json["actions"].clone()).expect("actions");
    got.sort();
    let mut want: Vec<String> = TABLE
        .iter()
        .filter(|(_, r)| r[1])
        .map(|(a, _)| a.to_string())
        .collect();
    want.sort();
    assert_eq!(got, want);
    s.as_user(
        &owner,
        "PUT",
        &format!("/v1/accounts/{acct}/members/{member}/role"),
        Some(json!({"role": "Viewer"})),
    )
    .await
    .expect(200);
    let r = s.as_user(&member, "GET", &path, None).await;
    assert_eq!(r.json["role"], "Viewer");
    assert!(!r.json["actions"]
        .as_array()
        .expect("actions")
        .contains(&json!("SendCampaign")));
    s.as_user(&uid("u"), "GET", &path, None)
        .await
        .expect_error(404, "not_found");
    s.call("GET", &path, &[], None)
        .await
        .expect_error(401, "unauthenticated");
}

async fn body_limit_is_413(backend: Backend) {
    let s = server(backend).await;
    let big = json!({"principal": {"user": "u"}, "account": "a", "action": "SendCampaign", "context": {"pad": "x".repeat(70_000)}});
    s.call("POST", "/v1/is_authorized", &[], Some(big))
        .await
        .expect_error(413, "payload_too_large");
    let fits = json!({"principal": {"user": "u"}, "account": "a", "action": "SendCampaign", "context": {"pad": "x".repeat(60_000)}});
    s.call("POST", "/v1/is_authorized", &[], Some(fits))
        .await
        .expect(200);
}

async fn service_token_is_required_on_v1_only(backend: Backend) {
    let mut c = config();
    c.service_token = Some("s3cret-token".into());
    let s = server_with(backend, c).await;
    let body = json!({"principal": {"user": "u"}, "account": "a", "action": "SendCampaign"});
    s.call("POST", "/v1/is_authorized", &[], Some(body.clone()))
        .await
        .expect_error(401, "unauthenticated");
    s.call(
        "POST",
        "/v1/is_authorized",
        &[("authorization", "Bearer wrong")],
        Some(body.clone()),
    )
    .await
    .expect_error(401, "unauthenticated");
    s.call(
        "POST",
        "/v1/is_authorized",
        &[("authorization", "Bearer s3cret-token")],
        Some(body),
    )
    .await
    .expect(200);
    s.call("GET", "/healthz", &[], None).await.expect(200);
    s.call("GET", "/readyz", &[], None).await.expect(200);
    s.call("GET", "/metrics", &[], None).await.expect(200);
}
