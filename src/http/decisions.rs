//! Decisions: `POST /v1/is_authorized`, its batch form, forward-auth
//! (`/v1/authorize`) and the permissions of a user for page loads.

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::Request;
use serde_json::{json, Map, Value};

use super::body;
use super::error::ApiError;
use super::{json as json_resp, Resp};
use crate::app::AppState;
use crate::authz::{DecisionRequest, Outcome, PrincipalRef, ResourceRef};
use crate::policy::Decision;
use crate::team::ids::check_id;

/// The most requests one batch may hold.
pub const MAX_BATCH: usize = 100;

/// The longest API key secret accepted as input.
const MAX_SECRET_LEN: usize = 512;

/// `POST /v1/is_authorized`.
pub async fn is_authorized(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let value: Value = body::json(req).await?;
    let request = parse_request(&value)?;
    let outcome = state.authz.decide(&request).await?;
    log_decision(&request, &outcome);
    Ok(json_resp(200, &decision_json(&outcome.decision)))
}

/// `POST /v1/is_authorized/batch`: per-item errors, whole-batch 503.
pub async fn batch(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let value: Value = body::json(req).await?;
    let items = value
        .as_object()
        .and_then(|o| o.get("requests"))
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::InvalidRequest("`requests` must be an array".into()))?;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::InvalidRequest(format!(
            "`requests` must hold 1 to {MAX_BATCH} items, got {}",
            items.len()
        )));
    }
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let result = match parse_request(item) {
            Err(e) => item_error(&e),
            Ok(request) => match state.authz.decide(&request).await {
                Ok(outcome) => {
                    log_decision(&request, &outcome);
                    decision_json(&outcome.decision)
                }
                Err(e) => {
                    let e = ApiError::from(e);
                    // The store being down is no per-item matter: never guess.
                    if e.status() >= 500 {
                        return Err(e);
                    }
                    item_error(&e)
                }
            },
        };
        results.push(result);
    }
    Ok(json_resp(200, &json!({ "results": results })))
}

fn item_error(e: &ApiError) -> Value {
    json!({"decision": "Deny", "error": {"code": e.code(), "message": e.message()}})
}

/// `ANY /v1/authorize`: forward-auth for gateways. 200 allow (with
/// `X-Trackly-Role`), 403 deny, 401 unknown key or unlinked Discord user,
/// 400 missing or bad header.
pub async fn forward_auth(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let request = forward_auth_request(&req)?;
    let outcome = state.authz.decide(&request).await?;
    log_decision(&request, &outcome);
    if !outcome.principal_known {
        return Err(ApiError::Unauthenticated(match request.principal {
            PrincipalRef::DiscordUser(_) => "Unknown or unlinked Discord user.".into(),
            _ => "Unknown or deleted API key.".into(),
        }));
    }
    if !outcome.decision.allowed {
        return Err(ApiError::Forbidden(outcome.decision.message));
    }
    let mut resp = json_resp(200, &decision_json(&outcome.decision));
    if let Some(role) = outcome.role {
        resp.headers_mut()
            .insert("x-trackly-role", HeaderValue::from_static(role.as_str()));
    }
    Ok(resp)
}

/// `GET /v1/accounts/{account}/permissions`.
pub async fn permissions(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let (role, actions) = state.authz.permissions(account, &user).await?;
    Ok(json_resp(
        200,
        &json!({"account": account, "user": user, "role": role.as_str(), "actions": actions}),
    ))
}

/// The SPEC's decision body.
pub fn decision_json(d: &Decision) -> Value {
    let mut out = json!({
        "decision": if d.allowed { "Allow" } else { "Deny" },
        "reasons": d.reasons,
        "errors": d.errors,
    });
    if let Some(message) = &d.message {
        out["message"] = json!(message);
    }
    out
}

fn log_decision(req: &DecisionRequest, outcome: &Outcome) {
    tracing::debug!(
        principal = ?req.principal,
        account = %req.account,
        action = %req.action,
        decision = if outcome.decision.allowed { "Allow" } else { "Deny" },
        reasons = ?outcome.decision.reasons,
        "decision"
    );
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::InvalidRequest(msg.into())
}

fn string_field<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(invalid(format!("missing field `{field}`"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(format!("`{field}` must be a string"))),
    }
}

/// Parses one decision request object.
pub fn parse_request(value: &Value) -> Result<DecisionRequest, ApiError> {
    let obj = value
        .as_object()
        .ok_or_else(|| invalid("a decision request must be a JSON object"))?;
    let principal = parse_principal(obj.get("principal"))?;
    let account = string_field(obj, "account")?;
    check_id("account", account)?;
    let action = string_field(obj, "action")?;
    if action.is_empty() {
        return Err(invalid("`action` must not be empty"));
    }
    let resource = match obj.get("resource") {
        None | Some(Value::Null) => None,
        Some(Value::Object(r)) => {
            let kind = string_field(r, "type")?;
            let id = string_field(r, "id")?;
            check_id("resource.id", id)?;
            Some(ResourceRef {
                kind: kind.to_owned(),
                id: id.to_owned(),
            })
        }
        Some(_) => return Err(invalid("`resource` must be an object {\"type\", \"id\"}")),
    };
    let context = match obj.get("context") {
        None | Some(Value::Null) => None,
        Some(c @ Value::Object(_)) => Some(c.clone()),
        Some(_) => return Err(invalid("`context` must be a JSON object")),
    };
    Ok(DecisionRequest {
        principal,
        account: account.to_owned(),
        action: action.to_owned(),
        resource,
        context,
    })
}

