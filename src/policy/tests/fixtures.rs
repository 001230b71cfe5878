//! The fixture runner over the repository's real `policies/`, its failure
//! lines, the format's checks, and `validate_report`.

use super::super::fixtures as runner;
use super::*;

#[test]
fn the_repository_fixtures_pass() {
    let snapshot = repo_engine().snapshot();
    let cases = runner::load_dir(&repo_policies().join("tests"), snapshot.actions()).unwrap();
    let failures = runner::run(&snapshot, &cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 3 + 3 user columns, 2 + 2 key and Discord columns, for each action,
    // plus the named cases.
    let table_cells = (3 + 3 + 2 + 2) * SPEC_TABLE.len();
    assert!(cases.len() > table_cells, "{}", cases.len());
    assert_eq!(snapshot.fixture_cases(), cases.len());
}

#[test]
fn a_wrong_expectation_is_a_readable_failure_line() {
    let workspace = Workspace::copy_of_repo();
    workspace.write(
        "tests/wrong.json",
        r#"{"cases": [{
            "name": "viewers send (wrong on purpose)",
            "principal": {"type": "User", "id": "u_v", "role": "Viewer"},
            "action": "SendCampaign",
            "decision": "Allow"
        }, {
            "name": "self-removal with a wrong message",
            "principal": {"type": "User", "id": "u_a", "role": "Owner"},
            "action": "RemoveMember",
            "resource": {"type": "Member", "id": "u_a", "role": "Owner"},
            "decision": "Deny",
            "reasons": ["tenant-isolation"],
            "message": "nope"
        }]}"#,
    );
    match workspace.load() {
        Err(PolicyError::Fixtures { failures }) => assert_eq!(
            failures,
            [
                "wrong.json: \"viewers send (wrong on purpose)\": SendCampaign: expected Allow, got Deny (reasons [])",
                "wrong.json: \"self-removal with a wrong message\": RemoveMember: expected reasons [\"tenant-isolation\"], \
                 expected message Some(\"nope\"), got Some(\"Cannot remove yourself. Transfer ownership first.\") \
                 (reasons [\"no-self-removal\"])",
            ]
        ),
        Err(other) => panic!("expected fixture failures, got {other}"),
        Ok(_) => panic!("wrong fixtures must refuse the set"),
    }
}

#[test]
fn the_format_is_checked() {
    let workspace = Workspace::copy_of_repo();
    let problems = |text: &str| {
        workspace.write("tests/x.json", text);
        match workspace.load() {
            Err(PolicyError::Fixtures { failures }) => failures,
            Err(other) => panic!("expected fixture problems, got {other}"),
            Ok(_) => panic!("{text} must be refused"),
        }
    };
    // A table must state every action of the schema.
    let partial = problems(
        r#"{"tables": [{"name": "t", "principal": "User", "roles": ["Owner"],
            "expect": {"ViewTeam": ["Allow"]}}]}"#,
    );
    assert_eq!(partial.len(), SPEC_TABLE.len() - 1, "{partial:?}");
    assert!(partial
        .contains(&"x.json: table \"t\": no expectation for action `SendCampaign`".to_owned()));
    // Typos in field names and values are errors, not silently ignored.
    let typo = problems(r#"{"cases": [], "tabels": []}"#);
    assert!(
        typo[0].starts_with("x.json: cannot read fixtures: unknown field `tabels`"),
        "{typo:?}"
    );
    let role = problems(
        r#"{"cases": [{"name": "n", "principal": {"type": "User", "role": "Admin"},
            "action": "ViewTeam", "decision": "Allow"}]}"#,
    );
    assert!(role[0].contains("Admin"), "{role:?}");
    let both = problems(
        r#"{"cases": [{"name": "n", "principal": {"type": "User"}, "action": "ViewTeam",
            "actions": "*", "decision": "Deny"}]}"#,
    );
    assert_eq!(
        both,
        ["x.json: \"n\": give either `action` or `actions` (a non-empty list or \"*\")"]
    );
    let unknown = problems(
        r#"{"cases": [{"name": "n", "principal": {"type": "User"}, "action": "Fly", "decision": "Deny"}]}"#,
    );
    assert_eq!(
        unknown,
        ["x.json: \"n\": Fly: not evaluated: unknown action `Fly`"]
    );
}

#[test]
fn validate_report_summarises() {
    let (ok, text) = validate_report(&repo_policies(), &repo_schema());
    assert!(ok, "{text}");
    let cases = repo_engine().snapshot().fixture_cases();
    assert_eq!(
        text,
        format!("ok: 6 policies valid against the schema, {cases} fixture cases passed")
    );

    let workspace = Workspace::copy_of_repo();
    workspace.write("a.cedar", "permit (principal, action, resource);");
    let (ok, text) = validate_report(&workspace.policies, &workspace.schema);
    assert!(!ok);
    assert_eq!(
        text,
        "a.cedar: policy #1 has no @id annotation\nerror: 1 problems in the policies"
    );

    workspace.remove("a.cedar");
    workspace.write(
        "tests/wrong.json",
        r#"{"cases": [{"name": "n", "principal": {"type": "User"}, "action": "ViewTeam", "decision": "Allow"}]}"#,
    );
    let (ok, text) = validate_report(&workspace.policies, &workspace.schema);
    assert!(!ok);
    assert!(
        text.ends_with(&format!(
            "error: 6 policies valid against the schema, 1 of {} fixture cases failed",
            cases + 1
        )),
        "{text}"
    );
}
