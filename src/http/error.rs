//! The one place errors become HTTP responses: every variant maps
//! explicitly to a status and the SPEC's `{"error":{"code","message"}}`.

use chrono::Duration;

use crate::authz::AuthzError;
use crate::policy::InputError;
use crate::store::StoreError;
use crate::team::ids::InvalidInput;

/// An error answer of the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400 `invalid_request`.
    InvalidRequest(String),
    /// 401 `unauthenticated`.
    Unauthenticated(String),
    /// 403 `forbidden`; the message is the determining forbid's `@message`
    /// or a generic text.
    Forbidden(Option<String>),
    /// 404 `not_found`.
    NotFound(String),
    /// 405: the path exists, the method does not.
    MethodNotAllowed(&'static str),
    /// 409 with a SPEC conflict code.
    Conflict(&'static str, String),
    /// 410 `invitation_expired`.
    InvitationExpired,
    /// 413 `payload_too_large`.
    PayloadTooLarge,
    /// 422 `invalid_policies`: a reload was refused.
    InvalidPolicies(Vec<String>),
    /// 429 `rate_limited` with `Retry-After` seconds.
    RateLimited {
        /// Whole seconds until a slot frees (≥ 1).
        retry_after_secs: u64,
    },
    /// 503 `unavailable`: the store cannot be reached. Details are logged,
    /// not returned.
    Unavailable,
}

/// Generic text of a Deny without a policy message.
pub const FORBIDDEN_MESSAGE: &str = "The policies do not allow this action.";

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidRequest(_) => 400,
            ApiError::Unauthenticated(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::Conflict(..) => 409,
            ApiError::InvitationExpired => 410,
            ApiError::PayloadTooLarge => 413,
            ApiError::InvalidPolicies(_) => 422,
            ApiError::RateLimited { .. } => 429,
            ApiError::Unavailable => 503,
        }
    }

    /// The SPEC error code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict(code, _) => code,
            ApiError::InvitationExpired => "invitation_expired",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::InvalidPolicies(_) => "invalid_policies",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable => "unavailable",
        }
    }

    /// Human text.
    pub fn message(&self) -> String {
        match self {
            ApiError::InvalidRequest(m) | ApiError::Unauthenticated(m) | ApiError::NotFound(m) => {
                m.clone()
            }
            ApiError::Forbidden(m) => m.clone().unwrap_or_else(|| FORBIDDEN_MESSAGE.to_owned()),
            ApiError::MethodNotAllowed(allow) => {
                format!("method not allowed here (allowed: {allow})")
            }
            ApiError::Conflict(_, m) => m.clone(),
            ApiError::InvitationExpired => {
                "The invitation has expired; ask an Owner to resend it.".to_owned()
            }
            ApiError::PayloadTooLarge => "Request body exceeds 64 KiB.".to_owned(),
            ApiError::InvalidPolicies(messages) => {
                format!("policy set refused: {}", messages.join("; "))
            }
            ApiError::RateLimited { retry_after_secs } => {
                format!("Too many invitations for this account; retry in {retry_after_secs} s.")
            }
            ApiError::Unavailable => "The team store is unavailable; try again.".to_owned(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let mut error = serde_json::json!({"code": self.code(), "message": self.message()});
        if let ApiError::InvalidPolicies(messages) = self {
            error["messages"] = serde_json::json!(messages);
        }
        serde_json::json!({ "error": error })
    }

    /// Builds the error for a JSON body that does not parse.
    pub fn bad_json(e: &serde_json::Error) -> ApiError {
        ApiError::InvalidRequest(format!("malformed JSON body: {e}"))
    }
}

/// Whole seconds, rounded up, at least 1 (a `Retry-After` of 0 would invite
/// a hot retry loop).
pub fn retry_after_secs(d: Duration) -> u64 {
    let ms = d.num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

impl From<InvalidInput> for ApiError {
    fn from(e: InvalidInput) -> Self {
        ApiError::InvalidRequest(e.to_string())
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        ApiError::InvalidRequest(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => {
                // The client gets a generic 503; the cause goes to the log,
                // inside the request span.
                tracing::warn!(error = %detail, "store unavailable");
                ApiError::Unavailable
            }
            StoreError::AccountExists => {
                ApiError::Conflict("account_exists", "The account already exists.".into())
            }
            StoreError::NotMember => ApiError::NotFound("Account not found.".into()),
            StoreError::NotFound(what) => ApiError::NotFound(format!("The {what} was not found.")),
            // Only reached when the role kept changing under repeated retries.
            StoreError::ActorRoleChanged => ApiError::Conflict(
                "conflict",
                "Your role changed while the request ran; try again.".into(),
            ),
            StoreError::LastOwner => ApiError::Conflict(
                "last_owner",
                "An account must keep at least one Owner; transfer ownership first.".into(),
            ),
            StoreError::SelfRemoval => {
                ApiError::Forbidden(Some(crate::authz::SELF_REMOVAL_MESSAGE.to_owned()))
            }
            StoreError::AlreadyMember => ApiError::Conflict(
                "already_member",
                "The user is already a member of the account.".into(),
            ),
            StoreError::InvitationPending => ApiError::Conflict(
                "invitation_pending",
                "A pending invitation for this email already exists.".into(),
            ),
            StoreError::InvitationUsed => ApiError::Conflict(
                "invitation_used",
                "The invitation was already accepted.".into(),
            ),
            StoreError::InvitationExpired => ApiError::InvitationExpired,
            StoreError::InvitationNotResendable => ApiError::Conflict(
                "invitation_not_resendable",
                "Only pending or expired invitations can be resent.".into(),
            ),
            StoreError::RateLimited { retry_after, .. } => ApiError::RateLimited {
                retry_after_secs: retry_after_secs(retry_after),
            },
        }
    }
}

impl From<AuthzError> for ApiError {
    fn from(e: AuthzError) -> Self {
        match e {
            AuthzError::NotMember => ApiError::NotFound("Account not found.".into()),
            AuthzError::Denied { message } => ApiError::Forbidden(message),
            AuthzError::Input(e) => e.into(),
            AuthzError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_positive() {
        assert_eq!(retry_after_secs(Duration::milliseconds(1)), 1);
        assert_eq!(retry_after_secs(Duration::milliseconds(1001)), 2);
        assert_eq!(retry_after_secs(Duration::zero()), 1);
        assert_eq!(retry_after_secs(Duration::seconds(3600)), 3600);
    }

    #[test]
    fn shapes() {
        let e = ApiError::Forbidden(None);
        assert_eq!(e.status(), 403);
        assert_eq!(e.body()["error"]["code"], "forbidden");
        assert_eq!(e.body()["error"]["message"], FORBIDDEN_MESSAGE);
        let e: ApiError = StoreError::LastOwner.into();
        assert_eq!((e.status(), e.code()), (409, "last_owner"));
    }
}
