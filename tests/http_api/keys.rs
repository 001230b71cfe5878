//! API keys and Discord links through HTTP, and their effect on decisions.

use serde_json::json;

use crate::support::server::{uid, TestServer};
use crate::{both, server, Backend};

both!(api_key_lifecycle_and_decisions, discord_link_lifecycle);

async fn create_key(
    s: &TestServer,
    acct: &str,
    owner: &str,
    role: Option<&str>,
) -> serde_json::Value {
    let mut body = json!({"name": "sending service"});
    if let Some(r) = role {
        body["role"] = json!(r);
    }
    let r = s
        .as_user(
            owner,
            "POST",
            &format!("/v1/accounts/{acct}/api-keys"),
            Some(body),
        )
        .await;
    r.expect(201);
    r.json.clone()
}

fn fwd<'a>(acct: &'a str, action: &'a str, key: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("x-trackly-account", acct),
        ("x-trackly-action", action),
        ("x-trackly-api-key", key),
    ]
}

async fn api_key_lifecycle_and_decisions(backend: Backend) {
    let s = server(backend).await;
    let (acct, other, owner, member) = (uid("acct"), uid("acct"), uid("u"), uid("u"));
    s.account(&acct, &owner).await;
    s.account(&other, &uid("u")).await;
    s.join(&acct, &owner, &member, "Member").await;
    let key = create_key(&s, &acct, &owner, None).await;
    let secret = key["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("tk_"));
    assert_eq!(key["role"], "Member");
    assert_eq!(key["created_by"], owner.as_str());
    assert!(secret.starts_with(key["prefix"].as_str().expect("prefix")));
    let viewer_key = create_key(&s, &acct, &owner, Some("Viewer")).await;

    let r = s
        .as_user(
            &owner,
            "GET",
            &format!("/v1/accounts/{acct}/api-keys"),
            None,
        )
        .await;
    r.expect(200);
    assert_eq!(r.json["api_keys"].as_array().map(Vec::len), Some(2));
    assert!(
        !r.body.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "list leaks a secret"
    );
    assert!(r.json["api_keys"][0].get("secret").is_none());

    let k = json!({"api_key": secret});
    let decide = |action: &'static str, account: String| {
        let (s, k) = (&s, k.clone());
        async move { s.decide(k, &account, action, None).await["decision"].clone() }
    };
    assert_eq!(decide("SendCampaign", acct.clone()).await, "Allow");
    assert_eq!(decide("CreateApiKey", acct.clone()).await, "Deny");
    assert_eq!(decide("ViewActivity", acct.clone()).await, "Deny");
    assert_eq!(
        decide("SendCampaign", other.clone()).await,
        "Deny",
        "a key acts in its own account only"
    );
    let vk = json!({"api_key": viewer_key["secret"]});
    assert_eq!(
        s.decide(vk.clone(), &acct, "SendCampaign", None).await["decision"],
        "Deny"
    );
    assert_eq!(
        s.decide(vk, &acct, "ViewReports", None).await["decision"],
        "Allow"
    );
    let r = s
        .call(
            "GET",
            "/v1/authorize",
            &fwd(&acct, "SendCampaign", &secret),
            None,
        )
        .await;
    r.expect(200);
    assert_eq!(r.header("x-trackly-role"), Some("Member"));

    // Only Owners manage keys; keys are never Owners.
    s.as_user(
        &member,
        "POST",
        &format!("/v1/accounts/{acct}/api-keys"),
        Some(json!({"name": "x"})),
    )
    .await
    .expect_error(403, "forbidden");
    s.as_user(
        &member,
        "GET",
        &format!("/v1/accounts/{acct}/api-keys"),
        None,
    )
    .await
    .expect_error(403, "forbidden");
    s.as_user(
        &owner,
        "POST",
        &format!("/v1/accounts/{acct}/api-keys"),
        Some(json!({"name": "x", "role": "Owner"})),
    )
    .await
    .expect_error(400, "invalid_request");
    s.as_user(
        &owner,
        "POST",
        &format!("/v1/accounts/{acct}/api-keys"),
        Some(json!({"name": ""})),
    )
    .await
    .expect_error(400, "invalid_request");

    let id = key["id"].as_str().expect("id");
    s.as_user(
        &owner,
        "DELETE",
        &format!("/v1/accounts/{acct}/api-keys/{id}"),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        decide("SendCampaign", acct.clone()).await,
        "Deny",
        "deleted keys stop at once"
    );
    s.call(
        "GET",
        "/v1/authorize",
        &fwd(&acct, "SendCampaign", &secret),
        None,
    )
    .await
    .expect_error(401, "unauthenticated");
    s.as_user(
        &owner,
        "DELETE",
        &format!("/v1/accounts/{acct}/api-keys/{id}"),
        None,
    )
    .await
    .expect_error(404, "not_found");
}

