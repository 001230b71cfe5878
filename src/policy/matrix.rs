//! The role × action table: computed by evaluating the policies for a User
//! member of each role on the account itself, and its two renderings for
//! the `matrix` command.

use super::{Matrix, Membership, PolicySnapshot, PrincipalInput, PrincipalKind};
use crate::team::Role;

/// The (made-up) account and user the table is computed for.
const MATRIX_ACCOUNT: &str = "acct_matrix";
const MATRIX_USER: &str = "u_matrix";

/// Evaluates every action for a User of each role.
pub(crate) fn compute(snapshot: &PolicySnapshot) -> Matrix {
    let roles = Role::ALL.to_vec();
    let allowed: Vec<Vec<String>> = roles
        .iter()
        .map(|role| {
            let principal = PrincipalInput {
                kind: PrincipalKind::User,
                id: MATRIX_USER,
                membership: Some(Membership {
                    account: MATRIX_ACCOUNT,
                    role: *role,
                }),
            };
            snapshot.allowed_actions(&principal, MATRIX_ACCOUNT)
        })
        .collect();
    let rows = snapshot
        .actions()
        .iter()
        .map(|action| {
            let cells = allowed.iter().map(|list| list.contains(action)).collect();
            (action.clone(), cells)
        })
        .collect();
    Matrix { roles, rows }
}

impl Matrix {
    /// A Markdown table `| Action | Owner | Member | Viewer |` with `yes` /
    /// `no` cells, one row per action in SPEC §1 order.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("| Action |");
        for role in &self.roles {
            out.push_str(&format!(" {role} |"));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(self.roles.len()));
        out.push('\n');
        for (action, cells) in &self.rows {
            out.push_str(&format!("| `{action}` |"));
            for allowed in cells {
                out.push_str(if *allowed { " yes |" } else { " no |" });
            }
            out.push('\n');
        }
        out
    }

    /// The table as JSON:
    /// `{"roles": ["Owner","Member","Viewer"],
    ///   "actions": [{"action": "CreateApiKey", "allowed": {"Owner": true, "Member": false, "Viewer": false}}, …]}`.
    /// `actions` is a list so that it keeps the SPEC §1 order.
    pub fn to_json(&self) -> serde_json::Value {
        let actions: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|(action, cells)| {
                let allowed: serde_json::Map<String, serde_json::Value> = self
                    .roles
                    .iter()
                    .zip(cells)
                    .map(|(role, allowed)| (role.as_str().to_owned(), (*allowed).into()))
                    .collect();
                serde_json::json!({"action": action, "allowed": allowed})
            })
            .collect();
        let roles: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
        serde_json::json!({"roles": roles, "actions": actions})
    }
}
