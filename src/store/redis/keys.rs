//! The Redis key layout: the only place that knows key names. Lua scripts
//! get every key (or, for keys named after a value they read, the key's
//! prefix) from here as arguments.
//!
//! Every key of an account carries the hash tag `{<account>}` so that all of
//! them live in one Redis Cluster slot: each change is one Lua script
//! touching one slot, on a single node and on a cluster alike. Account ids
//! cannot contain `{` or `}` (`team::ids::check_id`), so the tag is exact.
//!
//! | key | type | content |
//! |---|---|---|
//! | `trackly:{A}:account` | hash | `owner`, `created_at` |
//! | `trackly:{A}:members` | hash | user id → `<Role>\|<joined_at>` |
//! | `trackly:{A}:invs` | zset | invitation ids, score = creation order |
//! | `trackly:{A}:inv:<id>` | hash | `email`, `role`, `state`, `invited_by`, `created_at`, `expires_at`, `token_hash`, `accepted_by` |
//! | `trackly:{A}:inv_email:<email>` | string | id of the latest invitation for the email while it is Pending |
//! | `trackly:{A}:inv_token:<sha256>` | string | invitation id of the current token; removed on resend (old token) and revoke, kept after accept (→ `InvitationUsed`) |
//! | `trackly:{A}:ratelimit:<name>` | zset | one member `<ms>:<token sha256>` per admitted hit, score = its ms; hits that left the window are dropped on the next check |
//! | `trackly:{A}:keys` | zset | API key ids, score = creation order |
//! | `trackly:{A}:key:<id>` | hash | `name`, `role`, `prefix`, `created_at`, `created_by`, `secret_hash` |
//! | `trackly:{A}:key_hash:<sha256>` | string | API key id |
//! | `trackly:{A}:key_links:<id>` | set | Discord user ids linked with the key |
//! | `trackly:{A}:discord:<discord user>` | hash | the link record: `api_key_id`, `role`, `linked_at` |
//! | `trackly:{A}:activity` | stream | every event: `action`, `actor`, `target`, `details` (JSON) |
//! | `trackly:{A}:activity:<action>` | stream | the events of one action type, same ids as in `activity` |
//! | `trackly:discord:<discord user>` | string | the account of the user's link (the one key without an account tag) |
//!
//! Times (`created_at`, `joined_at`, `expires_at`, `linked_at`) are
//! nanoseconds since the Unix epoch as 20-digit zero-padded decimals: exact
//! (what was given comes back), and ordered the same as text and as numbers,
//! so the scripts compare them as strings. Rate-limit hits and activity ids
//! are in milliseconds, like the memory store's: ids are `<ms>-<seq>` and an
//! event's `at` is its id's milliseconds.
//!
//! No key has a Redis TTL: time is always the caller's `now` (never Redis'
//! clock), so expiry (invitations, rate-limit hits, retention) is decided
//! by the scripts and readers, and purged by later writes.
//!
//! Secrets never appear: API keys and invitation tokens are stored only as
//! SHA-256 hex (`team::secret::hash`), and only inside key names and values.
//!
//! `trackly:discord:<user>` is written after the account-slot script that
//! made the link (a cluster cannot change two slots atomically). It is only a
//! pointer: resolving a Discord user reads the link record and checks its API
//! key inside the account slot, so a stale pointer never grants anything.

use crate::team::EventAction;

/// Prefix of every key this service writes.
pub const PREFIX: &str = "trackly:";

/// `trackly:{A}:` — the start of every key of account `A`.
fn base(account: &str) -> String {
    format!("{PREFIX}{{{account}}}:")
}

/// The account record.
pub fn account(account: &str) -> String {
    format!("{}account", base(account))
}

/// The members hash.
pub fn members(account: &str) -> String {
    format!("{}members", base(account))
}

/// The index of the account's invitations.
pub fn invitations(account: &str) -> String {
    format!("{}invs", base(account))
}

