//! Prometheus metrics: one registry, every metric with help text, label
//! values bounded (route templates, schema action names, store operation
//! names, fixed outcomes; never ids or raw paths).
//!
//! # Layout
//!
//! - this file: the [`Metrics`] handle, the SPEC's families (decisions,
//!   HTTP, reloads) and the policy-set gauges;
//! - [`store`]: what the store decorator
//!   ([`crate::store::instrumented::InstrumentedStore`]) records: latency
//!   by operation, errors, invitation events, rate-limit refusals, pool use.
//!
//! Families with labels are pre-filled with their known label values at 0
//! (decisions per schema action, reload results, invitation events, the
//! invitation limit), so every family the SPEC lists is in `/metrics` from
//! the first scrape and `rate()` has a baseline.

pub mod store;

use prometheus::core::Collector;
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

use crate::policy::PolicySnapshot;

pub use store::InvitationEvent;

/// Buckets for decision latency: a decision is micro- to milliseconds.
const DECISION_BUCKETS: &[f64] = &[
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
];

/// Buckets for HTTP latency (include store round trips).
const HTTP_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Results of a policy reload (the `result` label).
const RELOAD_RESULTS: [&str; 2] = ["success", "failure"];

/// The `decision` label values.
const DECISIONS: [&str; 2] = ["Allow", "Deny"];

/// The sidecar's metrics. Cheap to clone (every metric is a shared handle).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    decisions_total: IntCounterVec,
    decision_duration: Histogram,
    http_requests_total: IntCounterVec,
    http_request_duration: HistogramVec,
    policy_reloads_total: IntCounterVec,
    policy_info: IntGaugeVec,
    policy_loaded_timestamp: Gauge,
    policies_loaded: IntGauge,
    store: store::StoreMetrics,
}

/// Unwraps a metric definition. Definitions are static; a failure here is a
/// programming error caught by the unit tests, not something input can
/// trigger.
pub(crate) fn must<T>(result: prometheus::Result<T>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("invalid metric definition: {e}"),
    }
}

