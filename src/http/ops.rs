//! Health, readiness, metrics, and the policy endpoints.

use serde_json::{json, Value};

use super::accounts::time;
use super::error::ApiError;
use super::{json as json_resp, Resp};
use crate::app::AppState;
use crate::policy::PolicySnapshot;
use crate::reload::Trigger;

/// `GET /healthz`: 200 while the process runs.
pub fn healthz() -> Resp {
    json_resp(200, &json!({"status": "ok"}))
}

/// `GET /readyz`: 200 only when policies are loaded, the store answers and
/// shutdown has not started. A serving process always holds a validated
/// policy set (start-up exits without one; a refused reload keeps the
/// running set), so the policy part needs no check here.
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

fn policies_json(snapshot: &PolicySnapshot) -> Value {
    let policies: Vec<Value> = snapshot
        .policies()
        .iter()
        .map(|p| json!({"id": p.id, "effect": p.effect}))
        .collect();
    json!({"version": snapshot.version(), "policies": policies, "loaded_at": time(snapshot.loaded_at())})
}

/// `GET /v1/policies`.
pub fn policies(state: &AppState) -> Result<Resp, ApiError> {
    Ok(json_resp(200, &policies_json(&state.policies.snapshot())))
}

/// `POST /v1/policies/reload`: 200 with the new set, or 422 with the
/// validator's messages (the running set stays). Same path as SIGHUP and
/// file changes ([`crate::reload::Reloader::reload`]).
pub async fn reload(state: &AppState) -> Result<Resp, ApiError> {
    match state.reloader.reload(Trigger::Endpoint).await {
        Ok(snapshot) => Ok(json_resp(200, &policies_json(&snapshot))),
        Err(e) => Err(ApiError::InvalidPolicies(crate::reload::messages(&e))),
    }
}
