//! `/metrics` after real traffic: valid under `promtool check metrics`,
//! every family of the SPEC and of the dashboard present, label values
//! bounded (no ids).

use std::collections::BTreeSet;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::{json, Value};
use trackly_authz::store::memory::MemoryStore;
use trackly_authz::store::StoreSettings;

use crate::support::server::{config, repo, uid, TestServer};
use crate::{call, decision, metrics_text, sample, team, Team};

/// The invitation limit of the traffic server (small, to reach a 429).
const INVITE_LIMIT: u32 = 3;

/// A server whose `/metrics` has seen every kind of traffic.
async fn server_after_traffic() -> (TestServer, Team) {
    let mut config = config();
    config.invite_limit = INVITE_LIMIT;
    let server =
        TestServer::start(Arc::new(MemoryStore::new(StoreSettings::default())), config).await;
    let team = traffic(server.addr).await;
    (server, team)
}

/// Decisions (Allow, Deny, 400), batch, forward-auth, team changes,
/// invitations up to the limit, policy reload, 404/405, health.
async fn traffic(addr: SocketAddr) -> Team {
    let t = team(addr, &[]).await;
    let owner = [("x-trackly-user", t.owner.as_str())];
    assert_eq!(
        decision(addr, &t.owner, &t.account, "SendCampaign").await,
        "Allow"
    );
    assert_eq!(
        decision(addr, &t.viewer, &t.account, "SendCampaign").await,
        "Deny"
    );
    let bad = json!({"principal": {"user": t.owner}, "account": t.account, "action": "Fly"});
    call(addr, "POST", "/v1/is_authorized", &[], Some(bad.clone()))
        .await
        .expect(400);
    call(
        addr,
        "POST",
        "/v1/is_authorized/batch",
        &[],
        Some(json!({"requests": [bad]})),
    )
    .await
    .expect(200);
    let fwd = [
        ("x-trackly-account", t.account.as_str()),
        ("x-trackly-action", "ViewReports"),
        ("x-trackly-user", t.viewer.as_str()),
    ];
    call(addr, "GET", "/v1/authorize", &fwd, None)
        .await
        .expect(200);
    let invitations = format!("/v1/accounts/{}/invitations", t.account);
    let invite = || json!({"email": format!("{}@example.com", uid("e")), "role": "Member"});
    let inv = call(addr, "POST", &invitations, &owner, Some(invite())).await;
    inv.expect(201);
    let id = inv.json["id"].as_str().unwrap();
    call(
        addr,
        "POST",
        &format!("{invitations}/{id}/resend"),
        &owner,
        None,
    )
    .await
    .expect(200);
    call(addr, "POST", &invitations, &owner, Some(invite()))
        .await
        .expect_error(429, "rate_limited");
    call(addr, "DELETE", &format!("{invitations}/{id}"), &owner, None)
        .await
        .expect(204);
    call(
        addr,
        "GET",
        &format!("/v1/accounts/{}/members", t.account),
        &owner,
        None,
    )
    .await
    .expect(200);
    call(addr, "GET", "/v1/policies", &[], None)
        .await
        .expect(200);
    call(addr, "POST", "/v1/policies/reload", &[], None)
        .await
        .expect(200);
    call(addr, "GET", "/v1/nope", &[], None).await.expect(404);
    call(addr, "DELETE", "/v1/policies", &[], None)
        .await
        .expect(405);
    call(addr, "GET", "/healthz", &[], None).await.expect(200);
    call(addr, "GET", "/readyz", &[], None).await.expect(200);
    t
}

