//! Unit tests of the policy engine: decisions (`decide`), loading and
//! reloading (`load`), the fixture runner and the Cedar CLI export
//! (`fixtures`), the matrix and the entity shapes (`shapes`).

mod decide;
mod fixtures;
mod load;
mod shapes;

use std::path::{Path, PathBuf};

use super::*;

/// The repository's `policies/` folder.
pub(super) fn repo_policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")
}

/// The repository's schema.
pub(super) fn repo_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/trackly.cedarschema")
}

/// The engine over the repository's policies (fixtures included).
pub(super) fn repo_engine() -> PolicyEngine {
    match PolicyEngine::load(&repo_policies(), &repo_schema()) {
        Ok(engine) => engine,
        Err(e) => panic!("the repository's policies must load: {e}"),
    }
}

/// A writable copy of the repository's policies, fixtures and schema.
pub(super) struct Workspace {
    _dir: tempfile::TempDir,
    pub(super) policies: PathBuf,
    pub(super) schema: PathBuf,
}

impl Workspace {
    pub(super) fn copy_of_repo() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let policies = dir.path().join("policies");
        let schema = dir.path().join("trackly.cedarschema");
        std::fs::create_dir_all(policies.join("tests")).unwrap();
        std::fs::copy(repo_schema(), &schema).unwrap();
        copy_files(&repo_policies(), &policies);
        copy_files(&repo_policies().join("tests"), &policies.join("tests"));
        Workspace {
            _dir: dir,
            policies,
            schema,
        }
    }

    pub(super) fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.policies.join(relative), text).unwrap();
    }

    pub(super) fn remove(&self, relative: &str) {
        std::fs::remove_file(self.policies.join(relative)).unwrap();
    }

    pub(super) fn load(&self) -> Result<PolicyEngine, PolicyError> {
        PolicyEngine::load(&self.policies, &self.schema)
    }
}

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// A member of `account` with `role`.
pub(super) fn member<'a>(
    kind: PrincipalKind,
    id: &'a str,
    account: &'a str,
    role: Role,
) -> PrincipalInput<'a> {
    PrincipalInput {
        kind,
        id,
        membership: Some(Membership { account, role }),
    }
}

/// A user without membership.
pub(super) fn stranger(id: &str) -> PrincipalInput<'_> {
    PrincipalInput {
        kind: PrincipalKind::User,
        id,
        membership: None,
    }
}

/// The account itself as the resource.
pub(super) fn the_account(account: &str) -> ResourceInput<'_> {
    ResourceInput {
        kind: "Account",
        id: account,
        account,
        member: None,
    }
}

/// A `Member` resource.
pub(super) fn member_resource<'a>(
    account: &'a str,
    user: &'a str,
    role: Option<Role>,
) -> ResourceInput<'a> {
    ResourceInput {
        kind: "Member",
        id: user,
        account,
        member: Some(MemberTarget { user, role }),
    }
}

/// A decision input with no context.
pub(super) fn request<'a>(
    principal: PrincipalInput<'a>,
    action: &'a str,
    resource: ResourceInput<'a>,
) -> DecisionInput<'a> {
    DecisionInput {
        principal,
        action,
        resource,
        context: None,
    }
}

/// Decides, failing the test on an input error.
pub(super) fn decide(snapshot: &PolicySnapshot, input: &DecisionInput<'_>) -> Decision {
    match snapshot.decide(input) {
        Ok(decision) => decision,
        Err(e) => panic!("{input:?} must be evaluated: {e}"),
    }
}

/// The SPEC §1 table: actions and (Owner, Member, Viewer).
pub(super) const SPEC_TABLE: [(&str, [bool; 3]); 18] = [
    ("CreateApiKey", [true, false, false]),
    ("ViewApiKeys", [true, false, false]),
    ("DeleteApiKey", [true, false, false]),
    ("InviteMember", [true, false, false]),
    ("ResendInvitation", [true, false, false]),
    ("RevokeInvitation", [true, false, false]),
    ("ChangeRole", [true, false, false]),
    ("RemoveMember", [true, false, false]),
    ("TransferOwnership", [true, false, false]),
    ("ViewTeam", [true, true, true]),
    ("ViewActivity", [true, false, false]),
    ("CreateCampaign", [true, true, false]),
    ("ManageCampaign", [true, true, false]),
    ("SendCampaign", [true, true, false]),
    ("BuildAudience", [true, true, false]),
    ("BuildCreative", [true, true, false]),
    ("ViewReports", [true, true, true]),
    ("ViewCampaignHistory", [true, true, true]),
];
