//! Hot policy reload, on the real binary: by `POST /v1/policies/reload`, by
//! SIGHUP and by a file change (also through a Kubernetes-style `..data`
//! symlink swap), each with a valid set (version and ids change, the
//! decision changes) and invalid ones (refused, counted, old set stays).

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use crate::support::process::{copy_dir, policy_copy, Sidecar};
use crate::{decision, metrics_text, sample, team, Team};

/// A permit for Viewers (users only) to send campaigns: valid, but it
/// contradicts the fixtures until they are adapted too.
const VIEWERS_SEND: &str = r#"// Test: Viewers may send campaigns.
@id("viewers-send")
permit (
  principal is Trackly::User in Trackly::Role::"Viewer",
  action == Trackly::Action::"SendCampaign",
  resource
);
"#;

/// A policy with a syntax error.
const BROKEN_SYNTAX: &str = "@id(\"broken\")\npermit (principal, action, resource\n";

/// A policy that parses but fails strict validation.
const UNKNOWN_ACTION: &str =
    "@id(\"unknown-action\")\npermit (principal, action == Trackly::Action::\"FlyToTheMoon\", resource);\n";

/// Rewrites the fixture tables of users so that Viewers may send.
fn fixtures_allowing_viewers_to_send(policies: &Path) -> String {
    let path = policies.join("tests/roles.json");
    let mut fixtures: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut changed = 0;
    for table in fixtures["tables"].as_array_mut().unwrap() {
        if table["principal"] != "User" {
            continue;
        }
        let viewer = table["roles"]
            .as_array()
            .unwrap()
            .iter()
            .position(|r| r == "Viewer")
            .unwrap();
        table["expect"]["SendCampaign"][viewer] = Value::from("Allow");
        changed += 1;
    }
    assert!(changed > 0, "no user table in roles.json");
    serde_json::to_string_pretty(&fixtures).unwrap()
}

