//! Accounts, members and logins on Redis.

use chrono::{DateTime, Utc};

use super::scripts::SCRIPTS;
use super::{codec, keys, plain, RedisStore};
use crate::store::{Actor, StoreError};
use crate::team::{Account, EventAction, Member, Role};

impl RedisStore {
    pub(super) async fn create_account_impl(
        &self,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        let mut call = self.change(
            &SCRIPTS.create_account,
            account,
            EventAction::AccountCreated,
            now,
        )?;
        call.key(keys::account(account))
            .key(keys::members(account))
            .arg(owner)
            .arg(account);
        self.run(&call).await.map_err(plain)?;
        Ok(Account {
            id: account.to_owned(),
            owners: vec![owner.to_owned()],
            created_at: now,
        })
    }

    /// One HMGET: this is on the decision path.
    pub(super) async fn member_roles_impl(
        &self,
        account: &str,
        users: &[&str],
    ) -> Result<Vec<Option<Role>>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(keys::members(account)).arg(users);
        let values: Vec<Option<String>> = self.pool.query(&cmd).await?;
        if values.len() != users.len() {
            return Err(codec::garbage("HMGET reply length"));
        }
        values
            .iter()
            .map(|v| v.as_deref().map(codec::member_role).transpose())
            .collect()
    }

    pub(super) async fn list_members_impl(&self, account: &str) -> Result<Vec<Member>, StoreError> {
        let mut cmd = redis::cmd("HGETALL");
        cmd.arg(keys::members(account));
        let flat: Vec<String> = self.pool.query(&cmd).await?;
        // An account always has an Owner: no members, no account.
        if flat.is_empty() {
            return Err(StoreError::NotMember);
        }
        codec::decode_members(flat)
    }

    pub(super) async fn change_role_impl(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        let mut call = self.change(
            &SCRIPTS.change_role,
            account,
            EventAction::MemberRoleChanged,
            now,
        )?;
        call.key(keys::members(account))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(target)
            .arg(role.as_str());
        let reply = self.run(&call).await.map_err(plain)?;
        let value = reply
            .first()
            .ok_or_else(|| codec::garbage("change_role reply"))?;
        codec::decode_member(target.to_owned(), value)
    }

    pub(super) async fn remove_member_impl(
        &self,
        account: &str,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut call = self.change(
            &SCRIPTS.remove_member,
            account,
            EventAction::MemberRemoved,
            now,
        )?;
        call.key(keys::members(account))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(target);
        self.run(&call).await.map_err(plain)?;
        Ok(())
    }

    pub(super) async fn transfer_ownership_impl(
        &self,
        account: &str,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError> {
        let details = serde_json::json!({ "demote_self": demote_self }).to_string();
        let mut call = self.change(
            &SCRIPTS.transfer_ownership,
            account,
            EventAction::OwnershipTransferred,
            now,
        )?;
        call.key(keys::members(account))
            .arg(&actor.user)
            .arg(actor.role.as_str())
            .arg(to)
            .arg(if demote_self { "1" } else { "0" })
            .arg(details);
        let reply = self.run(&call).await.map_err(plain)?;
        codec::decode_members(reply)
    }

    pub(super) async fn record_login_impl(
        &self,
        account: &str,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut call = self.change(&SCRIPTS.record_login, account, EventAction::Login, now)?;
        call.key(keys::members(account))
            .arg(user)
            .arg(details.to_string());
        self.run(&call).await.map_err(plain)?;
        Ok(())
    }
}
