//! Loading a policy set: read the schema and every `*.cedar` file directly
//! in the policies folder (sorted by file name), parse, re-key each policy
//! by its `@id`, validate strictly against the schema, then run the
//! fixtures of `<policies>/tests/`. Only a set that passes all of it becomes
//! a [`PolicySnapshot`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cedar_policy::{Effect, PolicyId, PolicySet, Schema, ValidationMode, Validator};
use sha2::{Digest, Sha256};

use super::decide::Evaluator;
use super::vocab::Vocabulary;
use super::{fixtures, PolicyError, PolicyInfo, PolicySnapshot};

/// The text of the files a snapshot is made of.
pub(crate) struct Sources {
    /// The schema file's path (for messages).
    pub(crate) schema_path: PathBuf,
    /// The schema file's text.
    pub(crate) schema: String,
    /// `(file name, text)` of each `*.cedar` file, sorted by name.
    pub(crate) policies: Vec<(String, String)>,
}

/// Reads the schema and the policy files.
pub(crate) fn read_sources(
    policies_dir: &Path,
    schema_path: &Path,
) -> Result<Sources, PolicyError> {
    let io_error = |path: &Path, e: std::io::Error| PolicyError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let schema = std::fs::read_to_string(schema_path).map_err(|e| io_error(schema_path, e))?;
    let mut policies = Vec::new();
    for entry in std::fs::read_dir(policies_dir).map_err(|e| io_error(policies_dir, e))? {
        let path = entry.map_err(|e| io_error(policies_dir, e))?.path();
        let is_cedar = path.extension().is_some_and(|ext| ext == "cedar");
        if !is_cedar || !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        policies.push((name, text));
    }
    policies.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Sources {
        schema_path: schema_path.to_path_buf(),
        schema,
        policies,
    })
}

