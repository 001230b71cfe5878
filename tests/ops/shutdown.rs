//! Graceful shutdown of the real binary: on SIGTERM it stops accepting,
//! finishes the request in flight, and exits 0 within the grace period.
//! Readiness turns 503 once shutdown starts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trackly_authz::store::memory::MemoryStore;
use trackly_authz::store::StoreSettings;

use crate::support::process::Sidecar;
use crate::support::server::{config, uid, TestServer};
use crate::team;

/// The head of a `POST /v1/is_authorized` with `body_len` bytes of body.
fn request_head(request_id: &str, body_len: usize) -> String {
    format!(
        "POST /v1/is_authorized HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
         x-request-id: {request_id}\r\ncontent-length: {body_len}\r\n\r\n"
    )
}

/// Starts a request and stops half-way through its body, once the server
/// has begun handling it (its "request started" debug line).
async fn half_sent_request(sidecar: &mut Sidecar, body: &[u8]) -> (TcpStream, String) {
    let request_id = uid("inflight");
    let mut stream = TcpStream::connect(sidecar.addr).await.unwrap();
    let half = body.len() / 2;
    stream
        .write_all(request_head(&request_id, body.len()).as_bytes())
        .await
        .unwrap();
    stream.write_all(&body[..half]).await.unwrap();
    stream.flush().await.unwrap();
    sidecar
        .wait_log(|l| l.contains("request started") && l.contains(&request_id))
        .await;
    (stream, request_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_request_in_flight_and_exits_0() {
    let grace = 5;
    let mut sidecar = Sidecar::start(
        &["--shutdown-grace-secs", &grace.to_string()],
        &[("RUST_LOG", "info,trackly_authz::http=debug")],
    )
    .await;
    let t = team(sidecar.addr, &[]).await;
    let body = serde_json::to_vec(
        &json!({"principal": {"user": t.owner}, "account": t.account, "action": "SendCampaign"}),
    )
    .unwrap();
    let (mut stream, request_id) = half_sent_request(&mut sidecar, &body).await;

    let mark = sidecar.log_mark();
    let signalled = Instant::now();
    sidecar.signal("TERM");
    sidecar
        .wait_log_after(mark, |l| l.contains("shutting down"))
        .await;
    // No longer accepting: new connections are refused.
    assert!(
        TcpStream::connect(sidecar.addr).await.is_err(),
        "a new connection was accepted after SIGTERM"
    );

    // The request in flight completes.
    stream.write_all(&body[body.len() / 2..]).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(grace), stream.read_to_end(&mut raw))
        .await
        .expect("the response came within the grace period")
        .unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains(&format!("x-request-id: {request_id}")),
        "{raw}"
    );
    let json: Value = serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json["decision"], "Allow", "{raw}");

    let status = sidecar.wait_exit(Duration::from_secs(grace + 5)).await;
    assert_eq!(
        status.code(),
        Some(0),
        "exit status; log:\n{}",
        sidecar.log()
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(grace),
        "took the whole grace period"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_0_after_the_grace_period_when_a_request_stalls() {
    let mut sidecar = Sidecar::start(
        &["--shutdown-grace-secs", "1"],
        &[("RUST_LOG", "info,trackly_authz::http=debug")],
    )
    .await;
    let body = br#"{"principal": {"user": "u_1"}, "account": "acct_1", "action": "SendCampaign"}"#;
    // The client never sends the rest.
    let (_stream, _) = half_sent_request(&mut sidecar, body).await;
    sidecar.signal("TERM");
    let status = sidecar.wait_exit(Duration::from_secs(6)).await;
    assert_eq!(status.code(), Some(0), "log:\n{}", sidecar.log());
    sidecar.wait_log(|l| l.contains("grace period over")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_also_shuts_down_cleanly() {
    let mut sidecar = Sidecar::start(&[], &[]).await;
    sidecar.signal("INT");
    let status = sidecar.wait_exit(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0), "log:\n{}", sidecar.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_turns_503_once_shutdown_starts() {
    let server = TestServer::start(
        Arc::new(MemoryStore::new(StoreSettings::default())),
        config(),
    )
    .await;
    let r = server.call("GET", "/readyz", &[], None).await;
    r.expect(200);
    assert!(r.json["policies"].as_str().unwrap().starts_with("sha256:"));
    server.state.begin_shutdown();
    let r = server.call("GET", "/readyz", &[], None).await;
    r.expect(503);
    assert_eq!(r.json["status"], "shutting_down");
    // Liveness is unaffected.
    server.call("GET", "/healthz", &[], None).await.expect(200);
    server.stop().await;
}
