//! Operations: metrics (promtool, dashboard), logs (request ids, JSON,
//! secrets), hot policy reload (endpoint, SIGHUP, file changes), graceful
//! shutdown, start-up errors, and the deployment files (Helm chart,
//! dashboard). Most tests run the real binary as a child process
//! (`support::process`); metrics and request ids use the in-process server.

// Test code: a failed expectation should panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "ops/config.rs"]
mod config;
#[path = "ops/deploy.rs"]
mod deploy;
#[path = "ops/logs.rs"]
mod logs;
#[path = "ops/metrics.rs"]
mod metrics;
#[path = "ops/reload.rs"]
mod reload;
#[path = "ops/shutdown.rs"]
mod shutdown;

use std::net::SocketAddr;

use serde_json::{json, Value};
use support::http::{send, Resp};
use support::server::uid;

/// A JSON request to `addr`.
pub async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Resp {
    let body = body.map(|b| serde_json::to_vec(&b).unwrap());
    send(addr, method, path, headers, body).await
}

/// An account with an Owner and a Viewer.
pub struct Team {
    pub account: String,
    pub owner: String,
    pub viewer: String,
}

/// Creates a [`Team`] through the API (`auth`: extra headers such as the
/// service token).
pub async fn team(addr: SocketAddr, auth: &[(&str, &str)]) -> Team {
    let (account, owner, viewer) = (uid("acct"), uid("u"), uid("u"));
    call(
        addr,
        "POST",
        "/v1/accounts",
        auth,
        Some(json!({"id": account, "owner": owner})),
    )
    .await
    .expect(201);
    let as_owner: Vec<(&str, &str)> = auth
        .iter()
        .copied()
        .chain([("x-trackly-user", owner.as_str())])
        .collect();
    let inv = call(
        addr,
        "POST",
        &format!("/v1/accounts/{account}/invitations"),
        &as_owner,
        Some(json!({"email": format!("{viewer}@example.com"), "role": "Viewer"})),
    )
    .await;
    inv.expect(201);
    let as_viewer: Vec<(&str, &str)> = auth
        .iter()
        .copied()
        .chain([("x-trackly-user", viewer.as_str())])
        .collect();
    call(
        addr,
        "POST",
        "/v1/invitations/accept",
        &as_viewer,
        Some(json!({"token": inv.json["token"]})),
    )
    .await
    .expect(200);
    Team {
        account,
        owner,
        viewer,
    }
}

/// The decision (`Allow`/`Deny`) for `user` doing `action` on a campaign.
pub async fn decision(addr: SocketAddr, user: &str, account: &str, action: &str) -> String {
    let r = call(
        addr,
        "POST",
        "/v1/is_authorized",
        &[],
        Some(json!({
            "principal": {"user": user},
            "account": account,
            "action": action,
            "resource": {"type": "Campaign", "id": "c_1"}
        })),
    )
    .await;
    r.expect(200);
    r.json["decision"].as_str().unwrap().to_owned()
}

/// The body of `GET /metrics`.
pub async fn metrics_text(addr: SocketAddr) -> String {
    let r = call(addr, "GET", "/metrics", &[], None).await;
    r.expect(200);
    String::from_utf8(r.body.to_vec()).unwrap()
}

/// The value of one sample line (`name{labels}` exactly as rendered), 0 if
/// absent.
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}
