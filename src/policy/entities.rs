//! The request-scoped Cedar entities of one decision, built from a
//! [`DecisionInput`](super::DecisionInput) and the snapshot's vocabulary.
//!
//! Shapes (see `schema/trackly.cedarschema`):
//! - the principal, with parent `Trackly::Role::"<role>"` and attribute
//!   `account` only when it has a membership;
//! - the resource, with the request's account as parent; a `Member` also
//!   carries `user` (default: its id) and `role` (when a member);
//! - a resource of type `Account` is the account entity itself, which has no
//!   attributes nor parents, so it is not added (Cedar treats a missing
//!   entity like one without attributes or parents);
//! - the action entity, with its groups as ancestors, copied from the
//!   schema, so `action in Trackly::Action::"Operate"` works without passing
//!   the schema (and paying for entity validation) on every request.

use cedar_policy::{Entities, Entity, EntityId, EntityUid, RestrictedExpression};

use super::vocab::{ActionEntry, Vocabulary, ACCOUNT_TYPE, MEMBER_TYPE};
use super::{PrincipalInput, ResourceInput};

/// The principal's uid and entity.
pub(crate) fn principal(
    vocab: &Vocabulary,
    input: &PrincipalInput<'_>,
) -> Result<(EntityUid, Entity), String> {
    let uid = EntityUid::from_type_name_and_id(
        vocab.principal_type(input.kind).clone(),
        EntityId::new(input.id),
    );
    let entity = match &input.membership {
        None => Entity::new_no_attrs(uid.clone(), Default::default()),
        Some(membership) => {
            let account = account_uid(vocab, membership.account);
            Entity::new_with_tags(
                uid.clone(),
                [(
                    "account".to_owned(),
                    RestrictedExpression::new_entity_uid(account),
                )],
                [vocab.role_uid(membership.role).clone()],
                [],
            )
            .map_err(|e| format!("principal entity: {e}"))?
        }
    };
    Ok((uid, entity))
}

/// The resource's uid and, unless it is the account itself, its entity.
/// `None` if the resource type is unknown.
pub(crate) fn resource(
    vocab: &Vocabulary,
    input: &ResourceInput<'_>,
) -> Option<Result<(EntityUid, Option<Entity>), String>> {
    let ty = vocab.resource_type(input.kind)?;
    let uid = EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(input.id));
    if input.kind == ACCOUNT_TYPE {
        return Some(Ok((uid, None)));
    }
    let parents = [account_uid(vocab, input.account)];
    let entity = if input.kind == MEMBER_TYPE {
        // The caller should always say who the member is; if it did not, the
        // resource id is the member's user id (SPEC §1) and the role unknown.
        let (user, role) = match &input.member {
            Some(member) => (member.user, member.role),
            None => (input.id, None),
        };
        let user_uid = EntityUid::from_type_name_and_id(
            vocab.principal_type(super::PrincipalKind::User).clone(),
            EntityId::new(user),
        );
        let mut attrs = Vec::with_capacity(2);
        attrs.push((
            "user".to_owned(),
            RestrictedExpression::new_entity_uid(user_uid),
        ));
        if let Some(role) = role {
            attrs.push((
                "role".to_owned(),
                RestrictedExpression::new_entity_uid(vocab.role_uid(role).clone()),
            ));
        }
        match Entity::new_with_tags(uid.clone(), attrs, parents, []) {
            Ok(entity) => entity,
            Err(e) => return Some(Err(format!("resource entity: {e}"))),
        }
    } else {
        Entity::new_no_attrs(uid.clone(), parents.into_iter().collect())
    };
    Some(Ok((uid, Some(entity))))
}

/// `Trackly::Account::"<id>"`.
fn account_uid(vocab: &Vocabulary, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(vocab.account_type().clone(), EntityId::new(id))
}

/// The entity store of one request: principal, resource (if any) and the
/// given action entities (one per decision).
pub(crate) fn store<'a>(
    principal: Entity,
    resource: Option<Entity>,
    actions: impl Iterator<Item = &'a ActionEntry>,
) -> Result<Entities, String> {
    let all = [principal]
        .into_iter()
        .chain(resource)
        .chain(actions.map(|action| action.entity.clone()));
    Entities::from_entities(all, None).map_err(|e| format!("entities: {e}"))
}
