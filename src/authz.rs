//! The decision flow every endpoint shares: resolve the principal's
//! membership from the store, evaluate the current policy snapshot, count it.
//! Team changes go through [`Authz::act`]: decide, then run the store
//! operation with the role the decision saw; the store re-checks that role
//! atomically and, if it changed in between, the decision is made again.
//!
//! Fail closed: an unknown principal is a Deny, a store failure is an error,
//! never an Allow.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use crate::metrics::Metrics;
use crate::policy::{
    Decision, DecisionInput, InputError, MemberTarget, Membership, PolicyEngine, PrincipalInput,
    PrincipalKind, ResourceInput,
};
use crate::store::{Actor, Store, StoreError};
use crate::team::{secret, Role};

/// The message of the self-removal forbid policy (SPEC §1).
pub const SELF_REMOVAL_MESSAGE: &str = "Cannot remove yourself. Transfer ownership first.";

/// How often a team change is decided again when the actor's role changed
/// between decision and write.
const MAX_ROLE_RETRIES: usize = 5;

/// The principal as the caller named it.
#[derive(Clone, PartialEq, Eq)]
pub enum PrincipalRef {
    /// A user id (authenticated by the gateway).
    User(String),
    /// An API key secret.
    ApiKey(String),
    /// A Discord user id.
    DiscordUser(String),
}

impl std::fmt::Debug for PrincipalRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrincipalRef::User(id) => write!(f, "User({id})"),
            // Never print the secret.
            PrincipalRef::ApiKey(_) => f.write_str("ApiKey(<secret>)"),
            PrincipalRef::DiscordUser(id) => write!(f, "DiscordUser({id})"),
        }
    }
}

/// A resource named by type and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    /// Schema type name, e.g. `Campaign`.
    pub kind: String,
    /// Id.
    pub id: String,
}

/// One is-authorized question.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    /// Who asks.
    pub principal: PrincipalRef,
    /// In which account.
    pub account: String,
    /// Action name.
    pub action: String,
    /// On what; `None` is the account itself.
    pub resource: Option<ResourceRef>,
    /// Optional context object.
    pub context: Option<serde_json::Value>,
}

/// The answer to a [`DecisionRequest`].
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The policy decision.
    pub decision: Decision,
    /// The principal's role in the request's account, if it has one.
    pub role: Option<Role>,
    /// False for an unknown or deleted API key or an unlinked Discord user
    /// (forward-auth answers 401 for those).
    pub principal_known: bool,
}

