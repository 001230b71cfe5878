//! Accounts and memberships: creation, roles, removal, ownership transfer,
//! logins. The at-least-one-Owner invariant is checked on the state the
//! change would produce, under the store's single lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{AccountState, State};
use crate::store::{Actor, StoreError, StoreSettings};
use crate::team::{Account, EventAction, Member, Role};

impl State {
    pub(super) fn create_account(
        &mut self,
        settings: &StoreSettings,
        account: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        if self.accounts.contains_key(account) {
            return Err(StoreError::AccountExists);
        }
        let mut team = AccountState::new(settings);
        team.members.insert(
            owner.to_owned(),
            Member {
                user: owner.to_owned(),
                role: Role::Owner,
                joined_at: now,
            },
        );
        team.log.append(
            now,
            EventAction::AccountCreated,
            owner,
            account,
            json!({ "owner": owner }),
        );
        self.accounts.insert(account.to_owned(), team);
        Ok(Account {
            id: account.to_owned(),
            owners: vec![owner.to_owned()],
            created_at: now,
        })
    }

    /// Roles in order; an unknown account has no members.
    pub(super) fn member_roles(&self, account: &str, users: &[&str]) -> Vec<Option<Role>> {
        let team = self.accounts.get(account);
        users
            .iter()
            .map(|user| {
                team.and_then(|team| team.members.get(*user))
                    .map(|m| m.role)
            })
            .collect()
    }
}

impl AccountState {
    /// Members sorted by `joined_at`, then user id.
    pub(super) fn sorted_members(&self) -> Vec<Member> {
        let mut members: Vec<Member> = self.members.values().cloned().collect();
        members.sort_by(|a, b| (a.joined_at, &a.user).cmp(&(b.joined_at, &b.user)));
        members
    }

    /// `LastOwner` when giving the members in `changes` their new role
    /// (`None`: removed) would leave no Owner.
    fn check_owner_remains(&self, changes: &HashMap<&str, Option<Role>>) -> Result<(), StoreError> {
        let remaining = self
            .members
            .values()
            .filter(|m| match changes.get(m.user.as_str()) {
                Some(new_role) => *new_role == Some(Role::Owner),
                None => m.role == Role::Owner,
            })
            .count();
        if remaining == 0 {
            return Err(StoreError::LastOwner);
        }
        Ok(())
    }

    pub(super) fn change_role(
        &mut self,
        actor: &Actor,
        target: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        let from = self
            .members
            .get(target)
            .map(|m| m.role)
            .ok_or(StoreError::NotFound("member"))?;
        self.check_owner_remains(&HashMap::from([(target, Some(role))]))?;
        self.check_actor(actor)?;
        let member = self
            .members
            .get_mut(target)
            .ok_or(StoreError::NotFound("member"))?;
        if from == role {
            return Ok(member.clone());
        }
        member.role = role;
        let member = member.clone();
        self.log.append(
            now,
            EventAction::MemberRoleChanged,
            &actor.user,
            target,
            json!({ "from": from.as_str(), "to": role.as_str() }),
        );
        Ok(member)
    }

    pub(super) fn remove_member(
        &mut self,
        actor: &Actor,
        target: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if target == actor.user {
            return Err(StoreError::SelfRemoval);
        }
        let role = self
            .members
            .get(target)
            .map(|m| m.role)
            .ok_or(StoreError::NotFound("member"))?;
        self.check_owner_remains(&HashMap::from([(target, None)]))?;
        self.check_actor(actor)?;
        self.members.remove(target);
        self.log.append(
            now,
            EventAction::MemberRemoved,
            &actor.user,
            target,
            json!({ "role": role.as_str() }),
        );
        Ok(())
    }

    /// `to` becomes an Owner; with `demote_self` an Owner actor becomes a
    /// Member (an actor of another role is never promoted by it). A
    /// transfer to oneself changes nothing. Nothing changed, no event.
    pub(super) fn transfer_ownership(
        &mut self,
        actor: &Actor,
        to: &str,
        demote_self: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Member>, StoreError> {
        if !self.members.contains_key(to) {
            return Err(StoreError::NotFound("member"));
        }
        let mut changes: HashMap<&str, Option<Role>> = HashMap::new();
        if to != actor.user {
            changes.insert(to, Some(Role::Owner));
            let actor_is_owner = self.members.get(&actor.user).map(|m| m.role) == Some(Role::Owner);
            if demote_self && actor_is_owner {
                changes.insert(&actor.user, Some(Role::Member));
            }
        }
        self.check_owner_remains(&changes)?;
        self.check_actor(actor)?;
        let mut changed = false;
        for (user, new_role) in &changes {
            if let (Some(member), Some(new_role)) = (self.members.get_mut(*user), new_role) {
                changed |= member.role != *new_role;
                member.role = *new_role;
            }
        }
        if changed {
            self.log.append(
                now,
                EventAction::OwnershipTransferred,
                &actor.user,
                to,
                json!({ "demote_self": demote_self }),
            );
        }
        Ok(self.sorted_members())
    }

    pub(super) fn record_login(
        &mut self,
        user: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !self.members.contains_key(user) {
            return Err(StoreError::NotMember);
        }
        self.log
            .append(now, EventAction::Login, user, user, details);
        Ok(())
    }
}
