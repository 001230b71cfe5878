//! The team activity log (`ViewActivity`) and login recording.

use hyper::body::Incoming;
use hyper::Request;
use serde::Deserialize;
use serde_json::{json, Value};

use super::accounts::time;
use super::body;
use super::error::ApiError;
use super::{empty, json as json_resp, Resp};
use crate::app::AppState;
use crate::authz::Target;
use crate::store::ActivityQuery;
use crate::team::{ActivityEvent, EventAction, EventCursor};

/// Default page size.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size.
pub const MAX_LIMIT: usize = 200;
/// Longest `ip` / `user_agent` kept from a login body.
const MAX_LOGIN_FIELD: usize = 512;

/// The event object of the API.
pub fn event_json(e: &ActivityEvent) -> Value {
    json!({
        "id": e.id.to_string(),
        "at": time(e.at),
        "action": e.action.as_str(),
        "actor": e.actor,
        "target": e.target,
        "details": e.details,
    })
}

fn parse_query(req: &Request<Incoming>) -> Result<ActivityQuery, ApiError> {
    let mut query = ActivityQuery {
        action: None,
        limit: DEFAULT_LIMIT,
        before: None,
    };
    for (k, v) in body::query(req)? {
        match k.as_str() {
            // An empty value means "no filter", as HTML forms send it.
            "action" if v.is_empty() => {}
            "action" => {
                query.action = Some(v.parse::<EventAction>().map_err(ApiError::InvalidRequest)?)
            }
            "limit" if v.is_empty() => {}
            "limit" => {
                query.limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::InvalidRequest(format!(
                            "`limit` must be an integer from 1 to {MAX_LIMIT}"
                        ))
                    })?;
            }
            "cursor" if v.is_empty() => {}
            "cursor" => {
                query.before = Some(EventCursor::decode(&v).ok_or_else(|| {
                    ApiError::InvalidRequest("`cursor` is not a cursor this service issued".into())
                })?);
            }
            _ => {}
        }
    }
    Ok(query)
}

/// `GET /v1/accounts/{account}/team/activity`.
pub async fn list(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let query = parse_query(&req)?;
    let now = state.clock.now();
    let query = &query;
    let page = state
        .authz
        .act(account, &user, "ViewActivity", Target::Account, |_actor| {
            state.store.activity(account, query, now)
        })
        .await?;
    let events: Vec<Value> = page.events.iter().map(event_json).collect();
    Ok(json_resp(
        200,
        &json!({"events": events, "next_cursor": page.next.map(|c| c.encode())}),
    ))
}

#[derive(Deserialize)]
struct Login {
    ip: Option<String>,
    user_agent: Option<String>,
}

/// `POST /v1/accounts/{account}/logins`: records a login of a member.
pub async fn login(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let login: Option<Login> = body::optional_json(req).await?;
    let mut details = serde_json::Map::new();
    if let Some(login) = login {
        for (field, value) in [("ip", login.ip), ("user_agent", login.user_agent)] {
            if let Some(v) = value {
                if v.chars().count() > MAX_LOGIN_FIELD {
                    return Err(ApiError::InvalidRequest(format!(
                        "`{field}` is longer than {MAX_LOGIN_FIELD} characters"
                    )));
                }
                details.insert(field.to_owned(), json!(v));
            }
        }
    }
    state
        .store
        .record_login(account, &user, Value::Object(details), state.clock.now())
        .await?;
    Ok(empty(204))
}
