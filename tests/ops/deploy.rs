//! Deployment files: the Helm chart (`helm/trackly-authz/`) and the Grafana
//! dashboard (`dashboards/trackly-authz.json`). No `helm` binary is assumed
//! here, so these are text-level checks of what must hold: the chart's
//! copies of the policies, schema and dashboard are the repository's, every
//! setting of the binary reaches the container, the probes and the
//! shutdown timing are right; the dashboard shows what on-call needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::metrics::read_dashboard;
use crate::support::server::repo;

fn chart() -> PathBuf {
    repo().join("helm/trackly-authz")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// File name → content of the files in `dir` ending in `ext`.
fn files(dir: &Path, ext: &str) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(ext))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn chart_files_match_the_repository() {
    let copies = chart().join("files");
    let hint = "run helm/trackly-authz/sync-files.sh";
    for (repo_dir, chart_dir, ext) in [
        ("policies", "policies", ".cedar"),
        ("policies/tests", "policies/tests", ".json"),
        ("schema", "schema", ".cedarschema"),
        ("dashboards", "dashboards", ".json"),
    ] {
        let want = files(&repo().join(repo_dir), ext);
        assert!(!want.is_empty(), "no {ext} in {repo_dir}");
        let got = files(&copies.join(chart_dir), ext);
        let want_names: Vec<_> = want.keys().collect();
        let got_names: Vec<_> = got.keys().collect();
        assert_eq!(
            got_names, want_names,
            "files/{chart_dir} differs from {repo_dir}: {hint}"
        );
        for (name, bytes) in &want {
            assert!(
                got.get(name) == Some(bytes),
                "files/{chart_dir}/{name} differs from {repo_dir}/{name}: {hint}"
            );
        }
    }
}

/// The value of `key: value` at the start of a (trimmed) line of a YAML
/// file, the first one found.
fn yaml_value(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .map(|v| {
            v.split('#')
                .next()
                .unwrap()
                .trim()
                .trim_matches('"')
                .to_owned()
        })
        .unwrap_or_else(|| panic!("no `{key}:` in\n{text}"))
}

#[test]
fn chart_metadata_follows_the_crate() {
    let chart_yaml = read(&chart().join("Chart.yaml"));
    assert_eq!(yaml_value(&chart_yaml, "apiVersion"), "v2");
    assert_eq!(yaml_value(&chart_yaml, "name"), "trackly-authz");
    assert_eq!(
        yaml_value(&chart_yaml, "appVersion"),
        env!("CARGO_PKG_VERSION"),
        "Chart.yaml appVersion (the default image tag) must be the crate's version"
    );
    assert!(!yaml_value(&chart_yaml, "version").is_empty());
}

#[test]
fn values_are_production_defaults() {
    let values = read(&chart().join("values.yaml"));
    let replicas: u32 = yaml_value(&values, "replicaCount").parse().unwrap();
    assert!(replicas >= 2, "replicaCount {replicas}: run at least 2");
    assert_eq!(yaml_value(&values, "logFormat"), "json");
    let number = |key: &str| -> u64 { yaml_value(&values, key).parse().unwrap() };
    assert_eq!(
        number("shutdownGraceSecs"),
        trackly_authz::config::DEFAULT_SHUTDOWN_GRACE_SECS
    );
    assert_eq!(
        number("inviteLimit"),
        u64::from(trackly_authz::config::DEFAULT_INVITE_LIMIT)
    );
    assert_eq!(
        number("invitationTtlSecs"),
        trackly_authz::config::DEFAULT_INVITATION_TTL_SECS
    );
    assert_eq!(
        number("auditRetentionSecs"),
        trackly_authz::config::DEFAULT_AUDIT_RETENTION_SECS
    );
    assert_eq!(
        number("inviteWindowSecs"),
        trackly_authz::config::DEFAULT_INVITE_WINDOW_SECS
    );
    assert!(
        number("terminationGracePeriodSeconds")
            > number("sleepSeconds") + number("shutdownGraceSecs"),
        "terminationGracePeriodSeconds must exceed preStop sleep + shutdown grace"
    );
    // The service token only ever comes from a Secret.
    assert!(values.contains("existingSecret"));
}

