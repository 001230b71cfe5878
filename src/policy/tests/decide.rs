//! Decisions: allow and deny per role, reasons, messages, bad input,
//! non-members, cross-account keys, fail-closed evaluation errors.

use super::*;

const SELF_REMOVAL: &str = "Cannot remove yourself. Transfer ownership first.";

#[test]
fn each_role_gets_exactly_the_spec_table_on_the_account_and_on_a_campaign() {
    let snapshot = repo_engine().snapshot();
    let campaign = ResourceInput {
        kind: "Campaign",
        id: "c_42",
        account: "acct_1",
        member: None,
    };
    for (action, expected) in SPEC_TABLE {
        for (role, allowed) in Role::ALL.into_iter().zip(expected) {
            let user = member(PrincipalKind::User, "u_1", "acct_1", role);
            for resource in [the_account("acct_1"), campaign.clone()] {
                let decision = decide(&snapshot, &request(user.clone(), action, resource));
                assert_eq!(decision.allowed, allowed, "{role} {action}: {decision:?}");
                assert!(decision.errors.is_empty(), "{decision:?}");
            }
        }
    }
}

#[test]
fn reasons_name_the_determining_policies() {
    let snapshot = repo_engine().snapshot();
    let owner = member(PrincipalKind::User, "u_alice", "acct_1", Role::Owner);
    let viewer = member(PrincipalKind::User, "u_vera", "acct_1", Role::Viewer);
    let allowed = decide(
        &snapshot,
        &request(owner, "SendCampaign", the_account("acct_1")),
    );
    assert_eq!(allowed.reasons, ["role-owner"]);
    assert_eq!(allowed.message, None);
    let read = decide(
        &snapshot,
        &request(viewer.clone(), "ViewReports", the_account("acct_1")),
    );
    assert_eq!(
        (read.allowed, read.reasons),
        (true, vec!["role-viewer".to_owned()])
    );
    // Default deny: no policy determined it, so no reasons and no message.
    let denied = decide(
        &snapshot,
        &request(viewer, "SendCampaign", the_account("acct_1")),
    );
    assert!(!denied.allowed);
    assert!(
        denied.reasons.is_empty() && denied.message.is_none(),
        "{denied:?}"
    );
}

#[test]
fn removing_yourself_is_denied_with_the_message_removing_another_is_allowed() {
    let snapshot = repo_engine().snapshot();
    let alice = member(PrincipalKind::User, "u_alice", "acct_1", Role::Owner);
    let own = member_resource("acct_1", "u_alice", Some(Role::Owner));
    let denied = decide(&snapshot, &request(alice.clone(), "RemoveMember", own));
    assert!(!denied.allowed);
    assert_eq!(denied.reasons, ["no-self-removal"]);
    assert_eq!(denied.message.as_deref(), Some(SELF_REMOVAL));

    let bob = member_resource("acct_1", "u_bob", Some(Role::Owner));
    let allowed = decide(&snapshot, &request(alice.clone(), "RemoveMember", bob));
    assert!(allowed.allowed, "{allowed:?}");
    assert_eq!(allowed.reasons, ["role-owner"]);

    // Without member details the resource id is the member's user id.
    let bare = ResourceInput {
        kind: "Member",
        id: "u_alice",
        account: "acct_1",
        member: None,
    };
    let denied = decide(&snapshot, &request(alice, "RemoveMember", bare));
    assert_eq!(denied.message.as_deref(), Some(SELF_REMOVAL));
}

#[test]
fn a_non_member_is_denied_every_action_by_tenant_isolation() {
    let snapshot = repo_engine().snapshot();
    for action in snapshot.actions() {
        let decision = decide(
            &snapshot,
            &request(stranger("u_x"), action, the_account("acct_1")),
        );
        assert!(!decision.allowed, "{action}");
        assert_eq!(decision.reasons, ["tenant-isolation"], "{action}");
    }
    assert!(snapshot
        .allowed_actions(&stranger("u_x"), "acct_1")
        .is_empty());
}

#[test]
fn an_api_key_acts_only_in_its_own_account() {
    let snapshot = repo_engine().snapshot();
    let key = member(PrincipalKind::ApiKey, "key_1", "acct_2", Role::Member);
    let campaign = |account| ResourceInput {
        kind: "Campaign",
        id: "c_1",
        account,
        member: None,
    };
    let elsewhere = decide(
        &snapshot,
        &request(key.clone(), "SendCampaign", campaign("acct_1")),
    );
    assert!(!elsewhere.allowed);
    assert_eq!(elsewhere.reasons, ["tenant-isolation"]);
    let at_home = decide(
        &snapshot,
        &request(key.clone(), "SendCampaign", campaign("acct_2")),
    );
    assert!(at_home.allowed, "{at_home:?}");
    assert!(snapshot.allowed_actions(&key, "acct_1").is_empty());
}

