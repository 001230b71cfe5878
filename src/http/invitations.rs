//! Invitations: invite, list, resend, revoke, accept. Tokens are generated
//! here, returned once, and only their hash reaches the store.

use hyper::body::Incoming;
use hyper::Request;
use serde::Deserialize;
use serde_json::{json, Value};

use super::accounts::{member_json, parse_role, time};
use super::body;
use super::error::ApiError;
use super::{empty, json as json_resp, Resp};
use crate::app::AppState;
use crate::authz::Target;
use crate::store::InvitationGrant;
use crate::team::ids::Email;
use crate::team::secret::{self, INVITATION_TOKEN_PREFIX};
use crate::team::{Invitation, InvitationStatus};

/// The invitation object of the API (never the token).
pub fn invitation_json(inv: &Invitation, now: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "id": inv.id,
        "email": inv.email,
        "role": inv.role.as_str(),
        "status": inv.status(now).as_str(),
        "invited_by": inv.invited_by,
        "created_at": time(inv.created_at),
        "expires_at": time(inv.expires_at),
    })
}

fn grant(
    state: &AppState,
    account: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> (String, InvitationGrant) {
    let token = secret::generate(INVITATION_TOKEN_PREFIX, account);
    let grant = InvitationGrant {
        token_hash: token.hash,
        expires_at: now + state.team.invitation_ttl,
        limit: state.team.invite_limit.clone(),
    };
    (token.plain, grant)
}

#[derive(Deserialize)]
struct Invite {
    email: String,
    role: String,
}

/// `POST /v1/accounts/{account}/invitations` (`InviteMember`).
pub async fn create(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let body: Invite = body::json(req).await?;
    let email = Email::parse(&body.email)?;
    let role = parse_role(&body.role)?;
    let now = state.clock.now();
    let id = format!("inv_{}", uuid::Uuid::new_v4().simple());
    let (token, grant) = grant(state, account, now);
    let (id, email, grant) = (id.as_str(), email.as_str(), &grant);
    let inv = state
        .authz
        .act(
            account,
            &user,
            "InviteMember",
            Target::Account,
            |actor| async move {
                state
                    .store
                    .create_invitation(account, &actor, id, email, role, grant, now)
                    .await
            },
        )
        .await?;
    let mut out = invitation_json(&inv, now);
    out["token"] = json!(token);
    Ok(json_resp(201, &out))
}

/// `GET /v1/accounts/{account}/invitations[?status=]` (`ViewTeam`).
pub async fn list(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let mut status = None;
    for (k, v) in body::query(&req)? {
        if k == "status" {
            status = Some(
                v.parse::<InvitationStatus>()
                    .map_err(ApiError::InvalidRequest)?,
            );
        }
    }
    let now = state.clock.now();
    let invitations = state
        .authz
        .act(account, &user, "ViewTeam", Target::Account, |_actor| {
            state.store.list_invitations(account, status, now)
        })
        .await?;
    let invitations: Vec<Value> = invitations
        .iter()
        .map(|i| invitation_json(i, now))
        .collect();
    Ok(json_resp(200, &json!({ "invitations": invitations })))
}

/// `POST /v1/accounts/{account}/invitations/{id}/resend` (`ResendInvitation`).
pub async fn resend(
    state: &AppState,
    account: &str,
    id: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    body::path_id("invitation id", id)?;
    let user = body::actor(&req)?;
    let now = state.clock.now();
    let (token, grant) = grant(state, account, now);
    let grant = &grant;
    let inv = state
        .authz
        .act(
            account,
            &user,
            "ResendInvitation",
            Target::Invitation(id),
            |actor| async move {
                state
                    .store
                    .resend_invitation(account, &actor, id, grant, now)
                    .await
            },
        )
        .await?;
    let mut out = invitation_json(&inv, now);
    out["token"] = json!(token);
    Ok(json_resp(200, &out))
}

/// `DELETE /v1/accounts/{account}/invitations/{id}` (`RevokeInvitation`).
pub async fn revoke(
    state: &AppState,
    account: &str,
    id: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    body::path_id("invitation id", id)?;
    let user = body::actor(&req)?;
    let now = state.clock.now();
    state
        .authz
        .act(
            account,
            &user,
            "RevokeInvitation",
            Target::Invitation(id),
            |actor| async move {
                state
                    .store
                    .revoke_invitation(account, &actor, id, now)
                    .await
            },
        )
        .await?;
    Ok(empty(204))
}

#[derive(Deserialize)]
struct Accept {
    token: String,
}

/// `POST /v1/invitations/accept`: the token is the permission.
pub async fn accept(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let user = body::actor(&req)?;
    let body: Accept = body::json(req).await?;
    let not_found = || ApiError::NotFound("Unknown or revoked invitation token.".into());
    let account =
        secret::account_of(INVITATION_TOKEN_PREFIX, body.token.trim()).ok_or_else(not_found)?;
    let accepted = state
        .store
        .accept_invitation(
            &account,
            &secret::hash(body.token.trim()),
            &user,
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound(_) | crate::store::StoreError::NotMember => {
                not_found()
            }
            other => other.into(),
        })?;
    let member = member_json(&accepted.member);
    Ok(json_resp(
        200,
        &json!({"account": accepted.account, "user": member["user"], "role": member["role"]}),
    ))
}