fn parse_principal(value: Option<&Value>) -> Result<PrincipalRef, ApiError> {
    let shape = "`principal` must be exactly one of {\"user\": ID}, {\"api_key\": SECRET}, {\"discord_user\": ID}";
    let obj = match value {
        None | Some(Value::Null) => return Err(invalid("missing field `principal`")),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(invalid(shape)),
    };
    if obj.len() != 1 {
        return Err(invalid(shape));
    }
    let (kind, id) = obj.iter().next().ok_or_else(|| invalid(shape))?;
    let id = id.as_str().ok_or_else(|| invalid(shape))?;
    match kind.as_str() {
        "user" => {
            check_id("principal.user", id)?;
            Ok(PrincipalRef::User(id.to_owned()))
        }
        "discord_user" => {
            check_id("principal.discord_user", id)?;
            Ok(PrincipalRef::DiscordUser(id.to_owned()))
        }
        "api_key" => {
            if id.is_empty() || id.len() > MAX_SECRET_LEN {
                return Err(invalid(
                    "`principal.api_key` must be a non-empty API key secret",
                ));
            }
            Ok(PrincipalRef::ApiKey(id.to_owned()))
        }
        _ => Err(invalid(shape)),
    }
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Result<Option<&'a str>, ApiError> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => {
            let s = v
                .to_str()
                .map_err(|_| invalid(format!("header {name} must be ASCII")))?
                .trim();
            if s.is_empty() {
                Err(invalid(format!("header {name} is empty")))
            } else {
                Ok(Some(s))
            }
        }
    }
}

fn forward_auth_request(req: &Request<Incoming>) -> Result<DecisionRequest, ApiError> {
    let account = header(req, "x-trackly-account")?
        .ok_or_else(|| invalid("missing header X-Trackly-Account"))?;
    check_id("X-Trackly-Account", account)?;
    let action = header(req, "x-trackly-action")?
        .ok_or_else(|| invalid("missing header X-Trackly-Action"))?;
    let user = header(req, "x-trackly-user")?;
    let key = header(req, "x-trackly-api-key")?;
    let discord = header(req, "x-trackly-discord-user")?;
    let principal = match (user, key, discord) {
        (Some(u), None, None) => {
            check_id("X-Trackly-User", u)?;
            PrincipalRef::User(u.to_owned())
        }
        (None, Some(k), None) if k.len() <= MAX_SECRET_LEN => PrincipalRef::ApiKey(k.to_owned()),
        (None, None, Some(d)) => {
            check_id("X-Trackly-Discord-User", d)?;
            PrincipalRef::DiscordUser(d.to_owned())
        }
        (None, None, None) => {
            return Err(invalid(
                "missing principal header: X-Trackly-User or X-Trackly-Api-Key",
            ))
        }
        _ => {
            return Err(invalid(
                "give exactly one principal header: X-Trackly-User or X-Trackly-Api-Key",
            ))
        }
    };
    let resource = match header(req, "x-trackly-resource")? {
        None => None,
        Some(r) => {
            let (kind, id) = r
                .split_once('/')
                .filter(|(k, i)| !k.is_empty() && !i.is_empty())
                .ok_or_else(|| invalid("X-Trackly-Resource must be <Type>/<id>"))?;
            check_id("X-Trackly-Resource id", id)?;
            Some(ResourceRef {
                kind: kind.to_owned(),
                id: id.to_owned(),
            })
        }
    };
    Ok(DecisionRequest {
        principal,
        account: account.to_owned(),
        action: action.to_owned(),
        resource,
        context: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(v: Value) -> u16 {
        parse_request(&v).unwrap_err().status()
    }

    #[test]
    fn parses_the_spec_example() {
        let r = parse_request(&json!({"principal": {"user": "u_alice"}, "account": "acct_1",
            "action": "SendCampaign", "resource": {"type": "Campaign", "id": "c_42"}, "context": {}}))
        .unwrap();
        assert_eq!(r.principal, PrincipalRef::User("u_alice".into()));
        assert_eq!(r.resource.unwrap().kind, "Campaign");
    }

    #[test]
    fn refuses_bad_shapes() {
        assert_eq!(err(json!([])), 400);
        assert_eq!(err(json!({"account": "a", "action": "X"})), 400);
        assert_eq!(
            err(json!({"principal": {"user": "u", "api_key": "k"}, "account": "a", "action": "X"})),
            400
        );
        assert_eq!(
            err(json!({"principal": {"group": "g"}, "account": "a", "action": "X"})),
            400
        );
        assert_eq!(
            err(json!({"principal": {"user": 5}, "account": "a", "action": "X"})),
            400
        );
        assert_eq!(
            err(json!({"principal": {"user": "u"}, "account": "a"})),
            400
        );
        assert_eq!(
            err(json!({"principal": {"user": "u"}, "account": "a", "action": "X", "context": 1})),
            400
        );
        assert_eq!(
            err(
                json!({"principal": {"user": "u"}, "account": "a", "action": "X", "resource": {"type": "Campaign"}})
            ),
            400
        );
    }
}