#[test]
fn keys_and_discord_users_never_administer_even_as_owner() {
    let snapshot = repo_engine().snapshot();
    for kind in [PrincipalKind::ApiKey, PrincipalKind::DiscordUser] {
        let principal = member(kind, "p_1", "acct_1", Role::Owner);
        let decision = decide(
            &snapshot,
            &request(principal.clone(), "CreateApiKey", the_account("acct_1")),
        );
        assert!(!decision.allowed);
        assert_eq!(decision.reasons, ["machine-principals-never-administer"]);
        let allowed = snapshot.allowed_actions(&principal, "acct_1");
        assert!(
            !allowed
                .iter()
                .any(|a| a == "ViewActivity" || a == "ChangeRole"),
            "{allowed:?}"
        );
        assert!(allowed.iter().any(|a| a == "SendCampaign"), "{allowed:?}");
    }
}

#[test]
fn unknown_actions_and_resource_types_are_input_errors() {
    let snapshot = repo_engine().snapshot();
    let owner = member(PrincipalKind::User, "u_alice", "acct_1", Role::Owner);
    for action in ["Fly", "Administer", "Operate", "sendcampaign", ""] {
        let result = snapshot.decide(&request(owner.clone(), action, the_account("acct_1")));
        assert_eq!(result, Err(InputError::UnknownAction(action.to_owned())));
    }
    for kind in ["Spaceship", "User", "Role", "campaign"] {
        let resource = ResourceInput {
            kind,
            id: "x",
            account: "acct_1",
            member: None,
        };
        let result = snapshot.decide(&request(owner.clone(), "ViewReports", resource));
        assert_eq!(
            result,
            Err(InputError::UnknownResourceType(kind.to_owned()))
        );
    }
    assert!(snapshot.is_resource_type("Campaign") && snapshot.is_resource_type("Account"));
    assert!(!snapshot.is_resource_type("User") && !snapshot.is_resource_type("Trackly::Campaign"));
}

#[test]
fn context_must_be_an_object_and_any_object_is_fine() {
    let snapshot = repo_engine().snapshot();
    let owner = member(PrincipalKind::User, "u_alice", "acct_1", Role::Owner);
    let with_context = |context: &serde_json::Value| {
        let mut input = request(owner.clone(), "SendCampaign", the_account("acct_1"));
        input.context = Some(context);
        snapshot.decide(&input).map(|d| d.allowed)
    };
    assert_eq!(with_context(&serde_json::json!({})), Ok(true));
    let extra = serde_json::json!({"ip": "10.0.0.1", "n": 3, "tags": ["a"], "nested": {"x": true}});
    assert_eq!(with_context(&extra), Ok(true));
    for bad in [
        serde_json::json!([1]),
        serde_json::json!("x"),
        serde_json::json!(null),
        serde_json::json!(7),
    ] {
        assert!(
            matches!(with_context(&bad), Err(InputError::BadContext(_))),
            "{bad}"
        );
    }
    // Objects Cedar cannot represent are answered, not refused: no policy
    // can read the context under this schema.
    for unrepresentable in [
        serde_json::json!({"x": {"__extn": {"fn": "nope", "arg": "1"}}}),
        serde_json::json!({"amount": 12.5, "ip": null}),
    ] {
        assert_eq!(
            with_context(&unrepresentable),
            Ok(true),
            "{unrepresentable}"
        );
    }
}

#[test]
fn a_forbid_that_errors_denies_instead_of_being_skipped() {
    let workspace = Workspace::copy_of_repo();
    workspace.remove("tests/roles.json");
    workspace.remove("tests/cases.json");
    // Valid under strict validation, but overflows at evaluation.
    workspace.write(
        "broken.cedar",
        "@id(\"overflowing-forbid\")\nforbid (principal, action, resource)\nwhen { 9223372036854775807 + 1 > 0 };\n",
    );
    let snapshot = match workspace.load() {
        Ok(engine) => engine.snapshot(),
        Err(e) => panic!("the set must load: {e}"),
    };
    let owner = member(PrincipalKind::User, "u_alice", "acct_1", Role::Owner);
    let decision = decide(
        &snapshot,
        &request(owner, "SendCampaign", the_account("acct_1")),
    );
    assert!(!decision.allowed, "{decision:?}");
    assert_eq!(decision.reasons, ["overflowing-forbid"]);
    assert_eq!(decision.errors.len(), 1, "{decision:?}");
    assert!(
        decision.errors[0].starts_with("overflowing-forbid: "),
        "{decision:?}"
    );
}

#[test]
fn allowed_actions_follow_the_role_in_spec_order() {
    let snapshot = repo_engine().snapshot();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let user = member(PrincipalKind::User, "u_1", "acct_1", role);
        let expected: Vec<&str> = SPEC_TABLE
            .iter()
            .filter(|(_, cells)| cells[i])
            .map(|(action, _)| *action)
            .collect();
        assert_eq!(
            snapshot.allowed_actions(&user, "acct_1"),
            expected,
            "{role}"
        );
    }
}
