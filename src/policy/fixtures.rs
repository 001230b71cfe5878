//! Decision fixtures: `policies/tests/*.json`, a format a policy reviewer
//! reads at a glance (described in `policies/tests/README.md`), expanded into
//! one [`Case`] per principal × action, and a runner that evaluates each case
//! with the snapshot's own `decide` (the production path) and returns the
//! failures as readable lines.
//!
//! A file has `tables` (a role × action expectation table; it must list
//! every action of the schema, so a new action needs a reviewed expectation)
//! and `cases` (named cases, optionally checking `reasons` and `message`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Deserializer};

use super::vocab::ACCOUNT_TYPE;
use super::{
    DecisionInput, MemberTarget, Membership, PolicySnapshot, PrincipalInput, PrincipalKind,
    ResourceInput,
};
use crate::team::Role;

/// The request account of a fixture that names none.
const DEFAULT_ACCOUNT: &str = "acct_1";

/// A decision as written in fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Expected {
    /// The request must be allowed.
    Allow,
    /// The request must be denied.
    Deny,
}

/// A principal type as written in fixtures.
#[derive(Debug, Clone, Copy, Deserialize)]
enum KindName {
    User,
    ApiKey,
    DiscordUser,
}

impl KindName {
    fn kind(self) -> PrincipalKind {
        match self {
            KindName::User => PrincipalKind::User,
            KindName::ApiKey => PrincipalKind::ApiKey,
            KindName::DiscordUser => PrincipalKind::DiscordUser,
        }
    }