async fn discord_link_lifecycle(backend: Backend) {
    let s = server(backend).await;
    let (acct, owner, discord) = (uid("acct"), uid("u"), uid("d"));
    s.account(&acct, &owner).await;
    let key = create_key(&s, &acct, &owner, None).await;
    let secret = key["secret"].as_str().expect("secret");
    let d = json!({"discord_user": discord});
    assert_eq!(
        s.decide(d.clone(), &acct, "SendCampaign", None).await["decision"],
        "Deny"
    );
    s.call(
        "POST",
        "/v1/discord/links",
        &[],
        Some(json!({"discord_user_id": discord, "api_key": "tk_bogus"})),
    )
    .await
    .expect_error(401, "unauthenticated");
    let r = s
        .call(
            "POST",
            "/v1/discord/links",
            &[],
            Some(json!({"discord_user_id": discord, "api_key": secret})),
        )
        .await;
    r.expect(201);
    assert_eq!(
        r.json,
        json!({"discord_user_id": discord, "account": acct, "role": "Member"})
    );
    assert_eq!(
        s.decide(d.clone(), &acct, "SendCampaign", None).await["decision"],
        "Allow"
    );
    assert_eq!(
        s.decide(d.clone(), &acct, "InviteMember", None).await["decision"],
        "Deny"
    );
    let via_gateway = [
        ("x-trackly-account", acct.as_str()),
        ("x-trackly-action", "SendCampaign"),
        ("x-trackly-discord-user", discord.as_str()),
    ];
    let r = s.call("GET", "/v1/authorize", &via_gateway, None).await;
    r.expect(200);
    assert_eq!(r.header("x-trackly-role"), Some("Member"));
    s.call("DELETE", &format!("/v1/discord/links/{discord}"), &[], None)
        .await
        .expect(204);
    s.call("GET", "/v1/authorize", &via_gateway, None)
        .await
        .expect_error(401, "unauthenticated");
    assert_eq!(
        s.decide(d.clone(), &acct, "SendCampaign", None).await["decision"],
        "Deny"
    );
    s.call("DELETE", &format!("/v1/discord/links/{discord}"), &[], None)
        .await
        .expect_error(404, "not_found");

    // Deleting the key removes its links at once.
    s.call(
        "POST",
        "/v1/discord/links",
        &[],
        Some(json!({"discord_user_id": discord, "api_key": secret})),
    )
    .await
    .expect(201);
    let id = key["id"].as_str().expect("id");
    s.as_user(
        &owner,
        "DELETE",
        &format!("/v1/accounts/{acct}/api-keys/{id}"),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        s.decide(d, &acct, "SendCampaign", None).await["decision"],
        "Deny"
    );
    s.call(
        "POST",
        "/v1/discord/links",
        &[],
        Some(json!({"discord_user_id": discord, "api_key": secret})),
    )
    .await
    .expect_error(401, "unauthenticated");
}