/// Prefix of the invitation hashes; a script appends the id it read.
pub fn invitation_prefix(account: &str) -> String {
    format!("{}inv:", base(account))
}

/// One invitation.
pub fn invitation(account: &str, id: &str) -> String {
    format!("{}{id}", invitation_prefix(account))
}

/// Prefix of the pending-invitation-by-email pointers.
pub fn invitation_email_prefix(account: &str) -> String {
    format!("{}inv_email:", base(account))
}

/// The pending invitation for an email.
pub fn invitation_email(account: &str, email: &str) -> String {
    format!("{}{email}", invitation_email_prefix(account))
}

/// Prefix of the token-hash pointers.
pub fn invitation_token_prefix(account: &str) -> String {
    format!("{}inv_token:", base(account))
}

/// The invitation a token hash belongs to.
pub fn invitation_token(account: &str, token_hash: &str) -> String {
    format!("{}{token_hash}", invitation_token_prefix(account))
}

/// The hits of one named rate limit.
pub fn rate_limit(account: &str, name: &str) -> String {
    format!("{}ratelimit:{name}", base(account))
}

/// The index of the account's API keys.
pub fn api_keys(account: &str) -> String {
    format!("{}keys", base(account))
}

/// Prefix of the API key hashes; a script appends the id it read.
pub fn api_key_prefix(account: &str) -> String {
    format!("{}key:", base(account))
}

/// One API key.
pub fn api_key(account: &str, id: &str) -> String {
    format!("{}{id}", api_key_prefix(account))
}

/// Prefix of the secret-hash pointers.
pub fn api_key_hash_prefix(account: &str) -> String {
    format!("{}key_hash:", base(account))
}

/// The API key a secret hash belongs to.
pub fn api_key_hash(account: &str, secret_hash: &str) -> String {
    format!("{}{secret_hash}", api_key_hash_prefix(account))
}

/// Prefix of the per-key sets of linked Discord users.
pub fn api_key_links_prefix(account: &str) -> String {
    format!("{}key_links:", base(account))
}

/// The Discord users linked with one API key.
pub fn api_key_links(account: &str, id: &str) -> String {
    format!("{}{id}", api_key_links_prefix(account))
}

/// Prefix of the account's Discord link records.
pub fn discord_link_prefix(account: &str) -> String {
    format!("{}discord:", base(account))
}

/// The link record of a Discord user in an account.
pub fn discord_link(account: &str, discord_user_id: &str) -> String {
    format!("{}{discord_user_id}", discord_link_prefix(account))
}

/// The global pointer Discord user → account (no account tag: the account
/// is what it tells).
pub fn discord_account(discord_user_id: &str) -> String {
    format!("{PREFIX}discord:{discord_user_id}")
}

/// The account's activity stream.
pub fn activity(account: &str) -> String {
    format!("{}activity", base(account))
}

/// The stream of one action type of the account (same ids as [`activity`]).
pub fn activity_of(account: &str, action: EventAction) -> String {
    format!("{}activity:{}", base(account), action.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_account_key_carries_the_hash_tag() {
        let a = "acct_1";
        let keys = [
            account(a),
            members(a),
            invitations(a),
            invitation(a, "inv_1"),
            invitation_email(a, "a@b.co"),
            invitation_token(a, "ab12"),
            rate_limit(a, "invite"),
            api_keys(a),
            api_key(a, "key_1"),
            api_key_hash(a, "ab12"),
            api_key_links(a, "key_1"),
            discord_link(a, "123"),
            activity(a),
            activity_of(a, EventAction::Login),
        ];
        for key in keys {
            assert!(key.starts_with("trackly:{acct_1}:"), "{key}");
        }
        assert_eq!(members(a), "trackly:{acct_1}:members");
        assert_eq!(
            activity_of(a, EventAction::MemberInvited),
            "trackly:{acct_1}:activity:member.invited"
        );
        assert_eq!(discord_account("123"), "trackly:discord:123");
    }
}