/// Every `TRACKLY_AUTHZ_*` variable the binary reads (from `src/config.rs`).
fn config_env_vars() -> Vec<String> {
    let config = read(&repo().join("src/config.rs"));
    let mut vars: Vec<String> = config
        .split("env = \"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    vars.sort();
    vars.dedup();
    vars
}

#[test]
fn deployment_passes_every_setting_and_wires_probes_and_shutdown() {
    let deployment = read(&chart().join("templates/deployment.yaml"));
    let vars = config_env_vars();
    assert!(vars.len() >= 11, "SPEC §2 has 11 settings, found {vars:?}");
    for var in &vars {
        assert!(
            deployment.contains(&format!("name: {var}")),
            "the Deployment does not set {var}"
        );
    }
    for needle in [
        "livenessProbe:",
        "path: /healthz",
        "readinessProbe:",
        "path: /readyz",
        "preStop:",
        "terminationGracePeriodSeconds:",
        "prometheus.io/scrape: \"true\"",
        "prometheus.io/path: /metrics",
        "secretKeyRef:",
        "configMap:",
        "path: policies/tests/",
        "path: schema/trackly.cedarschema",
    ] {
        assert!(
            deployment.contains(needle),
            "deployment.yaml lacks `{needle}`"
        );
    }
    // The chart refuses a grace period that cuts the drain short.
    let helpers = read(&chart().join("templates/_helpers.tpl"));
    assert!(helpers.contains("terminationGracePeriodSeconds") && helpers.contains("fail"));
}

#[test]
fn chart_has_every_object() {
    let templates = chart().join("templates");
    for (file, needles) in [
        ("service.yaml", &["kind: Service"][..]),
        ("pdb.yaml", &["kind: PodDisruptionBudget"][..]),
        (
            "servicemonitor.yaml",
            &["kind: ServiceMonitor", "path: /metrics"][..],
        ),
        (
            "dashboard.yaml",
            &[
                "kind: ConfigMap",
                ".Values.dashboard.labels",
                "files/dashboards/trackly-authz.json",
            ][..],
        ),
        (
            "configmap-policies.yaml",
            &[
                "files/policies/*.cedar",
                "files/policies/tests/*.json",
                "files/schema/trackly.cedarschema",
            ][..],
        ),
    ] {
        let text = read(&templates.join(file));
        for needle in needles {
            assert!(text.contains(needle), "{file} lacks `{needle}`");
        }
    }
    assert!(read(&chart().join("values.yaml")).contains("grafana_dashboard: \"1\""));
}

#[test]
fn dashboard_shows_what_on_call_needs() {
    let dashboard = read_dashboard(&repo().join("dashboards/trackly-authz.json"));
    let text = dashboard.to_string();
    for (what, needle) in [
        (
            "decision rate by decision",
            "sum by (decision) (rate(trackly_authz_decisions_total",
        ),
        (
            "decision latency",
            "trackly_authz_decision_duration_seconds_bucket",
        ),
        (
            "HTTP latency",
            "trackly_authz_http_request_duration_seconds_bucket",
        ),
        ("p50", "histogram_quantile(0.5,"),
        ("p95", "histogram_quantile(0.95,"),
        ("p99", "histogram_quantile(0.99,"),
        ("errors by status class", "status=~\\\"5..\\\""),
        ("rate-limit rejections", "trackly_authz_rate_limited_total"),
        ("store errors", "trackly_authz_store_errors_total"),
        (
            "store latency",
            "trackly_authz_store_operation_duration_seconds_bucket",
        ),
        (
            "reloads by result",
            "sum by (result) (increase(trackly_authz_policy_reloads_total",
        ),
        (
            "policy age",
            "time() - max(trackly_authz_policy_loaded_timestamp_seconds",
        ),
    ] {
        assert!(
            text.contains(needle),
            "the dashboard lacks {what} (`{needle}`)"
        );
    }
    assert_eq!(dashboard["uid"], "trackly-authz");
    assert!(dashboard["panels"].as_array().unwrap().len() >= 10);
}
