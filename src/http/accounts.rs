//! Accounts and members: create an account, list members, change a role,
//! remove a member, transfer ownership. Every team call is authorized by the
//! policies through [`crate::authz::Authz::act`].

use hyper::body::Incoming;
use hyper::Request;
use serde::Deserialize;
use serde_json::{json, Value};

use super::body;
use super::error::ApiError;
use super::{empty, json as json_resp, Resp};
use crate::app::AppState;
use crate::authz::Target;
use crate::team::ids::check_id;
use crate::team::{Member, Role};

/// RFC 3339 UTC with millisecond precision, the format of every time field.
pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The member object of the API.
pub fn member_json(m: &Member) -> Value {
    json!({"user": m.user, "role": m.role.as_str(), "joined_at": time(m.joined_at)})
}

/// Parses a role name (400 naming the allowed values).
pub fn parse_role(value: &str) -> Result<Role, ApiError> {
    value
        .parse::<Role>()
        .map_err(|e| ApiError::InvalidRequest(e.to_string()))
}

#[derive(Deserialize)]
struct CreateAccount {
    id: String,
    owner: String,
}

/// `POST /v1/accounts` (service only: no actor).
pub async fn create(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let body: CreateAccount = body::json(req).await?;
    check_id("id", &body.id)?;
    check_id("owner", &body.owner)?;
    let account = state
        .store
        .create_account(&body.id, &body.owner, state.clock.now())
        .await?;
    Ok(json_resp(
        201,
        &json!({"id": account.id, "owners": account.owners}),
    ))
}

/// `GET /v1/accounts/{account}/members` (`ViewTeam`).
pub async fn list(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let members = state
        .authz
        .act(account, &user, "ViewTeam", Target::Account, |_actor| {
            state.store.list_members(account)
        })
        .await?;
    let members: Vec<Value> = members.iter().map(member_json).collect();
    Ok(json_resp(200, &json!({ "members": members })))
}

#[derive(Deserialize)]
struct ChangeRole {
    role: String,
}

/// `PUT /v1/accounts/{account}/members/{user}/role` (`ChangeRole`).
pub async fn change_role(
    state: &AppState,
    account: &str,
    target: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    body::path_id("user", target)?;
    let user = body::actor(&req)?;
    let body: ChangeRole = body::json(req).await?;
    let role = parse_role(&body.role)?;
    let now = state.clock.now();
    let member = state
        .authz
        .act(
            account,
            &user,
            "ChangeRole",
            Target::Member(target),
            |actor| async move {
                state
                    .store
                    .change_role(account, &actor, target, role, now)
                    .await
            },
        )
        .await?;
    Ok(json_resp(200, &member_json(&member)))
}

/// `DELETE /v1/accounts/{account}/members/{user}` (`RemoveMember`).
pub async fn remove(
    state: &AppState,
    account: &str,
    target: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    body::path_id("user", target)?;
    let user = body::actor(&req)?;
    let now = state.clock.now();
    state
        .authz
        .act(
            account,
            &user,
            "RemoveMember",
            Target::Member(target),
            |actor| async move {
                state
                    .store
                    .remove_member(account, &actor, target, now)
                    .await
            },
        )
        .await?;
    Ok(empty(204))
}

#[derive(Deserialize)]
struct Transfer {
    to: String,
    #[serde(default)]
    demote_self: bool,
}

/// `POST /v1/accounts/{account}/ownership/transfer` (`TransferOwnership`).
pub async fn transfer(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let body: Transfer = body::json(req).await?;
    check_id("to", &body.to)?;
    if body.to == user {
        return Err(ApiError::InvalidRequest(
            "`to` must be another member, not yourself".into(),
        ));
    }
    let (to, demote_self, now) = (body.to.as_str(), body.demote_self, state.clock.now());
    let members = state
        .authz
        .act(
            account,
            &user,
            "TransferOwnership",
            Target::Member(to),
            |actor| async move {
                state
                    .store
                    .transfer_ownership(account, &actor, to, demote_self, now)
                    .await
            },
        )
        .await?;
    let members: Vec<Value> = members.iter().map(member_json).collect();
    Ok(json_resp(200, &json!({ "members": members })))
}
