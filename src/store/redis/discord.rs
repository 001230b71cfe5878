//! Discord links on Redis.
//!
//! The link record lives in the account's slot (`trackly:{A}:discord:<user>`)
//! next to the API key it was made with, so linking, unlinking and deleting
//! the key are single-slot scripts. A Discord user id alone does not name an
//! account, so a global pointer `trackly:discord:<user>` → account is written
//! after the link script (two slots cannot change atomically on a cluster).
//! The pointer only says where to look: resolving reads the record and checks
//! its key in the account slot, so a stale pointer never grants anything.
//! Two links of one Discord user into different accounts at the same moment
//! may both drop each other's record; that fails closed (no link) and the
//! user links again.

use chrono::{DateTime, Utc};

use super::codec;
use super::scripts::SCRIPTS;
use super::{keys, plain, RedisStore};
use crate::store::StoreError;
use crate::team::{DiscordLink, EventAction, Role};

impl RedisStore {
    pub(super) async fn link_discord_impl(
        &self,
        account: &str,
        secret_hash: &str,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DiscordLink, StoreError> {
        let mut call = self.change(
            &SCRIPTS.link_discord,
            account,
            EventAction::DiscordLinked,
            now,
        )?;
        call.key(keys::api_key_hash(account, secret_hash))
            .key(keys::discord_link(account, discord_user_id))
            .arg(discord_user_id)
            .arg(secret_hash)
            .arg(keys::api_key_prefix(account))
            .arg(keys::api_key_links_prefix(account));
        let reply = self.run(&call).await.map_err(plain)?;
        let [api_key_id, role] =
            <[String; 2]>::try_from(reply).map_err(|_| codec::garbage("link_discord reply"))?;
        let role: Role = role.parse().map_err(|_| codec::garbage("link role"))?;

        let mut set = redis::cmd("SET");
        set.arg(keys::discord_account(discord_user_id))
            .arg(account)
            .arg("GET");
        let previous: Option<String> = self.pool.query(&set).await?;
        if let Some(previous) = previous.filter(|p| p != account) {
            // The user's earlier link, in another account, is replaced.
            let mut drop = SCRIPTS.drop_replaced_link.prepare_invoke();
            drop.key(keys::discord_link(&previous, discord_user_id))
                .arg(discord_user_id)
                .arg(keys::api_key_links_prefix(&previous));
            let _: Vec<String> = self.pool.invoke(&drop).await?;
        }
        Ok(DiscordLink {
            discord_user_id: discord_user_id.to_owned(),
            account: account.to_owned(),
            role,
            api_key_id,
            linked_at: now,
        })
    }

    pub(super) async fn unlink_discord_impl(
        &self,
        discord_user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(account) = self.discord_account(discord_user_id).await? else {
            return Err(StoreError::NotFound("discord link"));
        };
        let mut call = self.change(
            &SCRIPTS.unlink_discord,
            &account,
            EventAction::DiscordUnlinked,
            now,
        )?;
        call.key(keys::discord_link(&account, discord_user_id))
            .arg(discord_user_id)
            .arg(keys::api_key_links_prefix(&account));
        let outcome = self.run(&call).await.map_err(plain);
        if matches!(outcome, Ok(_) | Err(StoreError::NotFound(_))) {
            // Gone (now or before): the pointer is stale either way.
            self.drop_discord_pointer(discord_user_id, &account).await;
        }
        outcome.map(|_| ())
    }

    pub(super) async fn resolve_discord_user_impl(
        &self,
        discord_user_id: &str,
    ) -> Result<Option<DiscordLink>, StoreError> {
        let Some(account) = self.discord_account(discord_user_id).await? else {
            return Ok(None);
        };
        let mut call = SCRIPTS.resolve_discord.prepare_invoke();
        call.key(keys::discord_link(&account, discord_user_id))
            .arg(keys::api_key_prefix(&account));
        let reply: Vec<String> = self.pool.invoke(&call).await?;
        if reply.is_empty() {
            return Ok(None);
        }
        let [api_key_id, role, linked_at] =
            <[String; 3]>::try_from(reply).map_err(|_| codec::garbage("resolve_discord reply"))?;
        Ok(Some(DiscordLink {
            discord_user_id: discord_user_id.to_owned(),
            account,
            role: role.parse().map_err(|_| codec::garbage("link role"))?,
            api_key_id,
            linked_at: codec::decode_time(&linked_at)?,
        }))
    }

    /// The account the global pointer names, if any.
    async fn discord_account(&self, discord_user_id: &str) -> Result<Option<String>, StoreError> {
        let mut get = redis::cmd("GET");
        get.arg(keys::discord_account(discord_user_id));
        self.pool.query(&get).await
    }

    /// Drops the global pointer of `discord_user_id` if it still names
    /// `account` (a newer link elsewhere keeps its pointer). Runs after the
    /// change was committed, so a failure is only logged: the pointer left
    /// behind is stale, and a stale pointer grants nothing.
    pub(super) async fn drop_discord_pointer(&self, discord_user_id: &str, account: &str) {
        let mut call = SCRIPTS.delete_if_equal.prepare_invoke();
        call.key(keys::discord_account(discord_user_id))
            .arg(account);
        if let Err(error) = self.pool.invoke::<i64>(&call).await {
            tracing::warn!(%error, "could not drop a stale Discord pointer");
        }
    }
}
