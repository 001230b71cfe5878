//! Loading and reloading: version, listings, refusals naming the file, and
//! a reload that keeps the running set when the new one is refused.

use super::*;

fn invalid_messages(result: Result<PolicyEngine, PolicyError>) -> Vec<String> {
    match result {
        Err(PolicyError::Invalid { messages }) => messages,
        Err(other) => panic!("expected invalid policies, got {other}"),
        Ok(_) => panic!("expected invalid policies, the set loaded"),
    }
}

#[test]
fn a_snapshot_lists_policies_actions_and_a_content_version() {
    let snapshot = repo_engine().snapshot();
    let ids: Vec<(&str, &str)> = snapshot
        .policies()
        .iter()
        .map(|p| (p.id.as_str(), p.effect))
        .collect();
    assert_eq!(
        ids,
        [
            ("machine-principals-never-administer", "forbid"),
            ("no-self-removal", "forbid"),
            ("role-member", "permit"),
            ("role-owner", "permit"),
            ("role-viewer", "permit"),
            ("tenant-isolation", "forbid"),
        ]
    );
    let spec_order: Vec<&str> = SPEC_TABLE.iter().map(|(a, _)| *a).collect();
    assert_eq!(snapshot.actions(), spec_order);
    let version = snapshot.version();
    assert!(
        version.starts_with("sha256:") && version.len() == 7 + 64,
        "{version}"
    );
    assert!(
        snapshot.fixture_cases() > 200,
        "{}",
        snapshot.fixture_cases()
    );
}

#[test]
fn the_version_changes_with_any_policy_or_schema_byte_and_only_then() {
    let workspace = Workspace::copy_of_repo();
    let first = workspace.load().unwrap().snapshot().version().to_owned();
    assert_eq!(workspace.load().unwrap().snapshot().version(), first);
    // A fixture file is not part of the version.
    workspace.write("tests/extra.json", "{}");
    assert_eq!(workspace.load().unwrap().snapshot().version(), first);
    let roles = std::fs::read_to_string(workspace.policies.join("roles.cedar")).unwrap();
    workspace.write("roles.cedar", &format!("{roles}\n// a comment\n"));
    let second = workspace.load().unwrap().snapshot().version().to_owned();
    assert_ne!(second, first);
    let schema = std::fs::read_to_string(&workspace.schema).unwrap();
    std::fs::write(&workspace.schema, format!("{schema}\n")).unwrap();
    assert_ne!(workspace.load().unwrap().snapshot().version(), second);
}

#[test]
fn a_policy_without_id_is_refused_naming_the_file() {
    let workspace = Workspace::copy_of_repo();
    workspace.write(
        "extra.cedar",
        "@id(\"fine\")\nforbid (principal, action == Trackly::Action::\"ViewActivity\", resource) when { false };\n\
         permit (principal, action, resource);\n",
    );
    let messages = invalid_messages(workspace.load());
    assert_eq!(messages, ["extra.cedar: policy #2 has no @id annotation"]);
}

#[test]
fn a_duplicate_id_is_refused_naming_both_files() {
    let workspace = Workspace::copy_of_repo();
    workspace.write(
        "zz-extra.cedar",
        "@id(\"role-owner\")\npermit (principal in Trackly::Role::\"Owner\", action == Trackly::Action::\"ViewTeam\", resource);\n",
    );
    let messages = invalid_messages(workspace.load());
    assert_eq!(
        messages,
        ["zz-extra.cedar: duplicate @id `role-owner` (also in roles.cedar)"]
    );
}

