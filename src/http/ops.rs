//! Health, readiness, metrics, and the policy endpoints.

use serde_json::{json, Value};

use super::accounts::time;
use super::error::ApiError;
use super::{json as json_resp, Resp};
use crate::app::AppState;

/// `GET /healthz`: 200 while the process runs.
pub fn healthz() -> Resp {
    json_resp(200, &json!({"status": "ok"}))
}

/// `GET /readyz`: 200 only when policies are loaded, the store answers and
/// shutdown has not started.
pub async fn readyz(state: &AppState) -> Resp {
    if state.is_shutting_down() {
        return json_resp(503, &json!({"status": "shutting_down"}));
    }
    match state.store.ping().await {
        Ok(()) => json_resp(
            200,
            &json!({"status": "ready", "policies": state.policies.snapshot().version()}),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: store unavailable");
            json_resp(503, &json!({"status": "store_unavailable"}))
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub fn metrics(state: &AppState) -> Resp {
    let mut resp = super::empty(200);
    *resp.body_mut() = http_body_util::Full::new(bytes::Bytes::from(state.metrics.render()));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

fn policies_json(state: &AppState) -> Value {
    let snapshot = state.policies.snapshot();
    let policies: Vec<Value> = snapshot
        .policies()
        .iter()
        .map(|p| json!({"id": p.id, "effect": p.effect}))
        .collect();
    json!({"version": snapshot.version(), "policies": policies, "loaded_at": time(snapshot.loaded_at())})
}

/// `GET /v1/policies`.
pub fn policies(state: &AppState) -> Result<Resp, ApiError> {
    Ok(json_resp(200, &policies_json(state)))
}

/// `POST /v1/policies/reload`: 200 with the new set, or 422 with the
/// validator's messages (the running set stays).
pub fn reload(state: &AppState) -> Result<Resp, ApiError> {
    match state.policies.reload() {
        Ok(_) => {
            state.metrics.policy_reload(true);
            tracing::info!(
                version = state.policies.snapshot().version(),
                "policies reloaded (endpoint)"
            );
            Ok(json_resp(200, &policies_json(state)))
        }
        Err(e) => {
            state.metrics.policy_reload(false);
            tracing::warn!(error = %e, "policy reload refused; the running set stays");
            let messages = match e {
                crate::policy::PolicyError::Invalid { messages } => messages,
                crate::policy::PolicyError::Fixtures { failures } => failures,
                other => vec![other.to_string()],
            };
            Err(ApiError::InvalidPolicies(messages))
        }
    }
}