    fn default_id(self) -> &'static str {
        match self {
            KindName::User => "u_fixture",
            KindName::ApiKey => "key_fixture",
            KindName::DiscordUser => "discord_fixture",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    #[allow(dead_code)] // for readers of the file only
    description: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    tables: Vec<Table>,
    #[serde(default)]
    cases: Vec<NamedCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    name: String,
    principal: KindName,
    #[serde(default)]
    resource: Option<ResourceSpec>,
    roles: Vec<Role>,
    expect: BTreeMap<String, Vec<Expected>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedCase {
    name: String,
    principal: PrincipalSpec,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    actions: Option<ActionsSpec>,
    #[serde(default)]
    resource: Option<ResourceSpec>,
    decision: Expected,
    #[serde(default)]
    reasons: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    message: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalSpec {
    #[serde(rename = "type")]
    kind: KindName,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    account: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ActionsSpec {
    /// `"*"`: every action of the schema.
    All(String),
    List(Vec<String>),
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceSpec {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    role: Option<Role>,
}

/// `Some(value)` when the key is present, even as `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// One expanded fixture case: an owned decision input and its expectation.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// Where it comes from, e.g. `roles.json: table "users": Member × SendCampaign`.
    pub(crate) label: String,
    pub(crate) principal_kind: PrincipalKind,
    pub(crate) principal_id: String,
    /// `(account, role)` of the principal's membership.
    pub(crate) membership: Option<(String, Role)>,
    /// The request's account.
    pub(crate) account: String,
    pub(crate) action: String,
    pub(crate) resource_kind: String,
    pub(crate) resource_id: String,
    /// For a `Member` resource: `(user, role)`.
    pub(crate) member: Option<(String, Option<Role>)>,
    pub(crate) decision: Expected,
    /// Exact expected reasons (any order), if given.
    pub(crate) reasons: Option<Vec<String>>,
    /// Expected message (`Some(None)`: none), if given.
    pub(crate) message: Option<Option<String>>,
}

impl Case {
    /// The principal as the engine takes it.
    pub(crate) fn principal(&self) -> PrincipalInput<'_> {
        PrincipalInput {
            kind: self.principal_kind,
            id: &self.principal_id,
            membership: self.membership.as_ref().map(|(account, role)| Membership {
                account,
                role: *role,
            }),
        }
    }

    /// The resource as the engine takes it.
    pub(crate) fn resource(&self) -> ResourceInput<'_> {
        ResourceInput {
            kind: &self.resource_kind,
            id: &self.resource_id,
            account: &self.account,
            member: self
                .member
                .as_ref()
                .map(|(user, role)| MemberTarget { user, role: *role }),
        }
    }

    /// The whole decision input.
    pub(crate) fn input(&self) -> DecisionInput<'_> {
        DecisionInput {
            principal: self.principal(),
            action: &self.action,
            resource: self.resource(),
            context: None,
        }
    }
}

/// Loads and expands every `*.json` directly in `dir` (sorted by name). A
/// missing folder means no fixtures; a file that does not parse, or a table
/// that misses an action of `actions`, is a failure line.
pub(crate) fn load_dir(dir: &Path, actions: &[String]) -> Result<Vec<Case>, Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json") && p.is_file())
        .collect();
    files.sort();
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<FixtureFile>(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(file) => expand(&name, file, actions, &mut cases, &mut problems),
            Err(e) => problems.push(format!("{name}: cannot read fixtures: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems)
    }
}

/// Expands one file's tables and cases.
fn expand(
    file: &str,
    fixture: FixtureFile,
    actions: &[String],
    cases: &mut Vec<Case>,
    problems: &mut Vec<String>,
) {
    let account = fixture.account.as_deref().unwrap_or(DEFAULT_ACCOUNT);
    for table in &fixture.tables {
        let at = format!("{file}: table \"{}\"", table.name);
        for action in actions.iter().filter(|a| !table.expect.contains_key(*a)) {
            problems.push(format!("{at}: no expectation for action `{action}`"));
        }
        for (action, row) in &table.expect {
            if row.len() != table.roles.len() {
                problems.push(format!(
                    "{at}: `{action}` has {} decisions for {} roles",
                    row.len(),
                    table.roles.len()
                ));
                continue;
            }
            for (role, decision) in table.roles.iter().zip(row) {
                let resource = resource_of(table.resource.as_ref(), account);
                let Ok(resource) = resource else {
                    problems.push(format!("{at}: the resource needs an `id`"));
                    break;
                };
                cases.push(Case {
                    label: format!("{at}: {} {role} × {action}", kind_label(table.principal)),
                    principal_kind: table.principal.kind(),
                    principal_id: table.principal.default_id().to_owned(),
                    membership: Some((account.to_owned(), *role)),
                    account: account.to_owned(),
                    action: action.clone(),
                    decision: *decision,
                    reasons: None,
                    message: None,
                    ..resource
                });
            }
        }
    }
    for case in fixture.cases {
        let at = format!("{file}: \"{}\"", case.name);
        let account = case.account.as_deref().unwrap_or(account);
        let Ok(resource) = resource_of(case.resource.as_ref(), account) else {
            problems.push(format!("{at}: the resource needs an `id`"));
            continue;
        };
        let names: Vec<String> = match (&case.action, &case.actions) {
            (Some(action), None) => vec![action.clone()],
            (None, Some(ActionsSpec::All(star))) if star == "*" => actions.to_vec(),
            (None, Some(ActionsSpec::List(list))) if !list.is_empty() => list.clone(),
            _ => {
                problems.push(format!(
                    "{at}: give either `action` or `actions` (a non-empty list or \"*\")"
                ));
                continue;
            }
        };
        let spec = &case.principal;
        if spec.role.is_none() && spec.account.is_some() {
            problems.push(format!("{at}: a principal `account` needs a `role`"));
            continue;
        }
        let membership = spec.role.map(|role| {
            let of = spec.account.as_deref().unwrap_or(account);
            (of.to_owned(), role)
        });
        for action in names {
            cases.push(Case {
                label: format!("{at}: {action}"),
                principal_kind: spec.kind.kind(),
                principal_id: spec
                    .id
                    .clone()
                    .unwrap_or_else(|| spec.kind.default_id().to_owned()),
                membership: membership.clone(),
                account: account.to_owned(),
                action,
                decision: case.decision,
                reasons: case.reasons.clone(),
                message: case.message.clone(),
                ..resource.clone()
            });
        }
    }
}

/// A case carrying only the resource fields (the rest is overwritten).
fn resource_of(spec: Option<&ResourceSpec>, account: &str) -> Result<Case, ()> {
    let (kind, id, member) = match spec {
        None => (ACCOUNT_TYPE.to_owned(), account.to_owned(), None),
        Some(spec) => {
            let id = match (&spec.id, spec.kind.as_str()) {
                (Some(id), _) => id.clone(),
                (None, ACCOUNT_TYPE) => account.to_owned(),
                (None, _) => return Err(()),
            };
            let member = (spec.kind == super::vocab::MEMBER_TYPE)
                .then(|| (spec.user.clone().unwrap_or_else(|| id.clone()), spec.role));
            (spec.kind.clone(), id, member)
        }
    };
    Ok(Case {
        label: String::new(),
        principal_kind: PrincipalKind::User,
        principal_id: String::new(),
        membership: None,
        account: account.to_owned(),
        action: String::new(),
        resource_kind: kind,
        resource_id: id,
        member,
        decision: Expected::Deny,
        reasons: None,
        message: None,
    })
}

fn kind_label(kind: KindName) -> &'static str {
    match kind {
        KindName::User => "User",
        KindName::ApiKey => "ApiKey",
        KindName::DiscordUser => "DiscordUser",
    }
}

/// Evaluates every case; one line per failing case (empty: all passed).
pub(crate) fn run(snapshot: &PolicySnapshot, cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| check(snapshot, case))
        .collect()
}

/// Why `case` fails, if it does.
fn check(snapshot: &PolicySnapshot, case: &Case) -> Option<String> {
    let decision = match snapshot.decide(&case.input()) {
        Ok(decision) => decision,
        Err(e) => return Some(format!("{}: not evaluated: {e}", case.label)),
    };
    let got = if decision.allowed {
        Expected::Allow
    } else {
        Expected::Deny
    };
    let mut problems = Vec::new();
    if got != case.decision {
        problems.push(format!("expected {:?}, got {got:?}", case.decision));
    }
    if let Some(expected) = &case.reasons {
        let mut expected = expected.clone();
        expected.sort();
        if expected != decision.reasons {
            problems.push(format!("expected reasons {expected:?}"));
        }
    }
    if let Some(expected) = &case.message {
        if *expected != decision.message {
            problems.push(format!(
                "expected message {expected:?}, got {:?}",
                decision.message
            ));
        }
    }
    if !decision.errors.is_empty() {
        problems.push(format!("evaluation errors {:?}", decision.errors));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{}: {} (reasons {:?})",
            case.label,
            problems.join(", "),
            decision.reasons
        )
    })
}
