//! The records the team store keeps, as plain values.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A team member's role in one account. Spelled exactly as in the SPEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Full administrative access.
    Owner,
    /// Operational access: campaigns, audiences, creatives, reports.
    Member,
    /// Read-only access.
    Viewer,
}

impl Role {
    /// Every role, strongest first.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Member, Role::Viewer];

    /// The exact spelling used in JSON, Cedar entity ids and Redis values.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a string is not one of the three role names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected Owner, Member or Viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Owner" => Ok(Role::Owner),
            "Member" => Ok(Role::Member),
            "Viewer" => Ok(Role::Viewer),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// An account as created by `POST /v1/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The account id chosen by the caller.
    pub id: String,
    /// The users holding the Owner role right after creation.
    pub owners: Vec<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// One membership of a user in an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's user id.
    pub user: String,
    /// The member's role in the account.
    pub role: Role,
    /// When the user joined (account creation or invitation accept).
    pub joined_at: DateTime<Utc>,
}

/// The stored state of an invitation; `Expired` is never stored, it is
/// computed from `expires_at` (see [`Invitation::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationState {
    /// Sent, not accepted nor revoked (may still have expired).
    Pending,
    /// Turned into a membership.
    Accepted,
    /// Revoked by an Owner.
    Revoked,
}

impl InvitationState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "Pending",
            InvitationState::Accepted => "Accepted",
            InvitationState::Revoked => "Revoked",
        }
    }
}

impl FromStr for InvitationState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Pending" => Ok(InvitationState::Pending),
            "Accepted" => Ok(InvitationState::Accepted),
            "Revoked" => Ok(InvitationState::Revoked),
            other => Err(format!("unknown invitation state `{other}`")),
        }
    }
}

/// The status an invitation shows to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvitationStatus {
    /// Sent and still valid.
    Pending,
    /// Accepted.
    Accepted,
    /// Not accepted within the TTL.
    Expired,
    /// Revoked by an Owner.
    Revoked,
}

impl InvitationStatus {
    /// The exact spelling used in JSON and in `?status=`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "Pending",
            InvitationStatus::Accepted => "Accepted",
            InvitationStatus::Expired => "Expired",
            InvitationStatus::Revoked => "Revoked",
        }
    }
}

impl FromStr for InvitationStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Pending" => Ok(InvitationStatus::Pending),
            "Accepted" => Ok(InvitationStatus::Accepted),
            "Expired" => Ok(InvitationStatus::Expired),
            "Revoked" => Ok(InvitationStatus::Revoked),
            other => Err(format!(
                "unknown invitation status `{other}` (expected Pending, Accepted, Expired or Revoked)"
            )),
        }
    }
}

/// An invitation to join an account. Never holds the token, only the store
/// keeps its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Invitation id (`inv_<uuid>`).
    pub id: String,
    /// The account the invitation is for.
    pub account: String,
    /// Normalised (trimmed, lower-cased) email.
    pub email: String,
    /// The role the invitee gets on accept.
    pub role: Role,
    /// The stored state; see [`Invitation::status`] for what clients see.
    pub state: InvitationState,
    /// The user id of the Owner who invited (or last resent).
    pub invited_by: String,
    /// When the invitation was created.
    pub created_at: DateTime<Utc>,
    /// When the current token stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Who accepted it, once accepted.
    pub accepted_by: Option<String>,
}

impl Invitation {
    /// The status at `now`: a Pending invitation past `expires_at` is Expired.
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        match self.state {
            InvitationState::Accepted => InvitationStatus::Accepted,
            InvitationState::Revoked => InvitationStatus::Revoked,
            InvitationState::Pending if now >= self.expires_at => InvitationStatus::Expired,
            InvitationState::Pending => InvitationStatus::Pending,
        }
    }
}

/// An API key as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Key id (`key_<uuid>`), used in URLs and as the Cedar principal id.
    pub id: String,
    /// The account the key acts in.
    pub account: String,
    /// Human name given at creation.
    pub name: String,
    /// `Member` or `Viewer`.
    pub role: Role,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// The Owner who created it.
    pub created_by: String,
}

/// What a valid API key secret resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyPrincipal {
    /// Key id.
    pub key_id: String,
    /// The key's account.
    pub account: String,
    /// The key's role in that account.
    pub role: Role,
}

/// A Discord user linked to an account through an API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscordLink {
    /// Discord's user id.
    pub discord_user_id: String,
    /// The account the link acts in.
    pub account: String,
    /// The role of the key that made the link.
    pub role: Role,
    /// The key that made the link; deleting it removes the link.
    pub api_key_id: String,
    /// When the link was made.
    pub linked_at: DateTime<Utc>,
}
