//! The shapes the engine produces: request entities conform to the schema
//! (checked with Cedar's schema-based validation, which the fast path
//! skips), the Cedar CLI export replays with the official semantics, and
//! the matrix and its renderings.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, PolicyId, PolicySet, Request, Schema,
};

use super::super::entities;
use super::*;

fn schema() -> Schema {
    let text = std::fs::read_to_string(repo_schema()).unwrap();
    Schema::from_cedarschema_str(&text).unwrap().0
}

#[test]
fn request_entities_conform_to_the_schema() {
    let snapshot = repo_engine().snapshot();
    let vocab = snapshot.evaluator.vocab();
    let schema = schema();
    let principals = [
        member(PrincipalKind::User, "u_alice", "acct_1", Role::Owner),
        member(PrincipalKind::ApiKey, "key_1", "acct_2", Role::Member),
        member(PrincipalKind::DiscordUser, "d_1", "acct_1", Role::Viewer),
        stranger("u_x"),
    ];
    let resources = [
        the_account("acct_1"),
        member_resource("acct_1", "u_bob", Some(Role::Member)),
        member_resource("acct_1", "u_gone", None),
        ResourceInput {
            kind: "Member",
            id: "u_bare",
            account: "acct_1",
            member: None,
        },
        ResourceInput {
            kind: "Invitation",
            id: "inv_1",
            account: "acct_1",
            member: None,
        },
        ResourceInput {
            kind: "Report",
            id: "r_1",
            account: "acct_1",
            member: None,
        },
    ];
    for principal in &principals {
        for resource in &resources {
            let (p_uid, p_entity) = entities::principal(vocab, principal).unwrap();
            let (r_uid, r_entity) = entities::resource(vocab, resource).unwrap().unwrap();
            let checked =
                Entities::from_entities([p_entity].into_iter().chain(r_entity), Some(&schema));
            let checked = match checked {
                Ok(checked) => checked,
                Err(e) => panic!("{principal:?} / {resource:?}: {e}"),
            };
            // With the schema's action entities the decision is the same as
            // on the fast path.
            let action = EntityUid::from_str("Trackly::Action::\"RemoveMember\"").unwrap();
            let request =
                Request::new(p_uid, action, r_uid, Context::empty(), Some(&schema)).unwrap();
            let set = reparse_by_id(&all_policies_text());
            let official = Authorizer::new().is_authorized(&request, &set, &checked);
            let ours = decide(
                &snapshot,
                &super::request(principal.clone(), "RemoveMember", resource.clone()),
            );
            assert_eq!(
                official.decision() == cedar_policy::Decision::Allow,
                ours.allowed
            );
        }
    }
}

fn all_policies_text() -> String {
    let mut files: Vec<_> = std::fs::read_dir(repo_policies())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cedar"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the Cedar CLI does: parse one text, rename policies by `@id`.
fn reparse_by_id(text: &str) -> PolicySet {
    let parsed = PolicySet::from_str(text).unwrap();
    let renamed = parsed
        .policies()
        .map(|p| p.new_id(PolicyId::new(p.annotation("id").unwrap())));
    PolicySet::from_policies(renamed).unwrap()
}

#[test]
fn the_cedar_cli_export_replays_with_schema_checked_entities() {
    let export = export_cedar_cli_tests(&repo_policies(), &repo_schema()).unwrap();
    let schema = schema();
    let set = reparse_by_id(&export.policies);
    assert_eq!(set.num_of_policies(), 6);
    let tests = export.tests.as_array().unwrap();
    assert_eq!(tests.len(), export.cases);
    assert_eq!(export.cases, repo_engine().snapshot().fixture_cases());
    for test in tests {
        let name = test["name"].as_str().unwrap();
        let uid = |key: &str| EntityUid::from_str(test["request"][key].as_str().unwrap()).unwrap();
        let action = uid("action");
        let context =
            Context::from_json_value(test["request"]["context"].clone(), Some((&schema, &action)))
                .unwrap();
        let request = Request::new(
            uid("principal"),
            action,
            uid("resource"),
            context,
            Some(&schema),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let entities = Entities::from_json_value(test["entities"].clone(), Some(&schema))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = Authorizer::new().is_authorized(&request, &set, &entities);
        let expected = test["decision"].as_str().unwrap();
        let got = if response.decision() == cedar_policy::Decision::Allow {
            "allow"
        } else {
            "deny"
        };
        assert_eq!(got, expected, "{name}");
        for reason in test["reason"].as_array().unwrap() {
            let id = PolicyId::new(reason.as_str().unwrap());
            assert!(
                response.diagnostics().reason().any(|r| *r == id),
                "{name}: {reason}"
            );
        }
        assert_eq!(response.diagnostics().errors().count(), 0, "{name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (policies, tests) = export.write_to(dir.path()).unwrap();
    assert_eq!(std::fs::read_to_string(policies).unwrap(), export.policies);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tests).unwrap()).unwrap();
    assert_eq!(written, export.tests);
}

#[test]
fn the_matrix_is_the_spec_table_and_renders_in_spec_order() {
    let matrix = repo_engine().snapshot().matrix();
    assert_eq!(matrix.roles, Role::ALL);
    let rows: Vec<(&str, [bool; 3])> = matrix
        .rows
        .iter()
        .map(|(action, cells)| (action.as_str(), [cells[0], cells[1], cells[2]]))
        .collect();
    assert_eq!(rows, SPEC_TABLE);

    let markdown = matrix.to_markdown();
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(lines[0], "| Action | Owner | Member | Viewer |");
    assert_eq!(lines[1], "|---|---|---|---|");
    assert_eq!(lines[2], "| `CreateApiKey` | yes | no | no |");
    assert_eq!(lines[19], "| `ViewCampaignHistory` | yes | yes | yes |");
    assert_eq!(lines.len(), 2 + SPEC_TABLE.len());

    let json = matrix.to_json();
    assert_eq!(
        json["roles"],
        serde_json::json!(["Owner", "Member", "Viewer"])
    );
    assert_eq!(
        json["actions"][13],
        serde_json::json!({"action": "SendCampaign", "allowed": {"Owner": true, "Member": true, "Viewer": false}})
    );
    assert_eq!(json["actions"].as_array().unwrap().len(), SPEC_TABLE.len());
}