/// `sha256:<hex>` over the schema and each (file name, content), in name
/// order. Every piece is length-prefixed so that moving text between files
/// or names changes the version.
pub(crate) fn version_of(sources: &Sources) -> String {
    let mut hasher = Sha256::new();
    let mut piece = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    piece(sources.schema.as_bytes());
    for (name, text) in &sources.policies {
        piece(name.as_bytes());
        piece(text.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// [`version_of`] plus the fixture files of `<policies>/tests/` (names and
/// contents, in name order): what a reload reads, without parsing it.
pub(crate) fn fingerprint(policies_dir: &Path, schema_path: &Path) -> Result<String, PolicyError> {
    let sources = read_sources(policies_dir, schema_path)?;
    let mut hasher = Sha256::new();
    let mut piece = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    piece(version_of(&sources).as_bytes());
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(policies_dir.join("tests"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
                .collect()
        })
        .unwrap_or_default();
    fixtures.sort();
    for path in fixtures {
        piece(path.to_string_lossy().as_bytes());
        // An unreadable file counts by its error: the reload will say so.
        match std::fs::read(&path) {
            Ok(bytes) => piece(&bytes),
            Err(e) => piece(e.to_string().as_bytes()),
        }
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(hex)
}

/// Parses the schema (Cedar human format).
pub(crate) fn parse_schema(sources: &Sources) -> Result<Schema, PolicyError> {
    Schema::from_cedarschema_str(&sources.schema)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| PolicyError::Schema {
            path: sources.schema_path.clone(),
            message: e.to_string(),
        })
}

/// A parsed policy set and the file each policy came from.
pub(crate) struct Parsed {
    /// Policies keyed by their `@id`.
    pub(crate) set: PolicySet,
    /// File name of each policy.
    pub(crate) files: HashMap<PolicyId, String>,
}

/// Parses every file and re-keys each policy by its `@id`. Collects every
/// problem (one line each, naming the file) rather than stopping at the first.
pub(crate) fn parse_policies(sources: &Sources) -> Result<Parsed, PolicyError> {
    let mut set = PolicySet::new();
    let mut files = HashMap::new();
    let mut messages = Vec::new();
    for (file, text) in &sources.policies {
        let parsed = match PolicySet::from_str(text) {
            Ok(parsed) => parsed,
            Err(errors) => {
                messages.extend(errors.iter().map(|e| format!("{file}: {e}")));
                continue;
            }
        };
        if parsed.templates().next().is_some() {
            messages.push(format!(
                "{file}: templates are not supported, only static policies"
            ));
        }
        // Cedar names the policies of a file `policy0`, `policy1`, … in
        // source order; sort by that index so messages follow the file.
        let mut policies: Vec<_> = parsed.policies().collect();
        policies.sort_by_key(|p| source_index(p.id()));
        for policy in policies {
            let Some(id) = policy.annotation("id") else {
                messages.push(format!(
                    "{file}: policy #{} has no @id annotation",
                    source_index(policy.id()) + 1
                ));
                continue;
            };
            let id = id.trim();
            if id.is_empty() {
                messages.push(format!("{file}: a policy has an empty @id"));
                continue;
            }
            let policy_id = PolicyId::new(id);
            if let Some(first) = files.get(&policy_id) {
                messages.push(format!("{file}: duplicate @id `{id}` (also in {first})"));
                continue;
            }
            match set.add(policy.new_id(policy_id.clone())) {
                Ok(()) => {
                    files.insert(policy_id, file.clone());
                }
                Err(e) => messages.push(format!("{file}: policy `{id}`: {e}")),
            }
        }
    }
    if messages.is_empty() {
        Ok(Parsed { set, files })
    } else {
        Err(PolicyError::Invalid { messages })
    }
}

/// The position of a freshly parsed policy in its file (`policyN` → N).
fn source_index(id: &PolicyId) -> usize {
    AsRef::<str>::as_ref(id)
        .strip_prefix("policy")
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// Strict validation; warnings (e.g. a policy that can never apply) are
/// refused too, like `cedar run-tests` does: they are bugs in a policy.
pub(crate) fn validate(schema: &Schema, parsed: &Parsed) -> Result<(), PolicyError> {
    let result = Validator::new(schema.clone()).validate(&parsed.set, ValidationMode::Strict);
    let file_of = |id: &PolicyId| {
        parsed
            .files
            .get(id)
            .map_or_else(|| "policies".to_owned(), Clone::clone)
    };
    let mut messages: Vec<String> = result
        .validation_errors()
        .map(|e| format!("{}: {e}", file_of(e.policy_id())))
        .collect();
    messages.extend(
        result
            .validation_warnings()
            .map(|w| format!("{}: warning: {w}", file_of(w.policy_id()))),
    );
    if messages.is_empty() {
        Ok(())
    } else {
        Err(PolicyError::Invalid { messages })
    }
}

/// Parses, validates and precomputes, without running the fixtures.
pub(crate) fn build_unchecked(sources: &Sources) -> Result<PolicySnapshot, PolicyError> {
    let schema = parse_schema(sources)?;
    let parsed = parse_policies(sources)?;
    validate(&schema, &parsed)?;
    let set = parsed.set;
    let vocab = Vocabulary::from_schema(&schema).map_err(|message| PolicyError::Schema {
        path: sources.schema_path.clone(),
        message,
    })?;
    let mut policies: Vec<PolicyInfo> = set
        .policies()
        .map(|p| PolicyInfo {
            id: p.id().to_string(),
            effect: match p.effect() {
                Effect::Permit => "permit",
                Effect::Forbid => "forbid",
            },
        })
        .collect();
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(PolicySnapshot {
        version: version_of(sources),
        loaded_at: chrono::Utc::now(),
        policies,
        fixture_cases: 0,
        evaluator: Evaluator::new(set, vocab),
        memo: super::memo::DecisionMemo::new(),
    })
}

/// Everything: read, parse, validate, run the fixtures. Used by start-up,
/// reload and `validate`.
pub(crate) fn build_snapshot(
    policies_dir: &Path,
    schema_path: &Path,
) -> Result<PolicySnapshot, PolicyError> {
    let sources = read_sources(policies_dir, schema_path)?;
    let mut snapshot = build_unchecked(&sources)?;
    let cases = fixtures::load_dir(&policies_dir.join("tests"), snapshot.actions())
        .map_err(|failures| PolicyError::Fixtures { failures })?;
    let failures = fixtures::run(&snapshot, &cases);
    if !failures.is_empty() {
        return Err(PolicyError::Fixtures { failures });
    }
    snapshot.fixture_cases = cases.len();
    Ok(snapshot)
}
