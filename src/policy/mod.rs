//! The policy engine: loads the Cedar schema and `policies/*.cedar`,
//! validates them (strict mode), checks them against the decision fixtures in
//! `policies/tests/`, and evaluates decisions with request-scoped entities.
//!
//! This is the only module that imports `cedar_policy`. Callers speak in the
//! plain types below ([`DecisionInput`], [`Decision`]); the current policy
//! set is an immutable [`PolicySnapshot`] behind an `ArcSwap`, replaced whole
//! by a reload after it passed validation and fixtures, so an in-flight
//! decision finishes on the snapshot it started with.
//!
//! # Layout
//!
//! - `load`: reads the schema and `*.cedar` files, re-keys policies by
//!   `@id`, validates (strict), computes the version, runs the fixtures.
//! - `vocab`: what a snapshot precomputes from the schema (action uids and
//!   entities, type names, role parents) so a decision allocates little.
//! - `entities`: the request-scoped Cedar entities of one decision.
//! - `decide`: evaluation and the mapping of Cedar's answer to [`Decision`].
//! - `fixtures`: the decision fixtures of `policies/tests/*.json` and their
//!   runner; `cedar_cli`: the same cases in the format of `cedar run-tests`.
//! - `matrix`: the role × action table and its renderings;
//!   `report`: the `validate` command's report.
//!
//! # Invariants
//!
//! - Fail closed: no error path yields an Allow. Bad input is an
//!   [`InputError`]; anything else that goes wrong while deciding is a Deny
//!   carrying the problem in [`Decision::errors`].
//! - A snapshot exists only after its policies parsed, validated strictly
//!   against the schema and passed every fixture.

mod cedar_cli;
mod decide;
mod entities;
mod fixtures;
mod load;
mod matrix;
mod memo;
mod report;
mod vocab;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::team::Role;

pub use cedar_cli::{export_cedar_cli_tests, CedarCliExport};
pub use report::validate_report;

/// The Cedar entity type of a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// `Trackly::User`: a person signed in to the web app.
    User,
    /// `Trackly::ApiKey`: an API key (id is the key id, never the secret).
    ApiKey,
    /// `Trackly::DiscordUser`: a Discord user linked through an API key.
    DiscordUser,
}

/// The principal's membership in the account of the request, resolved from
/// the store. `None` for a non-member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership<'a> {
    /// The account the principal belongs to (for an API key: the key's
    /// account, which may differ from the request's).
    pub account: &'a str,
    /// The principal's role there.
    pub role: Role,
}

/// The principal of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInput<'a> {
    /// Entity type.
    pub kind: PrincipalKind,
    /// Entity id.
    pub id: &'a str,
    /// Membership, if any.
    pub membership: Option<Membership<'a>>,
}

/// Attributes of a `Trackly::Member` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberTarget<'a> {
    /// The member's user id (also the resource id).
    pub user: &'a str,
    /// The member's current role, `None` if not a member.
    pub role: Option<Role>,
}

/// The resource of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInput<'a> {
    /// Entity type name without namespace, e.g. `Campaign`.
    pub kind: &'a str,
    /// Entity id.
    pub id: &'a str,
    /// The account the resource belongs to (the request's account).
    pub account: &'a str,
    /// For `kind == "Member"`: the member the resource stands for.
    pub member: Option<MemberTarget<'a>>,
}

/// Everything a decision needs; built by the caller from the request and
/// the store.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput<'a> {
    /// Who asks.
    pub principal: PrincipalInput<'a>,
    /// Action name without namespace, e.g. `SendCampaign`.
    pub action: &'a str,
    /// On what.
    pub resource: ResourceInput<'a>,
    /// Optional request context (a JSON object).
    pub context: Option<&'a serde_json::Value>,
}

/// The outcome of a decision. A Deny is a value, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allow or Deny.
    pub allowed: bool,
    /// Ids (`@id`) of the policies that determined the decision.
    pub reasons: Vec<String>,
    /// Evaluation errors, as `policy id: message` text.
    pub errors: Vec<String>,
    /// On a Deny determined by a forbid with `@message`, that message.
    pub message: Option<String>,
}

/// Why a decision request cannot be evaluated (the caller answers 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The action is not declared in the schema.
    #[error("unknown action `{0}`")]
    UnknownAction(String),
    /// The resource type is not declared in the schema.
    #[error("unknown resource type `{0}`")]
    UnknownResourceType(String),
    /// The context is not a JSON object.
    #[error("invalid context: {0}")]
    BadContext(String),
}

/// Why a policy set could not be loaded (start-up exits, reload keeps the
/// old set).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A file could not be read.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// The schema does not parse.
    #[error("schema `{path}` is invalid: {message}")]
    Schema {
        /// The schema file.
        path: PathBuf,
        /// Cedar's message.
        message: String,
    },
    /// Parse errors, missing/duplicate `@id`, or strict validation errors.
    #[error("policies are invalid: {}", .messages.join("; "))]
    Invalid {
        /// One line per problem, naming file and policy.
        messages: Vec<String>,
    },
    /// The policies load but contradict the fixtures in `policies/tests`.
    #[error("policy fixtures failed: {}", .failures.join("; "))]
    Fixtures {
        /// One line per failing case.
        failures: Vec<String>,
    },
}