/// `# TYPE` name → type.
fn families(text: &str) -> std::collections::BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| {
            let (name, kind) = l.split_once(' ')?;
            Some((name.to_owned(), kind.to_owned()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_after_traffic_pass_promtool() {
    let (server, _team) = server_after_traffic().await;
    let text = metrics_text(server.addr).await;
    let promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut promtool = match promtool {
        Ok(child) => child,
        Err(e) => panic!(
            "promtool is needed to validate /metrics ({e}); install it with \
             `apt-get install prometheus` (.ci/run does)"
        ),
    };
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.trim().is_empty(),
        "promtool check metrics: {}\n{report}\n--- body ---\n{text}",
        out.status
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_family_is_exposed_with_help_and_counts_the_traffic() {
    let (server, t) = server_after_traffic().await;
    let text = metrics_text(server.addr).await;
    let types = families(&text);
    for (name, kind) in [
        // SPEC §4
        ("trackly_authz_decisions_total", "counter"),
        ("trackly_authz_decision_duration_seconds", "histogram"),
        ("trackly_authz_http_requests_total", "counter"),
        ("trackly_authz_http_request_duration_seconds", "histogram"),
        ("trackly_authz_store_errors_total", "counter"),
        ("trackly_authz_rate_limited_total", "counter"),
        ("trackly_authz_policy_reloads_total", "counter"),
        // on-call extras
        (
            "trackly_authz_store_operation_duration_seconds",
            "histogram",
        ),
        ("trackly_authz_invitations_total", "counter"),
        ("trackly_authz_policy_info", "gauge"),
        ("trackly_authz_policy_loaded_timestamp_seconds", "gauge"),
        ("trackly_authz_policies_loaded", "gauge"),
        ("trackly_authz_build_info", "gauge"),
    ] {
        assert_eq!(types.get(name).map(String::as_str), Some(kind), "{name}");
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has no help"
        );
    }
    for (series, expected) in [
        (
            r#"trackly_authz_decisions_total{action="SendCampaign",decision="Allow"}"#,
            1.0,
        ),
        (
            r#"trackly_authz_decisions_total{action="SendCampaign",decision="Deny"}"#,
            1.0,
        ),
        (r#"trackly_authz_rate_limited_total{limit="invite"}"#, 1.0),
        (r#"trackly_authz_invitations_total{event="created"}"#, 2.0),
        (r#"trackly_authz_invitations_total{event="resent"}"#, 1.0),
        (r#"trackly_authz_invitations_total{event="revoked"}"#, 1.0),
        (r#"trackly_authz_invitations_total{event="accepted"}"#, 1.0),
        (
            r#"trackly_authz_policy_reloads_total{result="success"}"#,
            1.0,
        ),
        (
            r#"trackly_authz_policy_reloads_total{result="failure"}"#,
            0.0,
        ),
        (
            r#"trackly_authz_http_requests_total{route="/v1/accounts/{account}/invitations",status="429"}"#,
            1.0,
        ),
        (
            r#"trackly_authz_http_requests_total{route="unmatched",status="404"}"#,
            1.0,
        ),
        ("trackly_authz_store_errors_total", 0.0),
    ] {
        assert_eq!(sample(&text, series), expected, "{series}\n{text}");
    }
    assert!(
        sample(
            &text,
            r#"trackly_authz_store_operation_duration_seconds_count{op="member_roles"}"#
        ) >= 2.0
    );
    // Bounded labels: no id of the traffic appears anywhere.
    for id in [&t.account, &t.owner, &t.viewer] {
        assert!(!text.contains(id.as_str()), "{id} leaked into /metrics");
    }
    assert!(
        !text.contains("/v1/nope"),
        "a raw path leaked into /metrics"
    );
    server.stop().await;
}

/// Every `trackly_authz_*` name in the dashboard's queries.
fn dashboard_metric_names(dashboard: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if let (true, Value::String(expr)) = (k == "expr" || k == "query", v) {
                        names_in(expr, out);
                    } else {
                        walk(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    fn names_in(expr: &str, out: &mut BTreeSet<String>) {
        let mut rest = expr;
        while let Some(at) = rest.find("trackly_authz_") {
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            out.insert(tail[..end].to_owned());
            rest = &tail[end..];
        }
    }
    let mut out = BTreeSet::new();
    walk(dashboard, &mut out);
    out
}

pub fn read_dashboard(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?} is not JSON: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboard_queries_exists() {
    let dashboard = read_dashboard(&repo().join("dashboards/trackly-authz.json"));
    let names = dashboard_metric_names(&dashboard);
    assert!(
        names.len() >= 8,
        "the dashboard queries too little: {names:?}"
    );
    let (server, _team) = server_after_traffic().await;
    let types = families(&metrics_text(server.addr).await);
    for name in &names {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                (types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
            })
            .unwrap_or(name);
        assert!(
            types.contains_key(family),
            "the dashboard queries {name}, which /metrics does not have"
        );
    }
    server.stop().await;
}
