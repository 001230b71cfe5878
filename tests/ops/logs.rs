//! Logs: the request id round trip, JSON lines with the request span, and
//! no secret in the log even at debug level.

use std::sync::Arc;

use serde_json::{json, Value};
use trackly_authz::store::memory::MemoryStore;
use trackly_authz::store::StoreSettings;

use crate::support::process::Sidecar;
use crate::support::server::{config, uid, TestServer};
use crate::{call, team};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_id_is_returned_given_or_generated() {
    let server = TestServer::start(
        Arc::new(MemoryStore::new(StoreSettings::default())),
        config(),
    )
    .await;
    let given = server
        .call("GET", "/healthz", &[("x-request-id", "req-42.abc")], None)
        .await;
    assert_eq!(given.header("x-request-id"), Some("req-42.abc"));
    // On errors too.
    let given = server
        .call("GET", "/v1/nope", &[("x-request-id", "req-43")], None)
        .await;
    given.expect(404);
    assert_eq!(given.header("x-request-id"), Some("req-43"));
    let too_long = "x".repeat(129);
    for headers in [
        vec![],
        vec![("x-request-id", "has space")],
        vec![("x-request-id", too_long.as_str())],
    ] {
        let r = server.call("GET", "/healthz", &headers, None).await;
        let id = r.header("x-request-id").expect("a generated request id");
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "generated id {id:?} for {headers:?}"
        );
    }
    let a = server.call("GET", "/healthz", &[], None).await;
    let b = server.call("GET", "/healthz", &[], None).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_request_span() {
    let mut sidecar = Sidecar::start(&["--log-format", "json"], &[]).await;
    let t = team(sidecar.addr, &[]).await;
    let request_id = uid("req");
    let r = sidecar
        .call(
            "POST",
            "/v1/is_authorized",
            &[("x-request-id", request_id.as_str())],
            Some(json!({"principal": {"user": t.owner}, "account": t.account, "action": "SendCampaign"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.header("x-request-id"), Some(request_id.as_str()));
    let line = sidecar
        .wait_log(|l| l.contains(&request_id) && l.contains("handled"))
        .await;
    let event: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(event["level"], "INFO", "{line}");
    assert_eq!(event["message"], "handled", "{line}");
    assert_eq!(event["status"], 200, "{line}");
    assert!(event["latency_us"].is_u64(), "{line}");
    assert!(event["timestamp"].is_string(), "{line}");
    let span = &event["span"];
    assert_eq!(span["name"], "request", "{line}");
    assert_eq!(span["request_id"], request_id.as_str(), "{line}");
    assert_eq!(span["route"], "/v1/is_authorized", "{line}");
    assert_eq!(span["method"], "POST", "{line}");
    // Every line is JSON, start-up lines included.
    for line in sidecar.log().lines() {
        assert!(
            serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object()),
            "not a JSON object: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logs_show_decisions_but_never_secrets() {
    let service_token = format!("svc-{}", uuid_hex());
    let mut sidecar = Sidecar::start(
        &["--service-token", &service_token],
        &[("RUST_LOG", "debug")],
    )
    .await;
    let addr = sidecar.addr;
    let bearer = format!("Bearer {service_token}");
    let auth = [("authorization", bearer.as_str())];
    let t = team(addr, &auth).await;
    let as_owner = [
        ("authorization", bearer.as_str()),
        ("x-trackly-user", t.owner.as_str()),
    ];
    let key = call(
        addr,
        "POST",
        &format!("/v1/accounts/{}/api-keys", t.account),
        &as_owner,
        Some(json!({"name": "ci"})),
    )
    .await;
    key.expect(201);
    let api_key = key.json["secret"].as_str().unwrap().to_owned();
    let inv = call(
        addr,
        "POST",
        &format!("/v1/accounts/{}/invitations", t.account),
        &as_owner,
        Some(json!({"email": format!("{}@example.com", uid("e")), "role": "Member"})),
    )
    .await;
    inv.expect(201);
    let token = inv.json["token"].as_str().unwrap().to_owned();
    let d = call(
        addr,
        "POST",
        "/v1/is_authorized",
        &auth,
        Some(json!({"principal": {"api_key": api_key}, "account": t.account, "action": "SendCampaign"})),
    )
    .await;
    d.expect(200);
    assert_eq!(d.json["decision"], "Allow");
    let fwd = [
        ("authorization", bearer.as_str()),
        ("x-trackly-account", t.account.as_str()),
        ("x-trackly-action", "SendCampaign"),
        ("x-trackly-api-key", api_key.as_str()),
    ];
    call(addr, "GET", "/v1/authorize", &fwd, None)
        .await
        .expect(200);
    call(
        addr,
        "POST",
        "/v1/discord/links",
        &auth,
        Some(json!({"discord_user_id": uid("d"), "api_key": api_key})),
    )
    .await
    .expect(201);
    let accept_as = uid("u");
    call(
        addr,
        "POST",
        "/v1/invitations/accept",
        &[
            ("authorization", bearer.as_str()),
            ("x-trackly-user", accept_as.as_str()),
        ],
        Some(json!({"token": token})),
    )
    .await
    .expect(200);
    // The decision is logged at debug with principal, action and decision.
    let line = sidecar
        .wait_log(|l| l.contains("DEBUG") && l.contains("decision") && l.contains("ApiKey"))
        .await;
    assert!(
        line.contains("SendCampaign") && line.contains("Allow"),
        "{line}"
    );
    sidecar
        .wait_log(|l| l.contains("/v1/invitations/accept") && l.contains("handled"))
        .await;
    let log = sidecar.log();
    // The random part of each secret (before the `.account` suffix).
    let random = |s: &str| s.split('.').next().unwrap().to_owned();
    for (what, secret) in [
        ("API key secret", random(&api_key)),
        ("invitation token", random(&token)),
        ("service token", service_token.clone()),
    ] {
        assert!(!log.contains(&secret), "the {what} is in the log:\n{log}");
    }
}

fn uuid_hex() -> String {
    uid("x").trim_start_matches("x_").to_owned()
}