/// `@id` and effect of one loaded policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The policy's `@id`.
    pub id: String,
    /// `permit` or `forbid`.
    pub effect: &'static str,
}

/// The role × action table computed by evaluating the policies for a member
/// of each role on the account itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Column order.
    pub roles: Vec<Role>,
    /// One row per action: the action name and, per role, whether allowed.
    pub rows: Vec<(String, Vec<bool>)>,
}

/// An immutable, validated policy set with its schema.
pub struct PolicySnapshot {
    version: String,
    loaded_at: DateTime<Utc>,
    policies: Vec<PolicyInfo>,
    fixture_cases: usize,
    evaluator: decide::Evaluator,
    /// Recent decisions of this snapshot (see `memo`).
    memo: memo::DecisionMemo,
}

impl PolicySnapshot {
    /// `sha256:<hex>` over the schema and the policy files' names and
    /// contents (sorted by name).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// When this snapshot was loaded.
    pub fn loaded_at(&self) -> DateTime<Utc> {
        self.loaded_at
    }

    /// Every policy's id and effect, sorted by id.
    pub fn policies(&self) -> &[PolicyInfo] {
        &self.policies
    }

    /// How many fixture cases (one per principal × action checked) this
    /// snapshot passed when it was loaded.
    pub fn fixture_cases(&self) -> usize {
        self.fixture_cases
    }

    /// Every action the schema declares (not the groups), in a stable order:
    /// the order of SPEC §1, then any other action by name.
    pub fn actions(&self) -> &[String] {
        self.evaluator.vocab().action_names()
    }

    /// Whether `kind` is a resource type of the schema.
    pub fn is_resource_type(&self, kind: &str) -> bool {
        self.evaluator.vocab().is_resource_type(kind)
    }

    /// Evaluates one decision. An unknown action or resource type, or a
    /// context that is not a JSON object Cedar accepts, is an
    /// [`InputError`] (a 400, not a Deny). Extra context attributes are
    /// accepted: no policy reads context, and it is passed to Cedar without
    /// schema validation. Reasons are sorted policy ids; an evaluation
    /// error in a forbid makes the decision a Deny (fail closed).
    pub fn decide(&self, input: &DecisionInput<'_>) -> Result<Decision, InputError> {
        if !memo::DecisionMemo::applies(input) {
            return self.evaluator.decide(input);
        }
        if let Some(decision) = self.memo.get(input) {
            return Ok(decision);
        }
        let decision = self.evaluator.decide(input)?;
        self.memo.put(input, &decision);
        Ok(decision)
    }

    /// The actions `principal` may perform on the account itself, in the
    /// order of [`PolicySnapshot::actions`].
    pub fn allowed_actions(&self, principal: &PrincipalInput<'_>, account: &str) -> Vec<String> {
        // One decision per action through the memo: a page load repeated by
        // the same user costs lookups, not 18 evaluations.
        self.actions()
            .iter()
            .filter(|action| {
                let input = DecisionInput {
                    principal: principal.clone(),
                    action,
                    resource: ResourceInput {
                        kind: "Account",
                        id: account,
                        account,
                        member: None,
                    },
                    context: None,
                };
                self.decide(&input).is_ok_and(|d| d.allowed)
            })
            .cloned()
            .collect()
    }

    /// The role × action table: a `User` member of each role, on the
    /// account itself.
    pub fn matrix(&self) -> Matrix {
        matrix::compute(self)
    }
}

/// The current policy snapshot, swappable by reload.
pub struct PolicyEngine {
    current: ArcSwap<PolicySnapshot>,
    policies_dir: PathBuf,
    schema_path: PathBuf,
}

impl PolicyEngine {
    /// Loads, validates and fixture-checks the policies.
    pub fn load(policies_dir: &Path, schema_path: &Path) -> Result<PolicyEngine, PolicyError> {
        let snapshot = load::build_snapshot(policies_dir, schema_path)?;
        Ok(PolicyEngine {
            current: ArcSwap::from_pointee(snapshot),
            policies_dir: policies_dir.to_path_buf(),
            schema_path: schema_path.to_path_buf(),
        })
    }

    /// The snapshot decisions should use now.
    pub fn snapshot(&self) -> Arc<PolicySnapshot> {
        self.current.load_full()
    }

    /// A fingerprint of everything a reload reads (schema, policies and
    /// fixtures) as the files are now, without parsing them: equal
    /// fingerprints mean a reload would load the same set and run the same
    /// fixtures. Lets a file watcher skip a reload when nothing changed.
    pub fn files_fingerprint(&self) -> Result<String, PolicyError> {
        load::fingerprint(&self.policies_dir, &self.schema_path)
    }

    /// Loads the files again; swaps only if the new set is valid and passes
    /// the fixtures, else keeps the old one and returns why.
    pub fn reload(&self) -> Result<Arc<PolicySnapshot>, PolicyError> {
        let snapshot = Arc::new(load::build_snapshot(&self.policies_dir, &self.schema_path)?);
        self.current.store(Arc::clone(&snapshot));
        Ok(snapshot)
    }
}
