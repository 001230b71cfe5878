//! The `validate` command's report: parse, validate and run the fixtures,
//! printing every problem and a one-line summary.

use std::path::Path;

use super::{fixtures, load, PolicyError};

/// Checks the policies in `policies` against `schema` and the fixtures in
/// `policies/tests`. Returns whether all passed and the text to print: one
/// line per problem, then a summary such as
/// `ok: 6 policies valid against the schema, 120 fixture cases passed`.
pub fn validate_report(policies: &Path, schema: &Path) -> (bool, String) {
    let sources = match load::read_sources(policies, schema) {
        Ok(sources) => sources,
        Err(e) => return (false, format!("error: {e}")),
    };
    let snapshot = match load::build_unchecked(&sources) {
        Ok(snapshot) => snapshot,
        Err(e) => return (false, failure_text(&e)),
    };
    let n_policies = snapshot.policies().len();
    let cases = match fixtures::load_dir(&policies.join("tests"), snapshot.actions()) {
        Ok(cases) => cases,
        Err(problems) => {
            let mut text = lines(&problems);
            text.push_str(&format!(
                "error: {n_policies} policies valid, but the fixtures cannot be read ({} problems)",
                problems.len()
            ));
            return (false, text);
        }
    };
    let failures = fixtures::run(&snapshot, &cases);
    if failures.is_empty() {
        let summary = format!(
            "ok: {n_policies} policies valid against the schema, {} fixture cases passed",
            cases.len()
        );
        (true, summary)
    } else {
        let mut text = lines(&failures);
        text.push_str(&format!(
            "error: {n_policies} policies valid against the schema, {} of {} fixture cases failed",
            failures.len(),
            cases.len()
        ));
        (false, text)
    }
}

/// Each problem on its own line, then a summary line.
fn failure_text(error: &PolicyError) -> String {
    match error {
        PolicyError::Invalid { messages } => {
            let mut text = lines(messages);
            text.push_str(&format!(
                "error: {} problems in the policies",
                messages.len()
            ));
            text
        }
        other => format!("error: {other}"),
    }
}

/// `problem\n` for each problem.
fn lines(problems: &[String]) -> String {
    problems.iter().map(|p| format!("{p}\n")).collect()
}
