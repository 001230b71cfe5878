//! Evaluation: turns a [`DecisionInput`] into a Cedar request, asks the
//! authorizer, and maps its answer to a [`Decision`].
//!
//! Context: the schema declares `context: {}` and no policy reads it, so a
//! caller's extra context attributes are accepted and passed to Cedar
//! *without* schema validation (schema validation would refuse any
//! attribute). Only a context that is not a JSON object is refused
//! ([`InputError::BadContext`]); one Cedar cannot represent is dropped (see
//! `context_of`). For the same reason
//! the request is built without the schema: action and resource type are
//! checked against the precomputed vocabulary instead.
//!
//! Fail closed: Cedar skips a policy whose evaluation errors, which for a
//! forbid would mean granting what it should deny. Here an erroring forbid
//! counts as applying: the decision is a Deny whose reasons are those
//! forbids. Any other internal problem is a Deny carrying the problem in
//! `errors`.

use std::collections::HashMap;

use cedar_policy::{
    AuthorizationError, Authorizer, Context, Decision as CedarDecision, Effect, PolicyId,
    PolicySet, Request, Response,
};

use super::vocab::Vocabulary;
use super::{entities, Decision, DecisionInput, InputError};

/// A validated policy set with what deciding needs, precomputed.
pub(crate) struct Evaluator {
    authorizer: Authorizer,
    policy_set: PolicySet,
    vocab: Vocabulary,
    /// Effect of each policy, by id.
    effects: HashMap<PolicyId, Effect>,
    /// `@message` of each forbid that has one.
    messages: HashMap<PolicyId, String>,
}

impl Evaluator {
    /// Precomputes the lookups of `policy_set` (already validated).
    pub(crate) fn new(policy_set: PolicySet, vocab: Vocabulary) -> Evaluator {
        let mut effects = HashMap::new();
        let mut messages = HashMap::new();
        for policy in policy_set.policies() {
            effects.insert(policy.id().clone(), policy.effect());
            if policy.effect() == Effect::Forbid {
                if let Some(message) = policy.annotation("message") {
                    messages.insert(policy.id().clone(), message.to_owned());
                }
            }
        }
        Evaluator {
            authorizer: Authorizer::new(),
            policy_set,
            vocab,
            effects,
            messages,
        }
    }

    /// The precomputed schema vocabulary.
    pub(crate) fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    /// Evaluates one decision; see the module doc for the rules.
    pub(crate) fn decide(&self, input: &DecisionInput<'_>) -> Result<Decision, InputError> {
        let action = self
            .vocab
            .action(input.action)
            .ok_or_else(|| InputError::UnknownAction(input.action.to_owned()))?;
        let resource = entities::resource(&self.vocab, &input.resource)
            .ok_or_else(|| InputError::UnknownResourceType(input.resource.kind.to_owned()))?;
        let context = context_of(input.context)?;
        if !action.applies_to(input.principal.kind, input.resource.kind) {
            return Ok(internal_deny(format!(
                "action `{}` does not apply to a {:?} on a `{}`",
                input.action, input.principal.kind, input.resource.kind
            )));
        }
        let built = resource.and_then(|(resource_uid, resource_entity)| {
            let (principal_uid, principal_entity) =
                entities::principal(&self.vocab, &input.principal)?;
            let store =
                entities::store(principal_entity, resource_entity, std::iter::once(action))?;
            let request = Request::new(
                principal_uid,
                action.uid.clone(),
                resource_uid,
                context,
                None,
            )
            .map_err(|e| format!("request: {e}"))?;
            Ok((request, store))
        });
        Ok(match built {
            Ok((request, store)) => {
                let response = self
                    .authorizer
                    .is_authorized(&request, &self.policy_set, &store);
                self.to_decision(&response)
            }
            Err(problem) => internal_deny(problem),
        })
    }

    /// Maps Cedar's response; reasons sorted, message deterministic (the
    /// first determining forbid, by id, that has an `@message`).
    fn to_decision(&self, response: &Response) -> Decision {
        let diagnostics = response.diagnostics();
        let errors: Vec<String> = diagnostics.errors().map(error_line).collect();
        let mut erroring_forbids: Vec<String> = diagnostics
            .errors()
            .map(|AuthorizationError::PolicyEvaluationError(e)| e.policy_id())
            .filter(|id| self.effects.get(*id) == Some(&Effect::Forbid))
            .map(ToString::to_string)
            .collect();
        if !erroring_forbids.is_empty() {
            erroring_forbids.sort_unstable();
            erroring_forbids.dedup();
            return Decision {
                allowed: false,
                reasons: erroring_forbids,
                errors,
                message: None,
            };
        }
        let mut reasons: Vec<&PolicyId> = diagnostics.reason().collect();
        reasons.sort_unstable_by(|a, b| AsRef::<str>::as_ref(*a).cmp(AsRef::<str>::as_ref(*b)));
        let allowed = response.decision() == CedarDecision::Allow;
        let message = if allowed {
            None
        } else {
            reasons
                .iter()
                .find_map(|id| self.messages.get(*id))
                .cloned()
        };
        Decision {
            allowed,
            reasons: reasons.iter().map(|id| id.to_string()).collect(),
            errors,
            message,
        }
    }
}

/// The Cedar context of a request: empty when absent or `{}`, else the
/// object parsed without schema (see the module doc). An object Cedar cannot
/// represent (JSON `null`, non-integer numbers, malformed `__extn`/`__entity`
/// escapes) is not an error: the schema declares `context: {}`, so no policy
/// can read it, and a caller's `{"amount": 12.5}` deserves an answer, not a
/// 400. Should a future schema declare context attributes, their absence
/// makes the policies that read them error, which denies (fail closed).
fn context_of(context: Option<&serde_json::Value>) -> Result<Context, InputError> {
    match context {
        None => Ok(Context::empty()),
        Some(serde_json::Value::Object(map)) if map.is_empty() => Ok(Context::empty()),
        Some(value @ serde_json::Value::Object(_)) => Ok(Context::from_json_value(
            value.clone(),
            None,
        )
        .unwrap_or_else(|e| {
            tracing::debug!(error = %e, "context not representable in Cedar; evaluated without it");
            Context::empty()
        })),
        Some(other) => Err(InputError::BadContext(format!(
            "context must be a JSON object, not {}",
            json_kind(other)
        ))),
    }
}

/// A JSON value's kind, for messages.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// `"<policy id>: <message>"`.
fn error_line(error: &AuthorizationError) -> String {
    match error {
        AuthorizationError::PolicyEvaluationError(e) => {
            format!("{}: {}", e.policy_id(), e.inner())
        }
    }
}

/// A Deny for a problem of the engine itself (never an Allow).
fn internal_deny(problem: String) -> Decision {
    Decision {
        allowed: false,
        reasons: Vec::new(),
        errors: vec![problem],
        message: None,
    }
}
