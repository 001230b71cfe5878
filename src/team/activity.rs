//! Team activity events, their ids and the opaque pagination cursor.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of team change recorded in the activity log (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventAction {
    /// `account.created`
    #[serde(rename = "account.created")]
    AccountCreated,
    /// `member.invited`
    #[serde(rename = "member.invited")]
    MemberInvited,
    /// `invitation.resent`
    #[serde(rename = "invitation.resent")]
    InvitationResent,
    /// `invitation.revoked`
    #[serde(rename = "invitation.revoked")]
    InvitationRevoked,
    /// `invitation.accepted`
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted,
    /// `member.role_changed`
    #[serde(rename = "member.role_changed")]
    MemberRoleChanged,
    /// `member.removed`
    #[serde(rename = "member.removed")]
    MemberRemoved,
    /// `ownership.transferred`
    #[serde(rename = "ownership.transferred")]
    OwnershipTransferred,
    /// `login`
    #[serde(rename = "login")]
    Login,
    /// `api_key.created`
    #[serde(rename = "api_key.created")]
    ApiKeyCreated,
    /// `api_key.deleted`
    #[serde(rename = "api_key.deleted")]
    ApiKeyDeleted,
    /// `discord.linked`
    #[serde(rename = "discord.linked")]
    DiscordLinked,
    /// `discord.unlinked`
    #[serde(rename = "discord.unlinked")]
    DiscordUnlinked,
}

impl EventAction {
    /// Every action type, in SPEC order.
    pub const ALL: [EventAction; 13] = [
        EventAction::AccountCreated,
        EventAction::MemberInvited,
        EventAction::InvitationResent,
        EventAction::InvitationRevoked,
        EventAction::InvitationAccepted,
        EventAction::MemberRoleChanged,
        EventAction::MemberRemoved,
        EventAction::OwnershipTransferred,
        EventAction::Login,
        EventAction::ApiKeyCreated,
        EventAction::ApiKeyDeleted,
        EventAction::DiscordLinked,
        EventAction::DiscordUnlinked,
    ];

    /// The wire spelling, e.g. `member.invited`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventAction::AccountCreated => "account.created",
            EventAction::MemberInvited => "member.invited",
            EventAction::InvitationResent => "invitation.resent",
            EventAction::InvitationRevoked => "invitation.revoked",
            EventAction::InvitationAccepted => "invitation.accepted",
            EventAction::MemberRoleChanged => "member.role_changed",
            EventAction::MemberRemoved => "member.removed",
            EventAction::OwnershipTransferred => "ownership.transferred",
            EventAction::Login => "login",
            EventAction::ApiKeyCreated => "api_key.created",
            EventAction::ApiKeyDeleted => "api_key.deleted",
            EventAction::DiscordLinked => "discord.linked",
            EventAction::DiscordUnlinked => "discord.unlinked",
        }
    }
}

impl fmt::Display for EventAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown activity action `{s}`"))
    }
}

/// The position of an event in an account's log: milliseconds since the
/// epoch plus a sequence number within that millisecond. Ids only grow, so
/// "older than X" is a stable pagination bound even while events arrive.
/// Same shape as a Redis stream id (`<ms>-<seq>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    /// Milliseconds since the Unix epoch.
    pub ms: u64,
    /// Sequence within the millisecond.
    pub seq: u64,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl FromStr for EventId {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (ms, seq) = s.split_once('-').ok_or(())?;
        let all_digits =
            |t: &str| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(ms) || !all_digits(seq) {
            return Err(());
        }
        Ok(EventId {
            ms: ms.parse().map_err(|_| ())?,
            seq: seq.parse().map_err(|_| ())?,
        })
    }
}

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEvent {
    /// Position in the log; exposed as the event `id`.
    pub id: EventId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub action: EventAction,
    /// The user who acted (for an accept, the accepting user).
    pub actor: String,
    /// What was acted on: member user id, invited email, key id, Discord user id.
    pub target: String,
    /// Action-specific details (roles, invitation id, ...); never secrets.
    pub details: serde_json::Value,
}

/// The opaque cursor of the activity log: "events strictly older than this
/// id". Encoded as base64url of `v1:<ms>-<seq>` so clients treat it as
/// opaque; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCursor(pub EventId);

impl EventCursor {
    /// The wire form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}", self.0))
    }

    /// Parses a cursor this sidecar issued; `None` for anything else.
    pub fn decode(text: &str) -> Option<EventCursor> {
        let raw = URL_SAFE_NO_PAD.decode(text).ok()?;
        let raw = std::str::from_utf8(&raw).ok()?;
        let id = raw.strip_prefix("v1:")?.parse().ok()?;
        Some(EventCursor(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip() {
        for a in EventAction::ALL {
            assert_eq!(a.as_str().parse::<EventAction>(), Ok(a));
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::json!(a.as_str())
            );
        }
        assert!("member.deleted".parse::<EventAction>().is_err());
    }

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = EventCursor(EventId {
            ms: 1_733_000_000_123,
            seq: 7,
        });
        assert_eq!(EventCursor::decode(&c.encode()), Some(c));
        for bad in ["", "abc", "1733-0", "djE6eA", "!!!"] {
            assert_eq!(EventCursor::decode(bad), None, "{bad}");
        }
        assert!(EventId { ms: 2, seq: 0 } > EventId { ms: 1, seq: 9 });
    }
}
