//! The Lua scripts (`scripts/*.lua`, compiled in with `include_str!`) and
//! the mapping of their status replies to [`StoreError`].
//!
//! Every change of an account is one script: its checks, its write and its
//! activity event run atomically on the account's slot. Scripts that change
//! an account get `prelude.lua` (calling convention, actor check, owner
//! count, the activity `emit`) prepended, and those that count against a
//! named limit also `ratelimit.lua`. `redis::Script` runs them with EVALSHA
//! and loads them on `NOSCRIPT` (after a Redis restart, on a new node).

use std::sync::LazyLock;

use redis::Script;

use crate::store::StoreError;

const PRELUDE: &str = include_str!("scripts/prelude.lua");
const RATE_LIMIT: &str = include_str!("scripts/ratelimit.lua");
const INVITATION: &str = include_str!("scripts/invitation.lua");

/// Every script, compiled once.
pub(super) struct Scripts {
    pub create_account: Script,
    pub change_role: Script,
    pub remove_member: Script,
    pub transfer_ownership: Script,
    pub record_login: Script,
    pub create_invitation: Script,
    pub resend_invitation: Script,
    pub revoke_invitation: Script,
    pub accept_invitation: Script,
    pub list_invitations: Script,
    pub create_api_key: Script,
    pub delete_api_key: Script,
    pub list_api_keys: Script,
    pub activity: Script,
    pub resolve_api_key: Script,
    pub link_discord: Script,
    pub unlink_discord: Script,
    pub drop_replaced_link: Script,
    pub resolve_discord: Script,
    pub delete_if_equal: Script,
}

/// A script that changes an account: the prelude, then `body`.
fn change(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

/// An invitation change that counts against a limit.
fn limited_invitation_change(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{RATE_LIMIT}{INVITATION}{body}"))
}

/// The scripts, compiled (and their SHA-1 computed) on first use.
pub(super) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create_account: change(include_str!("scripts/create_account.lua")),
    change_role: change(include_str!("scripts/change_role.lua")),
    remove_member: change(include_str!("scripts/remove_member.lua")),
    transfer_ownership: change(include_str!("scripts/transfer_ownership.lua")),
    record_login: change(include_str!("scripts/record_login.lua")),
    create_invitation: limited_invitation_change(include_str!("scripts/create_invitation.lua")),
    resend_invitation: limited_invitation_change(include_str!("scripts/resend_invitation.lua")),
    revoke_invitation: change(&format!(
        "{INVITATION}{}",
        include_str!("scripts/revoke_invitation.lua")
    )),
    accept_invitation: change(&format!(
        "{INVITATION}{}",
        include_str!("scripts/accept_invitation.lua")
    )),
    list_invitations: Script::new(include_str!("scripts/list_invitations.lua")),
    create_api_key: change(include_str!("scripts/create_api_key.lua")),
    delete_api_key: change(include_str!("scripts/delete_api_key.lua")),
    list_api_keys: Script::new(include_str!("scripts/list_api_keys.lua")),
    activity: Script::new(include_str!("scripts/activity.lua")),
    resolve_api_key: Script::new(include_str!("scripts/resolve_api_key.lua")),
    link_discord: change(include_str!("scripts/link_discord.lua")),
    unlink_discord: change(include_str!("scripts/unlink_discord.lua")),
    drop_replaced_link: Script::new(include_str!("scripts/drop_replaced_link.lua")),
    resolve_discord: Script::new(include_str!("scripts/resolve_discord.lua")),
    delete_if_equal: Script::new(include_str!("scripts/delete_if_equal.lua")),
});

/// What a change script answered: `OK` and its payload, or the refusal
/// (`RATE_LIMITED` comes back as [`Refusal::RateLimited`] for the caller,
/// who knows the limit's name, to finish).
#[derive(Debug)]
pub(super) enum Refusal {
    /// A domain refusal, final.
    Error(StoreError),
    /// The limit is full; retry after this many milliseconds.
    RateLimited(String),
}

/// Splits a read script's reply `{{status}, entry, ...}` into the entries
/// or the refusal (`NOT_MEMBER` for an unknown account).
pub(super) fn entries(mut reply: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, StoreError> {
    if reply.is_empty() {
        return Err(StoreError::Unavailable("empty script reply".into()));
    }
    let status = reply.remove(0);
    match status.first().map(String::as_str) {
        Some("OK") => Ok(reply),
        Some("NOT_MEMBER") => Err(StoreError::NotMember),
        _ => Err(StoreError::Unavailable(
            "unexpected read script status".into(),
        )),
    }
}

/// Splits a script reply `{status, payload...}` into the payload or the
/// refusal.
pub(super) fn outcome(mut reply: Vec<String>) -> Result<Vec<String>, Refusal> {
    if reply.is_empty() {
        return Err(Refusal::Error(StoreError::Unavailable(
            "empty script reply".into(),
        )));
    }
    let status = reply.remove(0);
    let error = match status.as_str() {
        "OK" => return Ok(reply),
        "RATE_LIMITED" => {
            return Err(match reply.into_iter().next() {
                Some(retry_after_ms) => Refusal::RateLimited(retry_after_ms),
                None => Refusal::Error(StoreError::Unavailable(
                    "rate-limit reply without a time".into(),
                )),
            })
        }
        "ACCOUNT_EXISTS" => StoreError::AccountExists,
        "NOT_MEMBER" => StoreError::NotMember,
        "ACTOR_ROLE_CHANGED" => StoreError::ActorRoleChanged,
        "LAST_OWNER" => StoreError::LastOwner,
        "SELF_REMOVAL" => StoreError::SelfRemoval,
        "ALREADY_MEMBER" => StoreError::AlreadyMember,
        "INVITATION_PENDING" => StoreError::InvitationPending,
        "INVITATION_USED" => StoreError::InvitationUsed,
        "INVITATION_EXPIRED" => StoreError::InvitationExpired,
        "INVITATION_NOT_RESENDABLE" => StoreError::InvitationNotResendable,
        "NOT_FOUND" => StoreError::NotFound(match reply.first().map(String::as_str) {
            Some("member") => "member",
            Some("invitation") => "invitation",
            Some("api key") => "api key",
            Some("discord link") => "discord link",
            _ => "record",
        }),
        // Ids are generated by the service (UUIDs): a taken one means the
        // data is not what this service wrote.
        "ID_TAKEN" => StoreError::Unavailable("id already taken in Redis".into()),
        other => StoreError::Unavailable(format!("unexpected script status `{other}`")),
    };
    Err(Refusal::Error(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_errors() {
        let reply = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(outcome(reply(&["OK", "a"])).unwrap(), vec!["a".to_string()]);
        assert!(matches!(
            outcome(reply(&["LAST_OWNER"])),
            Err(Refusal::Error(StoreError::LastOwner))
        ));
        assert!(matches!(
            outcome(reply(&["NOT_FOUND", "api key"])),
            Err(Refusal::Error(StoreError::NotFound("api key")))
        ));
        assert!(
            matches!(outcome(reply(&["RATE_LIMITED", "x"])), Err(Refusal::RateLimited(t)) if t == "x")
        );
        assert!(matches!(
            outcome(reply(&["WHAT"])),
            Err(Refusal::Error(StoreError::Unavailable(_)))
        ));
        assert!(matches!(
            outcome(vec![]),
            Err(Refusal::Error(StoreError::Unavailable(_)))
        ));
    }

    #[test]
    fn scripts_compile_into_distinct_hashes() {
        let s = &*SCRIPTS;
        assert_ne!(s.create_account.get_hash(), s.change_role.get_hash());
    }
}
