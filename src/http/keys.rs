//! API keys (create, list, delete) and Discord links. Secrets are generated
//! here, returned once, and only their hash reaches the store.

use hyper::body::Incoming;
use hyper::Request;
use serde::Deserialize;
use serde_json::{json, Value};

use super::accounts::{parse_role, time};
use super::body;
use super::error::ApiError;
use super::{empty, json as json_resp, Resp};
use crate::app::AppState;
use crate::authz::Target;
use crate::store::{NewApiKey, StoreError};
use crate::team::ids::check_id;
use crate::team::secret::{self, API_KEY_PREFIX, SHOWN_PREFIX_LEN};
use crate::team::{ApiKey, Role};

/// The longest key name.
const MAX_NAME_LEN: usize = 200;

/// The API key object (never the secret).
pub fn key_json(k: &ApiKey) -> Value {
    json!({
        "id": k.id,
        "name": k.name,
        "role": k.role.as_str(),
        "prefix": k.prefix,
        "created_at": time(k.created_at),
        "created_by": k.created_by,
    })
}

#[derive(Deserialize)]
struct CreateKey {
    name: String,
    role: Option<String>,
}

/// `POST /v1/accounts/{account}/api-keys` (`CreateApiKey`).
pub async fn create(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let body: CreateKey = body::json(req).await?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        return Err(ApiError::InvalidRequest(format!(
            "`name` must be 1-{MAX_NAME_LEN} characters without control characters"
        )));
    }
    let role = match body.role.as_deref() {
        None => Role::Member,
        Some(r) => match parse_role(r)? {
            Role::Owner => {
                return Err(ApiError::InvalidRequest(
                    "an API key's role is Member or Viewer; keys never hold Owner permissions"
                        .into(),
                ))
            }
            role => role,
        },
    };
    let secret = secret::generate(API_KEY_PREFIX, account);
    let key = NewApiKey {
        id: format!("key_{}", uuid::Uuid::new_v4().simple()),
        name,
        role,
        prefix: secret.plain.chars().take(SHOWN_PREFIX_LEN).collect(),
        secret_hash: secret.hash.clone(),
    };
    let now = state.clock.now();
    let key = &key;
    let created = state
        .authz
        .act(
            account,
            &user,
            "CreateApiKey",
            Target::Account,
            |actor| async move { state.store.create_api_key(account, &actor, key, now).await },
        )
        .await?;
    let mut out = key_json(&created);
    out["secret"] = json!(secret.plain);
    Ok(json_resp(201, &out))
}

/// `GET /v1/accounts/{account}/api-keys` (`ViewApiKeys`).
pub async fn list(
    state: &AppState,
    account: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    let user = body::actor(&req)?;
    let keys = state
        .authz
        .act(account, &user, "ViewApiKeys", Target::Account, |_actor| {
            state.store.list_api_keys(account)
        })
        .await?;
    let keys: Vec<Value> = keys.iter().map(key_json).collect();
    Ok(json_resp(200, &json!({ "api_keys": keys })))
}

/// `DELETE /v1/accounts/{account}/api-keys/{id}` (`DeleteApiKey`).
pub async fn delete(
    state: &AppState,
    account: &str,
    id: &str,
    req: Request<Incoming>,
) -> Result<Resp, ApiError> {
    body::path_id("account", account)?;
    body::path_id("key id", id)?;
    let user = body::actor(&req)?;
    let now = state.clock.now();
    state
        .authz
        .act(
            account,
            &user,
            "DeleteApiKey",
            Target::Account,
            |actor| async move { state.store.delete_api_key(account, &actor, id, now).await },
        )
        .await?;
    Ok(empty(204))
}

#[derive(Deserialize)]
struct Link {
    discord_user_id: String,
    api_key: String,
}

/// `POST /v1/discord/links`: a valid API key links a Discord user.
pub async fn link_discord(state: &AppState, req: Request<Incoming>) -> Result<Resp, ApiError> {
    let body: Link = body::json(req).await?;
    check_id("discord_user_id", &body.discord_user_id)?;
    let bad_key = || ApiError::Unauthenticated("Unknown or deleted API key.".into());
    let key = body.api_key.trim();
    let account = secret::account_of(API_KEY_PREFIX, key).ok_or_else(bad_key)?;
    let link = state
        .store
        .link_discord(
            &account,
            &secret::hash(key),
            &body.discord_user_id,
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) | StoreError::NotMember => bad_key(),
            other => other.into(),
        })?;
    Ok(json_resp(
        201,
        &json!({"discord_user_id": link.discord_user_id, "account": link.account, "role": link.role.as_str()}),
    ))
}

/// `DELETE /v1/discord/links/{discord_user_id}` (service only).
pub async fn unlink_discord(state: &AppState, discord_user_id: &str) -> Result<Resp, ApiError> {
    body::path_id("discord_user_id", discord_user_id)?;
    state
        .store
        .unlink_discord(discord_user_id, state.clock.now())
        .await?;
    Ok(empty(204))
}
