//! Invalid configuration: the binary exits non-zero with one line naming
//! the problem (SPEC §2).

use crate::support::process::{policy_copy, run_to_exit};

/// Asserts a failed start: non-zero status and exactly one
/// `trackly-authz: …` line, the last one, mentioning `what`.
fn assert_one_line_failure(status: std::process::ExitStatus, stderr: &str, what: &str) {
    assert!(!status.success(), "exit status {status}; stderr:\n{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("trackly-authz: "))
        .collect();
    assert_eq!(lines.len(), 1, "one error line expected; stderr:\n{stderr}");
    assert_eq!(
        stderr.trim_end().lines().last(),
        Some(lines[0]),
        "stderr:\n{stderr}"
    );
    assert!(
        lines[0].contains(what),
        "{what} not named in {:?}",
        lines[0]
    );
}

#[tokio::test]
async fn unparsable_listen_address() {
    let dir = policy_copy();
    let (status, stderr) = run_to_exit(dir.path(), &["--listen", "nope"]).await;
    assert_one_line_failure(status, &stderr, "--listen");
}

#[tokio::test]
async fn listen_address_in_use() {
    let dir = policy_copy();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, stderr) = run_to_exit(dir.path(), &["--listen", &addr]).await;
    assert_one_line_failure(status, &stderr, &addr);
}

#[tokio::test]
async fn policy_that_fails_validation() {
    let dir = policy_copy();
    std::fs::write(
        dir.path().join("policies/unknown-action.cedar"),
        "@id(\"x\")\npermit (principal, action == Trackly::Action::\"FlyToTheMoon\", resource);\n",
    )
    .unwrap();
    let (status, stderr) = run_to_exit(dir.path(), &[]).await;
    assert_one_line_failure(status, &stderr, "unknown-action.cedar");
}

#[tokio::test]
async fn policy_with_a_syntax_error() {
    let dir = policy_copy();
    std::fs::write(
        dir.path().join("policies/broken.cedar"),
        "@id(\"broken\")\npermit (principal, action, resource\n",
    )
    .unwrap();
    let (status, stderr) = run_to_exit(dir.path(), &[]).await;
    assert_one_line_failure(status, &stderr, "broken.cedar");
}

#[tokio::test]
async fn unreachable_redis() {
    let dir = policy_copy();
    // Port 1 on loopback: nothing listens there.
    let (status, stderr) = run_to_exit(
        dir.path(),
        &["--redis-url", "redis://:hunter2@127.0.0.1:1/0"],
    )
    .await;
    assert_one_line_failure(status, &stderr, "Redis");
    assert!(
        !stderr.contains("hunter2"),
        "the Redis password is in the output:\n{stderr}"
    );
}