/// Writes like an editor does: a temp file next to it, then a rename.
fn write_atomically(path: &Path, text: &str) {
    let name = path.file_name().unwrap().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.swp"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The valid change: the permit and the adapted fixtures.
fn allow_viewers_to_send(policies: &Path) {
    let fixtures = fixtures_allowing_viewers_to_send(policies);
    write_atomically(&policies.join("tests/roles.json"), &fixtures);
    write_atomically(&policies.join("viewers-send.cedar"), VIEWERS_SEND);
}

async fn policies_doc(sidecar: &Sidecar) -> Value {
    let r = sidecar.call("GET", "/v1/policies", &[], None).await;
    r.expect(200);
    r.json.clone()
}

fn ids(doc: &Value) -> Vec<String> {
    doc["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn reloads(sidecar: &Sidecar, result: &str) -> f64 {
    let text = metrics_text(sidecar.addr).await;
    sample(
        &text,
        &format!("trackly_authz_policy_reloads_total{{result=\"{result}\"}}"),
    )
}

async fn viewer_send(sidecar: &Sidecar, t: &Team) -> String {
    decision(sidecar.addr, &t.viewer, &t.account, "SendCampaign").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_by_endpoint_refuses_bad_sets_and_applies_a_good_one() {
    let mut sidecar = Sidecar::start(&["--watch-policies", "false"], &[]).await;
    let t = team(sidecar.addr, &[]).await;
    let before = policies_doc(&sidecar).await;
    assert_eq!(viewer_send(&sidecar, &t).await, "Deny");
    let policies = sidecar.policies();
    let bad_sets: [(&str, &str, &str); 3] = [
        ("broken.cedar", BROKEN_SYNTAX, "broken.cedar"),
        (
            "unknown-action.cedar",
            UNKNOWN_ACTION,
            "unknown-action.cedar",
        ),
        ("viewers-send.cedar", VIEWERS_SEND, "SendCampaign"),
    ];
    for (n, (file, text, mentioned)) in bad_sets.into_iter().enumerate() {
        std::fs::write(policies.join(file), text).unwrap();
        let r = sidecar.call("POST", "/v1/policies/reload", &[], None).await;
        r.expect_error(422, "invalid_policies");
        let messages = r.json["error"]["messages"].as_array().expect("messages");
        assert!(
            !messages.is_empty()
                && messages
                    .iter()
                    .any(|m| m.as_str().unwrap().contains(mentioned)),
            "{file}: {}",
            r.json
        );
        assert_eq!(reloads(&sidecar, "failure").await, (n + 1) as f64);
        assert_eq!(
            policies_doc(&sidecar).await,
            before,
            "{file} replaced the set"
        );
        assert_eq!(viewer_send(&sidecar, &t).await, "Deny", "{file}");
        sidecar
            .wait_log(|l| l.contains("policy reload refused") && l.contains(mentioned))
            .await;
        std::fs::remove_file(policies.join(file)).unwrap();
    }
    assert_eq!(reloads(&sidecar, "success").await, 0.0);

    allow_viewers_to_send(&policies);
    let r = sidecar.call("POST", "/v1/policies/reload", &[], None).await;
    r.expect(200);
    let after = policies_doc(&sidecar).await;
    assert_eq!(r.json, after);
    assert_ne!(after["version"], before["version"]);
    assert!(ids(&after).contains(&"viewers-send".to_owned()), "{after}");
    assert!(!ids(&before).contains(&"viewers-send".to_owned()));
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");
    assert_eq!(reloads(&sidecar, "success").await, 1.0);
    let version = after["version"].as_str().unwrap();
    let text = metrics_text(sidecar.addr).await;
    assert_eq!(
        sample(
            &text,
            &format!("trackly_authz_policy_info{{version=\"{version}\"}}")
        ),
        1.0
    );
    sidecar
        .wait_log(|l| l.contains("policies reloaded") && l.contains("endpoint"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_by_sighup() {
    let mut sidecar = Sidecar::start(&["--watch-policies", "false"], &[]).await;
    let t = team(sidecar.addr, &[]).await;
    let before = policies_doc(&sidecar).await;
    allow_viewers_to_send(&sidecar.policies());
    // Nothing changes until the signal (file watching is off).
    assert_eq!(policies_doc(&sidecar).await, before);
    assert_eq!(viewer_send(&sidecar, &t).await, "Deny");

    let mark = sidecar.log_mark();
    sidecar.signal("HUP");
    sidecar
        .wait_log_after(mark, |l| {
            l.contains("policies reloaded") && l.contains("sighup")
        })
        .await;
    let after = policies_doc(&sidecar).await;
    assert_ne!(after["version"], before["version"]);
    assert!(ids(&after).contains(&"viewers-send".to_owned()));
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");
    assert_eq!(reloads(&sidecar, "success").await, 1.0);

    std::fs::write(
        sidecar.policies().join("unknown-action.cedar"),
        UNKNOWN_ACTION,
    )
    .unwrap();
    let mark = sidecar.log_mark();
    sidecar.signal("HUP");
    let line = sidecar
        .wait_log_after(mark, |l| {
            l.contains("policy reload refused") && l.contains("sighup")
        })
        .await;
    assert!(
        line.contains("WARN") && line.contains("unknown-action.cedar"),
        "{line}"
    );
    assert_eq!(reloads(&sidecar, "failure").await, 1.0);
    assert_eq!(policies_doc(&sidecar).await, after);
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_on_file_changes_debounced() {
    let mut sidecar =
        Sidecar::start(&[], &[("RUST_LOG", "info,trackly_authz::reload=debug")]).await;
    let t = team(sidecar.addr, &[]).await;
    let before = policies_doc(&sidecar).await;
    let policies = sidecar.policies();

    // A fixture change alone contradicts the running policies: refused.
    let mark = sidecar.log_mark();
    let fixtures = fixtures_allowing_viewers_to_send(&policies);
    write_atomically(&policies.join("tests/roles.json"), &fixtures);
    sidecar
        .wait_log_after(mark, |l| {
            l.contains("policy reload refused") && l.contains("file_change")
        })
        .await;
    assert_eq!(reloads(&sidecar, "failure").await, 1.0);
    assert_eq!(policies_doc(&sidecar).await, before);

    // The policy that goes with it, written by temp file + rename: applied.
    let mark = sidecar.log_mark();
    write_atomically(&policies.join("viewers-send.cedar"), VIEWERS_SEND);
    sidecar
        .wait_log_after(mark, |l| {
            l.contains("policies reloaded")
                && l.contains("file_change")
                && l.contains("changed=true")
        })
        .await;
    let after = policies_doc(&sidecar).await;
    assert_ne!(after["version"], before["version"]);
    assert!(ids(&after).contains(&"viewers-send".to_owned()));
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");

    // A syntax error written in place: refused, the set stays.
    let mark = sidecar.log_mark();
    std::fs::write(policies.join("broken.cedar"), BROKEN_SYNTAX).unwrap();
    sidecar
        .wait_log_after(mark, |l| {
            l.contains("policy reload refused") && l.contains("broken.cedar")
        })
        .await;
    let failures = reloads(&sidecar, "failure").await;
    assert!(failures >= 2.0);
    assert_eq!(policies_doc(&sidecar).await, after);
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");

    // Rewriting a file with the same content (a `touch`) reloads nothing.
    let mark = sidecar.log_mark();
    std::fs::write(policies.join("broken.cedar"), BROKEN_SYNTAX).unwrap();
    sidecar
        .wait_log_after(mark, |l| l.contains("policy files unchanged"))
        .await;
    assert_eq!(reloads(&sidecar, "failure").await, failures);
    assert_eq!(reloads(&sidecar, "success").await, 1.0);
}

/// A folder laid out like a Kubernetes ConfigMap volume: `..<version>/`
/// holds the files, `..data` links to the current version, and `policies`
/// and `schema` link through `..data`.
fn configmap_volume() -> TempDir {
    let volume = tempfile::tempdir().unwrap();
    let v1 = volume.path().join("..v1");
    let source = policy_copy();
    copy_dir(source.path(), &v1);
    std::os::unix::fs::symlink("..v1", volume.path().join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/policies", volume.path().join("policies")).unwrap();
    std::os::unix::fs::symlink("..data/schema", volume.path().join("schema")).unwrap();
    volume
}

/// Publishes `..<version>` the way the kubelet does: new folder, new link
/// `..data_tmp`, renamed over `..data`, old folder removed.
fn configmap_swap(volume: &Path, old: &str, new: &str) {
    let tmp = volume.join("..data_tmp");
    std::os::unix::fs::symlink(new, &tmp).unwrap();
    std::fs::rename(&tmp, volume.join("..data")).unwrap();
    std::fs::remove_dir_all(volume.join(old)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_follows_a_configmap_symlink_swap() {
    let mut sidecar = Sidecar::start_in(configmap_volume(), &[], &[]).await;
    let t = team(sidecar.addr, &[]).await;
    let volume = sidecar.dir.path().to_path_buf();
    assert_eq!(viewer_send(&sidecar, &t).await, "Deny");

    let v2 = volume.join("..v2");
    copy_dir(&volume.join("..v1"), &v2);
    allow_viewers_to_send(&v2.join("policies"));
    let mark = sidecar.log_mark();
    configmap_swap(&volume, "..v1", "..v2");
    sidecar
        .wait_log_after(mark, |l| {
            l.contains("policies reloaded") && l.contains("changed=true")
        })
        .await;
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");

    // The watch followed the swap: a change inside the new folder counts.
    let mark = sidecar.log_mark();
    std::fs::write(v2.join("policies/broken.cedar"), BROKEN_SYNTAX).unwrap();
    sidecar
        .wait_log_after(mark, |l| {
            l.contains("policy reload refused") && l.contains("broken.cedar")
        })
        .await;
    assert_eq!(viewer_send(&sidecar, &t).await, "Allow");
}
