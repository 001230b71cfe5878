//! A memo of recent decisions.
//!
//! A decision is a pure function of its [`DecisionInput`] and the snapshot:
//! the entities are built from the input alone, and the input carries
//! everything the store said (the principal's membership and role, the
//! target member's role), looked up fresh for every request. So the snapshot
//! may keep answers keyed by the whole input, and none can go stale: a role
//! change changes the input, a reload builds a new snapshot with an empty
//! memo. Requests with a non-empty context are not memoized.
//!
//! Bounded: sharded maps that are cleared when a shard fills, so memory stays
//! flat whatever the traffic, and a gateway's repeated checks (same user,
//! same action) skip Cedar's entity building and evaluation.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;

use super::{Decision, DecisionInput, PrincipalKind};
use crate::team::Role;

const SHARDS: usize = 16;
const PER_SHARD: usize = 4096;

/// The owned copy of an input.
struct Key {
    principal_kind: PrincipalKind,
    principal_id: Box<str>,
    membership: Option<(Box<str>, Role)>,
    action: Box<str>,
    resource_kind: Box<str>,
    resource_id: Box<str>,
    account: Box<str>,
    member: Option<(Box<str>, Option<Role>)>,
}

impl Key {
    fn of(input: &DecisionInput<'_>) -> Key {
        Key {
            principal_kind: input.principal.kind,
            principal_id: input.principal.id.into(),
            membership: input
                .principal
                .membership
                .as_ref()
                .map(|m| (m.account.into(), m.role)),
            action: input.action.into(),
            resource_kind: input.resource.kind.into(),
            resource_id: input.resource.id.into(),
            account: input.resource.account.into(),
            member: input
                .resource
                .member
                .as_ref()
                .map(|m| (m.user.into(), m.role)),
        }
    }

    fn matches(&self, input: &DecisionInput<'_>) -> bool {
        let p = &input.principal;
        let r = &input.resource;
        self.principal_kind == p.kind
            && *self.principal_id == *p.id
            && self.membership.as_ref().map(|(a, role)| (&**a, *role))
                == p.membership.as_ref().map(|m| (m.account, m.role))
            && *self.action == *input.action
            && *self.resource_kind == *r.kind
            && *self.resource_id == *r.id
            && *self.account == *r.account
            && self.member.as_ref().map(|(u, role)| (&**u, *role))
                == r.member.as_ref().map(|m| (m.user, m.role))
    }
}

/// One shard: inputs by hash (a bucket holds the rare collisions).
type Shard = Mutex<HashMap<u64, Vec<(Key, Decision)>>>;

/// The memo; one per snapshot.
pub(crate) struct DecisionMemo {
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Shard>,
}

impl DecisionMemo {
    /// An empty memo.
    pub(crate) fn new() -> DecisionMemo {
        DecisionMemo {
            hasher: std::collections::hash_map::RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Whether `input` may be memoized (no context to speak of).
    pub(crate) fn applies(input: &DecisionInput<'_>) -> bool {
        match input.context {
            None => true,
            Some(serde_json::Value::Object(map)) => map.is_empty(),
            Some(_) => false,
        }
    }

    fn hash(&self, input: &DecisionInput<'_>) -> u64 {
        let mut h = self.hasher.build_hasher();
        input.principal.kind.hash(&mut h);
        input.principal.id.hash(&mut h);
        input
            .principal
            .membership
            .as_ref()
            .map(|m| (m.account, m.role))
            .hash(&mut h);
        input.action.hash(&mut h);
        input.resource.kind.hash(&mut h);
        input.resource.id.hash(&mut h);
        input.resource.account.hash(&mut h);
        input
            .resource
            .member
            .as_ref()
            .map(|m| (m.user, m.role))
            .hash(&mut h);
        h.finish()
    }

    /// The remembered decision for `input`, if any.
    pub(crate) fn get(&self, input: &DecisionInput<'_>) -> Option<Decision> {
        let hash = self.hash(input);
        let shard = self.shards[(hash as usize) % SHARDS].lock().ok()?;
        shard
            .get(&hash)?
            .iter()
            .find(|(key, _)| key.matches(input))
            .map(|(_, decision)| decision.clone())
    }

    /// Remembers `decision` for `input`.
    pub(crate) fn put(&self, input: &DecisionInput<'_>, decision: &Decision) {
        let hash = self.hash(input);
        let Ok(mut shard) = self.shards[(hash as usize) % SHARDS].lock() else {
            return;
        };
        if shard.len() >= PER_SHARD {
            shard.clear();
        }
        let bucket = shard.entry(hash).or_default();
        if !bucket.iter().any(|(key, _)| key.matches(input)) {
            bucket.push((Key::of(input), decision.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::{Membership, PolicyEngine, PrincipalInput, ResourceInput};
    use super::*;

    fn input<'a>(
        role: Option<Role>,
        action: &'a str,
        context: Option<&'a serde_json::Value>,
    ) -> DecisionInput<'a> {
        DecisionInput {
            principal: PrincipalInput {
                kind: PrincipalKind::User,
                id: "u_1",
                membership: role.map(|role| Membership {
                    account: "acct_1",
                    role,
                }),
            },
            action,
            resource: ResourceInput {
                kind: "Campaign",
                id: "c_1",
                account: "acct_1",
                member: None,
            },
            context,
        }
    }

    #[test]
    fn memoized_answers_equal_fresh_ones_and_follow_the_input() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let engine = PolicyEngine::load(
            &root.join("policies"),
            &root.join("schema/trackly.cedarschema"),
        )
        .unwrap();
        let snapshot = engine.snapshot();
        for _ in 0..3 {
            for role in [
                Some(Role::Owner),
                Some(Role::Member),
                Some(Role::Viewer),
                None,
            ] {
                for action in ["SendCampaign", "ViewReports", "InviteMember"] {
                    let memoized = snapshot.decide(&input(role, action, None)).unwrap();
                    let fresh = snapshot
                        .evaluator
                        .decide(&input(role, action, None))
                        .unwrap();
                    assert_eq!(memoized, fresh, "{role:?} {action}");
                }
            }
        }
        assert!(snapshot
            .memo
            .get(&input(Some(Role::Viewer), "SendCampaign", None))
            .is_some());
        assert!(
            !snapshot
                .decide(&input(Some(Role::Viewer), "SendCampaign", None))
                .unwrap()
                .allowed
        );
        assert!(
            snapshot
                .decide(&input(Some(Role::Member), "SendCampaign", None))
                .unwrap()
                .allowed
        );
        let ctx = serde_json::json!({"ip": "10.0.0.1"});
        assert!(!DecisionMemo::applies(&input(
            None,
            "SendCampaign",
            Some(&ctx)
        )));
        assert!(DecisionMemo::applies(&input(
            None,
            "SendCampaign",
            Some(&serde_json::json!({}))
        )));
    }

    #[test]
    fn stays_bounded() {
        let memo = DecisionMemo::new();
        let decision = Decision {
            allowed: true,
            reasons: vec!["role-owner".into()],
            errors: Vec::new(),
            message: None,
        };
        let ids: Vec<String> = (0..(SHARDS * PER_SHARD * 2))
            .map(|i| format!("c_{i}"))
            .collect();
        for id in &ids {
            let mut i = input(Some(Role::Owner), "SendCampaign", None);
            i.resource.id = id;
            memo.put(&i, &decision);
        }
        let total: usize = memo
            .shards
            .iter()
            .map(|s| s.lock().unwrap().values().map(Vec::len).sum::<usize>())
            .sum();
        assert!(total <= SHARDS * PER_SHARD, "{total}");
        assert!(total > 0);
    }
}
