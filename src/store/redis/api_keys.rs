//! API keys on Redis. Keys are found by the SHA-256 of their secret (the
//! secret itself is never stored); the secret names its account, so every
//! operation runs in the account's slot.

use chrono::{DateTime, Utc};

use super::codec::{self, Fields};
use super::scripts::{self, SCRIPTS};
use super::{keys, plain, RedisStore};
use crate::store::{Actor, NewApiKey, StoreError};
use crate::team::{secret, ApiKey, ApiKeyPrincipal, EventAction};

fn decode_api_key(account: &str, id: String, fields: &Fields) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        id,
        account: account.to_owned(),
        name: fields.text("name")?,
        role: fields.role("role")?,
        prefix: fields.text("prefix")?,
        created_at: fields.time("created_at")?,
        created_by: fields.text("created_by")?,
    })
}

impl RedisStore {
    pub(super) async fn create_api_key_impl(
        &self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        let mut call = self.change(
            &SCRIPTS.create_api_key,
            account,
            EventAction::ApiKeyCreated,
            now,
        )?;
        call.key(keys::members(account))
            .key(keys::api_key(account, &key.id))
            .key(keys::api_keys(account))
            .key(keys::api_key_hash(account, &key.secret_hash))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(&key.id)
            .arg(&key.name)
            .arg(key.role.as_str())
            .arg(&key.prefix)
            .arg(&key.secret_hash);
        self.run(&call).await.map_err(plain)?;
        Ok(ApiKey {
            id: key.id.clone(),
            account: account.to_owned(),
            name: key.name.clone(),
            role: key.role,
            prefix: key.prefix.clone(),
            created_at: now,
            created_by: actor.user.clone(),
        })
    }

    /// Oldest first: by `created_at`, ties by creation order.
    pub(super) async fn list_api_keys_impl(
        &self,
        account: &str,
    ) -> Result<Vec<ApiKey>, StoreError> {
        let mut call = SCRIPTS.list_api_keys.prepare_invoke();
        call.key(keys::members(account))
            .key(keys::api_keys(account))
            .arg(keys::api_key_prefix(account));
        let entries = scripts::entries(self.pool.invoke(&call).await?)?;
        let mut listed = Vec::with_capacity(entries.len());
        for entry in entries {
            let (id, order, fields) = codec::indexed_entry(entry)?;
            listed.push((decode_api_key(account, id, &fields)?, order));
        }
        listed.sort_by(|(a, a_order), (b, b_order)| {
            a.created_at
                .cmp(&b.created_at)
                .then(a_order.total_cmp(b_order))
        });
        Ok(listed.into_iter().map(|(key, _)| key).collect())
    }

    pub(super) async fn delete_api_key_impl(
        &self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut call = self.change(
            &SCRIPTS.delete_api_key,
            account,
            EventAction::ApiKeyDeleted,
            now,
        )?;
        call.key(keys::members(account))
            .key(keys::api_key(account, id))
            .key(keys::api_keys(account))
            .key(keys::api_key_links(account, id))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(id)
            .arg(keys::api_key_hash_prefix(account))
            .arg(keys::discord_link_prefix(account));
        let unlinked = self.run(&call).await.map_err(plain)?;
        // The links are gone (and cannot resolve) already; the global
        // pointers are only tidied.
        for discord_user in unlinked {
            self.drop_discord_pointer(&discord_user, account).await;
        }
        Ok(())
    }

    pub(super) async fn resolve_api_key_impl(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyPrincipal>, StoreError> {
        let mut call = SCRIPTS.resolve_api_key.prepare_invoke();
        call.key(keys::api_key_hash(account, secret_hash))
            .arg(keys::api_key_prefix(account));
        let reply: Vec<String> = self.pool.invoke(&call).await?;
        if reply.is_empty() {
            return Ok(None);
        }
        let [key_id, role, stored_hash] =
            <[String; 3]>::try_from(reply).map_err(|_| codec::garbage("resolve_api_key reply"))?;
        if !secret::same(&stored_hash, secret_hash) {
            return Ok(None);
        }
        let role = role.parse().map_err(|_| codec::garbage("api key role"))?;
        Ok(Some(ApiKeyPrincipal {
            key_id,
            account: account.to_owned(),
            role,
        }))
    }
}
