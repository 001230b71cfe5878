//! API keys and the Discord links made with them.
//!
//! Keys are found by the hash of their secret, and the stored hash is
//! compared in constant time. A Discord user has at most one link (linking
//! again replaces it, even into another account); deleting a key deletes
//! its links in the same step. Cascaded unlinks are part of the key's
//! deletion and write no `discord.unlinked` event (one event per change:
//! `api_key.deleted`). A relink writes only `discord.linked`, in the new
//! key's account.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{AccountState, State, StoredKey};
use crate::store::{Actor, NewApiKey, StoreError};
use crate::team::{secret, ApiKey, ApiKeyPrincipal, DiscordLink, EventAction};

impl AccountState {
    /// The key with this secret hash, if any.
    fn key_by_secret(&self, secret_hash: &str) -> Option<&StoredKey> {
        self.key_by_secret
            .get(secret_hash)
            .and_then(|id| self.api_keys.get(id))
            .filter(|stored| secret::same(&stored.secret_hash, secret_hash))
    }

    /// Stores the key as given; that its role is `Member` or `Viewer` is
    /// checked by the HTTP layer.
    pub(super) fn create_api_key(
        &mut self,
        account: &str,
        actor: &Actor,
        key: &NewApiKey,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        self.check_actor(actor)?;
        if self.api_keys.contains_key(&key.id) || self.key_by_secret.contains_key(&key.secret_hash)
        {
            return Err(StoreError::Unavailable(
                "api key id or secret already in use".to_owned(),
            ));
        }
        let api_key = ApiKey {
            id: key.id.clone(),
            account: account.to_owned(),
            name: key.name.clone(),
            role: key.role,
            prefix: key.prefix.clone(),
            created_at: now,
            created_by: actor.user.clone(),
        };
        let seq = self.take_seq();
        self.api_keys.insert(
            key.id.clone(),
            StoredKey {
                key: api_key.clone(),
                secret_hash: key.secret_hash.clone(),
                seq,
            },
        );
        self.key_by_secret
            .insert(key.secret_hash.clone(), key.id.clone());
        self.log.append(
            now,
            EventAction::ApiKeyCreated,
            &actor.user,
            &key.id,
            json!({ "name": key.name, "role": key.role.as_str() }),
        );
        Ok(api_key)
    }

    /// Oldest first (creation time, then creation order).
    pub(super) fn list_api_keys(&self) -> Vec<ApiKey> {
        let mut keys: Vec<&StoredKey> = self.api_keys.values().collect();
        keys.sort_by_key(|stored| (stored.key.created_at, stored.seq));
        keys.into_iter().map(|stored| stored.key.clone()).collect()
    }
}

impl State {
    pub(super) fn delete_api_key(
        &mut self,
        account: &str,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let team = self.account_mut(account)?;
        team.check_actor(actor)?;
        let stored = team
            .api_keys
            .remove(id)
            .ok_or(StoreError::NotFound("api key"))?;
        team.key_by_secret.remove(&stored.secret_hash);
        team.log.append(
            now,
            EventAction::ApiKeyDeleted,
            &actor.user,
            id,
            json!({ "name": stored.key.name }),
        );
        self.discord
            .retain(|_, link| !(link.account == account && link.api_key_id == id));
        Ok(())
    }

    pub(super) fn resolve_api_key(
        &self,
        account: &str,
        secret_hash: &str,
    ) -> Option<ApiKeyPrincipal> {
        let stored = self.accounts.get(account)?.key_by_secret(secret_hash)?;
        Some(ApiKeyPrincipal {
            key_id: stored.key.id.clone(),
            account: stored.key.account.clone(),
            role: stored.key.role,
        })
    }

    pub(super) fn link_discord(
        &mut self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError> {
        let team = self
            .accounts
            .get_mut(account)
            .ok_or(StoreError::NotFound("api key"))?;
        let key = &team
            .key_by_secret(secret_hash)
            .ok_or(StoreError::NotFound("api key"))?
            .key;
        let link = DiscordLink {
            discord_user_id: discord_user_id.to_owned(),
            account: account.to_owned(),
            role: key.role,
            api_key_id: key.id.clone(),
            linked_at: now,
        };
        team.log.append(
            now,
            EventAction::DiscordLinked,
            discord_user_id,
            discord_user_id,
            json!({ "api_key_id": link.api_key_id, "role": link.role.as_str() }),
        );
        self.discord
            .insert(discord_user_id.to_owned(), link.clone());
        Ok(link)
    }

    /// Whether the key that made `link` still exists.
    fn is_live(&self, link: &DiscordLink) -> bool {
        self.accounts
            .get(&link.account)
            .is_some_and(|team| team.api_keys.contains_key(&link.api_key_id))
    }

    pub(super) fn unlink_discord(
        &mut self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let link = self
            .discord
            .get(discord_user_id)
            .filter(|link| self.is_live(link))
            .ok_or(StoreError::NotFound("discord link"))?
            .clone();
        self.discord.remove(discord_user_id);
        if let Some(team) = self.accounts.get_mut(&link.account) {
            team.log.append(
                now,
                EventAction::DiscordUnlinked,
                discord_user_id,
                discord_user_id,
                json!({ "api_key_id": link.api_key_id }),
            );
        }
        Ok(())
    }

    pub(super) fn resolve_discord_user(&self, discord_user_id: &str) -> Option<DiscordLink> {
        self.discord
            .get(discord_user_id)
            .filter(|link| self.is_live(link))
            .cloned()
    }
}
