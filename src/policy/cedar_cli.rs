//! The fixtures in the format of the official Cedar CLI's `run-tests`
//! subcommand (`cedar run-tests --policies P --schema S --tests T`), so
//! Cedar's own tool can check the same cases independently of this engine.
//!
//! That format is a JSON array of
//! `{"name", "request": {"principal", "action", "resource", "context"},
//!   "entities": [...], "decision": "allow"|"deny", "reason": [ids], "num_errors": 0}`
//! where `reason` must be a subset of the determining policies. The CLI reads
//! one policy file and renames policies by their `@id`, so the export
//! concatenates the policy files. The entities are built by the same code as
//! a real decision (`entities.rs`) and the CLI parses them *with* the
//! schema, which also proves that the engine's entities conform to it.
//! `message` expectations have no counterpart there and are not exported.

use std::path::{Path, PathBuf};

use cedar_policy::{Entity, EntityUid};

use super::fixtures::{self, Case, Expected};
use super::{entities, load, PolicyError, PolicySnapshot};

/// The policies and tests files for `cedar run-tests`.
#[derive(Debug, Clone)]
pub struct CedarCliExport {
    /// Every policy file, concatenated in name order (each after a comment
    /// naming its file).
    pub policies: String,
    /// The test cases (a JSON array).
    pub tests: serde_json::Value,
    /// How many cases `tests` holds.
    pub cases: usize,
}

impl CedarCliExport {
    /// Writes `policies.cedar` and `tests.json` into `dir` (created if
    /// needed) and returns their paths.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let policies = dir.join("policies.cedar");
        let tests = dir.join("tests.json");
        std::fs::write(&policies, &self.policies)?;
        let text = serde_json::to_string_pretty(&self.tests).map_err(std::io::Error::other)?;
        std::fs::write(&tests, text)?;
        Ok((policies, tests))
    }
}

/// Exports the fixtures of `<policies>/tests` with the policy set. The set
/// must parse and validate; the fixtures need not pass (the CLI reports
/// the failures too).
pub fn export_cedar_cli_tests(
    policies: &Path,
    schema: &Path,
) -> Result<CedarCliExport, PolicyError> {
    let sources = load::read_sources(policies, schema)?;
    let snapshot = load::build_unchecked(&sources)?;
    let cases = fixtures::load_dir(&policies.join("tests"), snapshot.actions())
        .map_err(|failures| PolicyError::Fixtures { failures })?;
    let mut tests = Vec::with_capacity(cases.len());
    for case in &cases {
        tests.push(
            export_case(&snapshot, case).map_err(|message| PolicyError::Fixtures {
                failures: vec![format!("{}: cannot export: {message}", case.label)],
            })?,
        );
    }
    let policies = sources
        .policies
        .iter()
        .map(|(name, text)| format!("// ---- {name} ----\n{text}\n"))
        .collect();
    Ok(CedarCliExport {
        policies,
        cases: tests.len(),
        tests: serde_json::Value::Array(tests),
    })
}

/// One case in the CLI's format.
fn export_case(snapshot: &PolicySnapshot, case: &Case) -> Result<serde_json::Value, String> {
    let vocab = snapshot.evaluator.vocab();
    let action = vocab
        .action(&case.action)
        .ok_or_else(|| format!("unknown action `{}`", case.action))?;
    let (principal_uid, principal_entity) = entities::principal(vocab, &case.principal())?;
    let (resource_uid, resource_entity) = entities::resource(vocab, &case.resource())
        .ok_or_else(|| format!("unknown resource type `{}`", case.resource_kind))??;
    let mut entity_json = vec![entity_to_json(&principal_entity)?];
    if let Some(entity) = &resource_entity {
        entity_json.push(entity_to_json(entity)?);
    }
    Ok(serde_json::json!({
        "name": case.label,
        "request": {
            "principal": uid_text(&principal_uid),
            "action": uid_text(&action.uid),
            "resource": uid_text(&resource_uid),
            "context": {},
        },
        "entities": entity_json,
        "decision": match case.decision {
            Expected::Allow => "allow",
            Expected::Deny => "deny",
        },
        "reason": case.reasons.clone().unwrap_or_default(),
        "num_errors": 0,
    }))
}

fn entity_to_json(entity: &Entity) -> Result<serde_json::Value, String> {
    entity.to_json_value().map_err(|e| e.to_string())
}

fn uid_text(uid: &EntityUid) -> String {
    uid.to_string()
}
