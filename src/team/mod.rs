//! The team domain: roles, members, invitations, API keys, Discord links and
//! activity events, with the rules that do not need IO (id and email
//! validation, invitation status, secret generation and hashing).
//!
//! Nothing here talks to Redis or HTTP; the stores and the HTTP layer both
//! speak in these types.

pub mod activity;
pub mod ids;
pub mod model;
pub mod secret;

pub use activity::{ActivityEvent, EventAction, EventCursor, EventId};
pub use model::{
    Account, ApiKey, ApiKeyPrincipal, DiscordLink, Invitation, InvitationState, InvitationStatus,
    Member, Role,
};
