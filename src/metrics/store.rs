//! Store metrics, recorded by the store decorator
//! ([`crate::store::instrumented::InstrumentedStore`]): latency by operation,
//! errors (the store unreachable), invitation events and rate-limit
//! refusals.

use prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec};

use super::{counter_vec, must, register};
use crate::app::INVITE_LIMIT_NAME;

/// Buckets for one store operation: microseconds in memory, a Redis round
/// trip (or a Lua script) in the sub-millisecond to millisecond range.
const STORE_BUCKETS: &[f64] = &[
    0.000_01, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0,
];

/// A change in an invitation's life (the `event` label of
/// `trackly_authz_invitations_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationEvent {
    /// A new invitation.
    Created,
    /// A resend (new token and TTL).
    Resent,
    /// A revocation.
    Revoked,
    /// An accept (a new member).
    Accepted,
}

impl InvitationEvent {
    /// Every event, for pre-filling the series.
    pub const ALL: [InvitationEvent; 4] = [
        InvitationEvent::Created,
        InvitationEvent::Resent,
        InvitationEvent::Revoked,
        InvitationEvent::Accepted,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationEvent::Created => "created",
            InvitationEvent::Resent => "resent",
            InvitationEvent::Revoked => "revoked",
            InvitationEvent::Accepted => "accepted",
        }
    }
}

/// The store's metric families.
#[derive(Clone)]
pub struct StoreMetrics {
    operation_duration: HistogramVec,
    errors_total: IntCounter,
    invitations_total: IntCounterVec,
    rate_limited_total: IntCounterVec,
}

impl StoreMetrics {
    /// Creates the families in `registry`.
    pub(super) fn new(registry: &prometheus::Registry) -> StoreMetrics {
        let operation_duration = must(HistogramVec::new(
            HistogramOpts::new(
                "trackly_authz_store_operation_duration_seconds",
                "Latency of store operations by operation (the Store method), failures included.",
            )
            .buckets(STORE_BUCKETS.to_vec()),
            &["op"],
        ));
        register(registry, &operation_duration);
        let errors_total = must(IntCounter::new(
            "trackly_authz_store_errors_total",
            "Store operations that failed because the store was unavailable.",
        ));
        register(registry, &errors_total);
        let invitations_total = counter_vec(
            registry,
            "trackly_authz_invitations_total",
            "Invitation changes that succeeded, by event (created, resent, revoked, accepted).",
            &["event"],
        );
        for event in InvitationEvent::ALL {
            invitations_total.with_label_values(&[event.as_str()]);
        }
        let rate_limited_total = counter_vec(
            registry,
            "trackly_authz_rate_limited_total",
            "Requests refused by a rate limit, by limit name.",
            &["limit"],
        );
        rate_limited_total.with_label_values(&[INVITE_LIMIT_NAME]);
        StoreMetrics {
            operation_duration,
            errors_total,
            invitations_total,
            rate_limited_total,
        }
    }

    /// The latency histogram of one operation; resolve once and keep it, so
    /// the hot path does no label lookup.
    pub fn operation(&self, op: &'static str) -> Histogram {
        self.operation_duration.with_label_values(&[op])
    }

    /// Counts a failure of the store itself (not a domain refusal).
    pub fn error(&self) {
        self.errors_total.inc();
    }

    /// Counts an invitation change that succeeded.
    pub fn invitation(&self, event: InvitationEvent) {
        self.invitations_total
            .with_label_values(&[event.as_str()])
            .inc();
    }

    /// Counts a request refused by the named limit.
    pub fn rate_limited(&self, limit: &'static str) {
        self.rate_limited_total.with_label_values(&[limit]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::super::Metrics;
    use super::*;

    #[test]
    fn store_families_render() {
        let m = Metrics::new();
        let s = m.store();
        s.operation("member_roles").observe(0.0002);
        s.error();
        s.invitation(InvitationEvent::Created);
        s.rate_limited(INVITE_LIMIT_NAME);
        let text = m.render();
        for line in [
            r#"trackly_authz_store_operation_duration_seconds_count{op="member_roles"} 1"#,
            "trackly_authz_store_errors_total 1",
            r#"trackly_authz_invitations_total{event="created"} 1"#,
            r#"trackly_authz_invitations_total{event="resent"} 0"#,
            r#"trackly_authz_rate_limited_total{limit="invite"} 1"#,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