#[test]
fn parse_and_strict_validation_errors_name_the_file() {
    let workspace = Workspace::copy_of_repo();
    workspace.write(
        "broken.cedar",
        "@id(\"broken\")\npermit (principal, action, resource) when {",
    );
    let messages = invalid_messages(workspace.load());
    assert!(
        messages.iter().all(|m| m.starts_with("broken.cedar: ")),
        "{messages:?}"
    );

    workspace.write(
        "broken.cedar",
        "@id(\"typo\")\npermit (principal is Trackly::Usr, action, resource);\n",
    );
    let messages = invalid_messages(workspace.load());
    assert_eq!(
        messages[0],
        "broken.cedar: for policy `typo`, unrecognized entity type `Trackly::Usr`"
    );
    assert!(
        messages.iter().all(|m| m.starts_with("broken.cedar: ")),
        "{messages:?}"
    );

    // A warning is refused too: a policy that can never apply is a bug.
    workspace.write(
        "broken.cedar",
        "@id(\"never\")\npermit (principal, action, resource) when { false };\n",
    );
    let messages = invalid_messages(workspace.load());
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("broken.cedar: warning: for policy `never`"),
        "{messages:?}"
    );

    // An attribute a User may lack, read without `has`: strict validation refuses it.
    workspace.write(
        "broken.cedar",
        "@id(\"unsafe\")\npermit (principal, action, resource) when { principal.account == resource };\n",
    );
    let messages = invalid_messages(workspace.load());
    assert!(
        messages.iter().any(|m| m.starts_with("broken.cedar: ")),
        "{messages:?}"
    );
}

#[test]
fn templates_are_refused() {
    let workspace = Workspace::copy_of_repo();
    workspace.write(
        "template.cedar",
        "@id(\"tpl\")\npermit (principal == ?principal, action, resource);\n",
    );
    let messages = invalid_messages(workspace.load());
    assert!(
        messages
            .iter()
            .any(|m| m.contains("templates are not supported")),
        "{messages:?}"
    );
}

#[test]
fn a_missing_or_broken_schema_is_reported_as_such() {
    let workspace = Workspace::copy_of_repo();
    let missing = workspace.policies.join("nope.cedarschema");
    assert!(matches!(
        PolicyEngine::load(&workspace.policies, &missing),
        Err(PolicyError::Io { path, .. }) if path == missing
    ));
    std::fs::write(&workspace.schema, "namespace Trackly { entity }").unwrap();
    assert!(matches!(workspace.load(), Err(PolicyError::Schema { .. })));
}

#[test]
fn reload_swaps_on_success_and_keeps_the_running_set_on_any_refusal() {
    let workspace = Workspace::copy_of_repo();
    let engine = workspace.load().unwrap();
    let original = engine.snapshot().version().to_owned();
    let roles = std::fs::read_to_string(workspace.policies.join("roles.cedar")).unwrap();

    // Invalid: does not parse.
    workspace.write("roles.cedar", "permit (");
    assert!(matches!(engine.reload(), Err(PolicyError::Invalid { .. })));
    assert_eq!(engine.snapshot().version(), original);

    // Valid, but contradicts the fixtures: viewers may now send campaigns.
    let widened = roles.replace(
        "action in Trackly::Action::\"Read\",",
        "action in [Trackly::Action::\"Read\", Trackly::Action::\"Operate\"],",
    );
    assert_ne!(widened, roles, "the viewer policy must be found");
    workspace.write("roles.cedar", &widened);
    match engine.reload() {
        Err(PolicyError::Fixtures { failures }) => {
            assert!(
                failures.iter().any(|f| f.contains("Viewer × SendCampaign")),
                "{failures:?}"
            );
        }
        Err(other) => panic!("expected fixture failures, got {other}"),
        Ok(_) => panic!("a set contradicting the fixtures must be refused"),
    }
    assert_eq!(engine.snapshot().version(), original);
    let viewer = member(PrincipalKind::User, "u_v", "acct_1", Role::Viewer);
    let still = decide(
        &engine.snapshot(),
        &request(viewer, "SendCampaign", the_account("acct_1")),
    );
    assert!(!still.allowed);

    // Valid and passing: swapped, and the new snapshot is returned.
    workspace.write("roles.cedar", &format!("{roles}\n// reviewed\n"));
    let swapped = engine.reload().unwrap();
    assert_ne!(swapped.version(), original);
    assert_eq!(engine.snapshot().version(), swapped.version());
}
