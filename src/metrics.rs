//! Prometheus metrics: one registry, every metric with help text, label
//! values bounded (route templates, schema action names, fixed outcomes;
//! never ids or raw paths).

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
    TextEncoder,
};

/// Buckets for decision latency: a decision is micro- to milliseconds.
const DECISION_BUCKETS: &[f64] = &[
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
];

/// Buckets for HTTP latency (include store round trips).
const HTTP_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The sidecar's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    decisions_total: IntCounterVec,
    decision_duration: Histogram,
    http_requests_total: IntCounterVec,
    http_request_duration: HistogramVec,
    store_errors_total: IntCounter,
    rate_limited_total: IntCounterVec,
    policy_reloads_total: IntCounterVec,
}

fn must<T>(result: prometheus::Result<T>) -> T {
    // Metric definitions are static; a failure here is a programming error
    // caught by the unit test below, not something input can trigger.
    match result {
        Ok(v) => v,
        Err(e) => panic!("invalid metric definition: {e}"),
    }
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let decisions_total = must(IntCounterVec::new(
            Opts::new(
                "trackly_authz_decisions_total",
                "Authorization decisions by action and decision.",
            ),
            &["action", "decision"],
        ));
        let decision_duration = must(Histogram::with_opts(
            HistogramOpts::new(
                "trackly_authz_decision_duration_seconds",
                "Time to evaluate one decision against the policy set (excludes the store lookup).",
            )
            .buckets(DECISION_BUCKETS.to_vec()),
        ));
        let http_requests_total = must(IntCounterVec::new(
            Opts::new(
                "trackly_authz_http_requests_total",
                "HTTP requests by route template and status.",
            ),
            &["route", "status"],
        ));
        let http_request_duration = must(HistogramVec::new(
            HistogramOpts::new(
                "trackly_authz_http_request_duration_seconds",
                "HTTP request latency by route template.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["route"],
        ));
        let store_errors_total = must(IntCounter::new(
            "trackly_authz_store_errors_total",
            "Store operations that failed because the store was unavailable.",
        ));
        let rate_limited_total = must(IntCounterVec::new(
            Opts::new(
                "trackly_authz_rate_limited_total",
                "Requests refused by a rate limit, by limit name.",
            ),
            &["limit"],
        ));
        let policy_reloads_total = must(IntCounterVec::new(
            Opts::new(
                "trackly_authz_policy_reloads_total",
                "Policy reloads by result (success, failure).",
            ),
            &["result"],
        ));
        for collector in [
            Box::new(decisions_total.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(decision_duration.clone()),
            Box::new(http_requests_total.clone()),
            Box::new(http_request_duration.clone()),
            Box::new(store_errors_total.clone()),
            Box::new(rate_limited_total.clone()),
            Box::new(policy_reloads_total.clone()),
        ] {
            must(registry.register(collector));
        }
        Metrics {
            registry,
            decisions_total,
            decision_duration,
            http_requests_total,
            http_request_duration,
            store_errors_total,
            rate_limited_total,
            policy_reloads_total,
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

    /// Counts a store failure.
    pub fn store_error(&self) {
        self.store_errors_total.inc();
    }

    /// Counts a request refused by the named limit.
    pub fn rate_limited(&self, limit: &'static str) {
        self.rate_limited_total.with_label_values(&[limit]).inc();
    }

    /// Counts a policy reload.
    pub fn policy_reload(&self, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        self.policy_reloads_total.with_label_values(&[result]).inc();
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

    #[test]
    fn every_family_is_exposed_after_use() {
        let m = Metrics::new();
        m.observe_decision("SendCampaign", true, 0.0001);
        m.observe_http("/v1/is_authorized", 200, 0.001);
        m.store_error();
        m.rate_limited("invite");
        m.policy_reload(false);
        let text = m.render();
        for name in [
            "trackly_authz_decisions_total",
            "trackly_authz_decision_duration_seconds_bucket",
            "trackly_authz_http_requests_total",
            "trackly_authz_http_request_duration_seconds_bucket",
            "trackly_authz_store_errors_total",
            "trackly_authz_rate_limited_total",
            "trackly_authz_policy_reloads_total",
        ] {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
    }
}