/// Why an authorization step did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthzError {
    /// The actor is not a member of the account (answered 404: no tenant
    /// enumeration).
    #[error("not a member")]
    NotMember,
    /// The policies deny; `message` from a determining forbid's `@message`.
    #[error("denied")]
    Denied {
        /// The policy message, if any.
        message: Option<String>,
    },
    /// The request names an unknown action or resource type.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The resource a team endpoint acts on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The account itself.
    Account,
    /// A member (by user id).
    Member(&'a str),
    /// An invitation (by id).
    Invitation(&'a str),
}

/// The decision service: store + policies + metrics.
#[derive(Clone)]
pub struct Authz {
    store: Arc<dyn Store>,
    policies: Arc<PolicyEngine>,
    metrics: Metrics,
}

impl Authz {
    /// Wires the parts.
    pub fn new(store: Arc<dyn Store>, policies: Arc<PolicyEngine>, metrics: Metrics) -> Authz {
        Authz {
            store,
            policies,
            metrics,
        }
    }

    /// Answers one is-authorized question.
    pub async fn decide(&self, req: &DecisionRequest) -> Result<Outcome, AuthzError> {
        let snapshot = self.policies.snapshot();
        // Refuse unknown names before touching the store: a 400, not a Deny.
        if !snapshot.actions().iter().any(|a| a == &req.action) {
            return Err(InputError::UnknownAction(req.action.clone()).into());
        }
        let (kind, id) = match &req.resource {
            Some(r) => (r.kind.as_str(), r.id.as_str()),
            None => ("Account", req.account.as_str()),
        };
        if !snapshot.is_resource_type(kind) {
            return Err(InputError::UnknownResourceType(kind.to_owned()).into());
        }
        let member_target = (kind == "Member").then_some(id);

        let resolved = self
            .resolve(&req.principal, &req.account, member_target)
            .await?;
        let Some(resolved) = resolved else {
            return Ok(Outcome {
                decision: Decision {
                    allowed: false,
                    reasons: Vec::new(),
                    errors: Vec::new(),
                    message: None,
                },
                role: None,
                principal_known: false,
            });
        };
        let input = DecisionInput {
            principal: PrincipalInput {
                kind: resolved.kind,
                id: &resolved.id,
                membership: resolved
                    .membership
                    .as_ref()
                    .map(|(account, role)| Membership {
                        account,
                        role: *role,
                    }),
            },
            action: &req.action,
            resource: ResourceInput {
                kind,
                id,
                account: &req.account,
                member: member_target.map(|user| MemberTarget {
                    user,
                    role: resolved.target_role,
                }),
            },
            context: req.context.as_ref(),
        };
        let started = Instant::now();
        let decision = snapshot.decide(&input)?;
        self.metrics.observe_decision(
            &req.action,
            decision.allowed,
            started.elapsed().as_secs_f64(),
        );
        let role = resolved
            .membership
            .as_ref()
            .filter(|(account, _)| account == &req.account)
            .map(|(_, role)| *role);
        Ok(Outcome {
            decision,
            role,
            principal_known: true,
        })
    }

    /// The role of `user` in `account` and every action it may perform on
    /// the account itself.
    pub async fn permissions(
        &self,
        account: &str,
        user: &str,
    ) -> Result<(Role, Vec<String>), AuthzError> {
        let role = self.role_of(account, user).await?;
        let snapshot = self.policies.snapshot();
        let principal = PrincipalInput {
            kind: PrincipalKind::User,
            id: user,
            membership: Some(Membership { account, role }),
        };
        Ok((role, snapshot.allowed_actions(&principal, account)))
    }

    /// The member's role; `NotMember` (404) when the user is not a member.
    pub async fn role_of(&self, account: &str, user: &str) -> Result<Role, AuthzError> {
        let roles = self.store.member_roles(account, &[user]).await?;
        roles
            .first()
            .copied()
            .flatten()
            .ok_or(AuthzError::NotMember)
    }

    /// Checks that `user` may perform `action` on `target` in `account` and
    /// returns the actor with the role the decision saw.
    pub async fn authorize(
        &self,
        account: &str,
        user: &str,
        action: &str,
        target: Target<'_>,
    ) -> Result<Actor, AuthzError> {
        let (kind, id, member) = match target {
            Target::Account => ("Account", account, None),
            Target::Member(u) => ("Member", u, Some(u)),
            Target::Invitation(i) => ("Invitation", i, None),
        };
        let users: Vec<&str> = std::iter::once(user).chain(member).collect();
        let roles = self.store.member_roles(account, &users).await?;
        let role = roles
            .first()
            .copied()
            .flatten()
            .ok_or(AuthzError::NotMember)?;
        let target_role = roles.get(1).copied().flatten();
        let input = DecisionInput {
            principal: PrincipalInput {
                kind: PrincipalKind::User,
                id: user,
                membership: Some(Membership { account, role }),
            },
            action,
            resource: ResourceInput {
                kind,
                id,
                account,
                member: member.map(|user| MemberTarget {
                    user,
                    role: target_role,
                }),
            },
            context: None,
        };
        let started = Instant::now();
        let decision = self.policies.snapshot().decide(&input)?;
        self.metrics
            .observe_decision(action, decision.allowed, started.elapsed().as_secs_f64());
        if decision.allowed {
            Ok(Actor {
                user: user.to_owned(),
                role,
            })
        } else {
            Err(AuthzError::Denied {
                message: decision.message,
            })
        }
    }

    /// Authorizes, then runs `op` with the actor; decides again when the
    /// store reports that the actor's role changed in between.
    pub async fn act<T, F, Fut>(
        &self,
        account: &str,
        user: &str,
        action: &str,
        target: Target<'_>,
        op: F,
    ) -> Result<T, AuthzError>
    where
        F: Fn(Actor) -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        for _ in 0..MAX_ROLE_RETRIES {
            let actor = self.authorize(account, user, action, target).await?;
            match op(actor).await {
                Err(StoreError::ActorRoleChanged) => continue,
                Err(StoreError::NotMember) => return Err(AuthzError::NotMember),
                other => return other.map_err(AuthzError::Store),
            }
        }
        Err(AuthzError::Store(StoreError::ActorRoleChanged))
    }

    async fn resolve(
        &self,
        principal: &PrincipalRef,
        account: &str,
        member_target: Option<&str>,
    ) -> Result<Option<Resolved>, StoreError> {
        match principal {
            PrincipalRef::User(user) => {
                let users: Vec<&str> = std::iter::once(user.as_str())
                    .chain(member_target)
                    .collect();
                let roles = self.store.member_roles(account, &users).await?;
                Ok(Some(Resolved {
                    kind: PrincipalKind::User,
                    id: user.clone(),
                    membership: roles
                        .first()
                        .copied()
                        .flatten()
                        .map(|r| (account.to_owned(), r)),
                    target_role: roles.get(1).copied().flatten(),
                }))
            }
            PrincipalRef::ApiKey(plain) => {
                let Some(key_account) = secret::account_of(secret::API_KEY_PREFIX, plain) else {
                    return Ok(None);
                };
                let Some(key) = self
                    .store
                    .resolve_api_key(&key_account, &secret::hash(plain))
                    .await?
                else {
                    return Ok(None);
                };
                let target_role = self.target_role(account, member_target).await?;
                Ok(Some(Resolved {
                    kind: PrincipalKind::ApiKey,
                    id: key.key_id,
                    membership: Some((key.account, key.role)),
                    target_role,
                }))
            }
            PrincipalRef::DiscordUser(uid) => {
                let Some(link) = self.store.resolve_discord_user(uid).await? else {
                    return Ok(None);
                };
                let target_role = self.target_role(account, member_target).await?;
                Ok(Some(Resolved {
                    kind: PrincipalKind::DiscordUser,
                    id: uid.clone(),
                    membership: Some((link.account, link.role)),
                    target_role,
                }))
            }
        }
    }

    async fn target_role(
        &self,
        account: &str,
        member_target: Option<&str>,
    ) -> Result<Option<Role>, StoreError> {
        match member_target {
            None => Ok(None),
            Some(user) => Ok(self
                .store
                .member_roles(account, &[user])
                .await?
                .first()
                .copied()
                .flatten()),
        }
    }
}

/// A principal resolved from the store.
struct Resolved {
    kind: PrincipalKind,
    id: String,
    membership: Option<(String, Role)>,
    target_role: Option<Role>,
}