/// Registers one collector (see [`must`]).
pub(crate) fn register(registry: &Registry, collector: &(impl Collector + Clone + 'static)) {
    must(registry.register(Box::new(collector.clone())));
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = must(IntCounterVec::new(Opts::new(name, help), labels));
    register(registry, &c);
    c
}

fn gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = must(IntGaugeVec::new(Opts::new(name, help), labels));
    register(registry, &g);
    g
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let decisions_total = counter_vec(
            &registry,
            "trackly_authz_decisions_total",
            "Authorization decisions by action and decision.",
            &["action", "decision"],
        );
        let decision_duration = must(Histogram::with_opts(
            HistogramOpts::new(
                "trackly_authz_decision_duration_seconds",
                "Time to evaluate one decision against the policy set (excludes the store lookup).",
            )
            .buckets(DECISION_BUCKETS.to_vec()),
        ));
        register(&registry, &decision_duration);
        let http_requests_total = counter_vec(
            &registry,
            "trackly_authz_http_requests_total",
            "HTTP requests by route template and status.",
            &["route", "status"],
        );
        let http_request_duration = must(HistogramVec::new(
            HistogramOpts::new(
                "trackly_authz_http_request_duration_seconds",
                "HTTP request latency by route template.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["route"],
        ));
        register(&registry, &http_request_duration);
        let policy_reloads_total = counter_vec(
            &registry,
            "trackly_authz_policy_reloads_total",
            "Policy reloads by result (success, failure); a failed reload keeps the running set.",
            &["result"],
        );
        for result in RELOAD_RESULTS {
            policy_reloads_total.with_label_values(&[result]);
        }
        let policy_info = gauge_vec(
            &registry,
            "trackly_authz_policy_info",
            "The running policy set: always 1, labelled with its version (sha256 of schema and policies).",
            &["version"],
        );
        let policy_loaded_timestamp = must(Gauge::new(
            "trackly_authz_policy_loaded_timestamp_seconds",
            "Unix time the running policy set was loaded (its age is time() minus this).",
        ));
        register(&registry, &policy_loaded_timestamp);
        let policies_loaded = must(IntGauge::new(
            "trackly_authz_policies_loaded",
            "Number of policies in the running set.",
        ));
        register(&registry, &policies_loaded);
        let build_info = gauge_vec(
            &registry,
            "trackly_authz_build_info",
            "Build of the running binary: always 1, labelled with the crate version.",
            &["version"],
        );
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        let store = store::StoreMetrics::new(&registry);
        Metrics {
            registry,
            decisions_total,
            decision_duration,
            http_requests_total,
            http_request_duration,
            policy_reloads_total,
            policy_info,
            policy_loaded_timestamp,
            policies_loaded,
            store,
        }
    }

    /// Counts a decision; `action` must be a schema action name.
    pub fn observe_decision(&self, action: &str, allowed: bool, seconds: f64) {
        let decision = if allowed { "Allow" } else { "Deny" };
        self.decisions_total
            .with_label_values(&[action, decision])
            .inc();
        self.decision_duration.observe(seconds);
    }

    /// Counts an HTTP request; `route` must be a route template.
    pub fn observe_http(&self, route: &str, status: u16, seconds: f64) {
        self.http_requests_total
            .with_label_values(&[route, status_label(status)])
            .inc();
        self.http_request_duration
            .with_label_values(&[route])
            .observe(seconds);
    }

    /// Counts a policy reload.
    pub fn policy_reload(&self, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        self.policy_reloads_total.with_label_values(&[result]).inc();
    }

    /// Records the policy set now in force (at start and after each
    /// successful reload): its version, load time and size, and a zero
    /// decision series per schema action so `rate()` has a baseline.
    pub fn policy_set(&self, snapshot: &PolicySnapshot) {
        // One series only: the old version's series goes away.
        self.policy_info.reset();
        self.policy_info
            .with_label_values(&[snapshot.version()])
            .set(1);
        let loaded_at = snapshot.loaded_at();
        self.policy_loaded_timestamp.set(
            loaded_at.timestamp() as f64 + f64::from(loaded_at.timestamp_subsec_millis()) / 1000.0,
        );
        self.policies_loaded
            .set(i64::try_from(snapshot.policies().len()).unwrap_or(i64::MAX));
        for action in snapshot.actions() {
            for decision in DECISIONS {
                self.decisions_total
                    .with_label_values(&[action.as_str(), decision]);
            }
        }
    }

    /// What the store decorator records.
    pub fn store(&self) -> &store::StoreMetrics {
        &self.store
    }

    /// The registry (for extra collectors).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Static strings for the status label, so no allocation per request.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        204 => "204",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        410 => "410",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(name, type)` of every family the SPEC lists.
    const SPEC_FAMILIES: &[(&str, &str)] = &[
        ("trackly_authz_decisions_total", "counter"),
        ("trackly_authz_decision_duration_seconds", "histogram"),
        ("trackly_authz_http_requests_total", "counter"),
        ("trackly_authz_http_request_duration_seconds", "histogram"),
        ("trackly_authz_store_errors_total", "counter"),
        ("trackly_authz_rate_limited_total", "counter"),
        ("trackly_authz_policy_reloads_total", "counter"),
    ];

    #[test]
    fn spec_families_without_traffic_except_per_request_ones() {
        // Before any request: everything but the per-request families (and
        // decisions, which need a loaded policy set to know the actions).
        let text = Metrics::new().render();
        for (name, kind) in SPEC_FAMILIES {
            let per_request = name.contains("http_") || *name == "trackly_authz_decisions_total";
            assert_eq!(
                text.contains(&format!("# TYPE {name} {kind}")),
                !per_request,
                "{name} in\n{text}"
            );
        }
        assert!(text.contains(r#"trackly_authz_policy_reloads_total{result="failure"} 0"#));
        assert!(text.contains(r#"trackly_authz_rate_limited_total{limit="invite"} 0"#));
        assert!(text.contains(r#"trackly_authz_invitations_total{event="accepted"} 0"#));
        assert!(text.contains("trackly_authz_build_info{version="));
    }

    #[test]
    fn every_family_is_exposed_after_use() {
        let m = Metrics::new();
        m.observe_decision("SendCampaign", true, 0.0001);
        m.observe_http("/v1/is_authorized", 200, 0.001);
        m.policy_reload(false);
        let text = m.render();
        for (name, kind) in SPEC_FAMILIES {
            assert!(
                text.contains(&format!("# TYPE {name} {kind}")),
                "{name} missing from\n{text}"
            );
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "{name} has no help"
            );
        }
        assert!(text.contains(
            r#"trackly_authz_http_requests_total{route="/v1/is_authorized",status="200"} 1"#
        ));
        assert!(text.contains(r#"trackly_authz_policy_reloads_total{result="failure"} 1"#));
    }

    #[test]
    fn policy_set_keeps_one_info_series_and_prefills_decisions() {
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let engine = crate::policy::PolicyEngine::load(
            &repo.join("policies"),
            &repo.join("schema/trackly.cedarschema"),
        )
        .unwrap();
        let m = Metrics::new();
        let snapshot = engine.snapshot();
        m.policy_set(&snapshot);
        m.policy_set(&snapshot);
        let text = m.render();
        assert_eq!(text.matches("trackly_authz_policy_info{").count(), 1);
        assert!(text.contains(&format!(
            "trackly_authz_policy_info{{version=\"{}\"}} 1",
            snapshot.version()
        )));
        assert!(text.contains(&format!(
            "trackly_authz_policies_loaded {}",
            snapshot.policies().len()
        )));
        for action in snapshot.actions() {
            assert!(text.contains(&format!(
                "trackly_authz_decisions_total{{action=\"{action}\",decision=\"Deny\"}} 0"
            )));
        }
        let ts = text
            .lines()
            .find_map(|l| l.strip_prefix("trackly_authz_policy_loaded_timestamp_seconds "))
            .unwrap();
        let ts: f64 = ts.parse().unwrap();
        assert!((ts - snapshot.loaded_at().timestamp() as f64).abs() < 1.0);
    }
}
