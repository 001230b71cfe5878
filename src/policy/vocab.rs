//! What a snapshot precomputes from the schema, once, so that a decision
//! only looks things up: the action uids and action entities (with their
//! groups as ancestors, which `action in Group` needs), the entity type
//! names, and the `Role` parents of principals.

use std::collections::HashMap;
use std::str::FromStr;

use cedar_policy::{Entity, EntityId, EntityTypeName, EntityUid, Schema};

use super::PrincipalKind;
use crate::team::Role;

/// The Cedar namespace of every type and action.
pub(crate) const NAMESPACE: &str = "Trackly";

/// The actions of SPEC §1, in the order of its table. Listings (`actions()`,
/// the matrix, fixtures) use this order; an action of the schema not listed
/// here comes after them, by name.
pub(crate) const SPEC_ACTION_ORDER: [&str; 18] = [
    "CreateApiKey",
    "ViewApiKeys",
    "DeleteApiKey",
    "InviteMember",
    "ResendInvitation",
    "RevokeInvitation",
    "ChangeRole",
    "RemoveMember",
    "TransferOwnership",
    "ViewTeam",
    "ViewActivity",
    "CreateCampaign",
    "ManageCampaign",
    "SendCampaign",
    "BuildAudience",
    "BuildCreative",
    "ViewReports",
    "ViewCampaignHistory",
];

/// The resource type whose entity is the account itself.
pub(crate) const ACCOUNT_TYPE: &str = "Account";
/// The resource type that carries `user` and `role` attributes.
pub(crate) const MEMBER_TYPE: &str = "Member";

/// One action of the schema, ready to use in a request.
pub(crate) struct ActionEntry {
    /// `Trackly::Action::"<name>"`.
    pub(crate) uid: EntityUid,
    /// The action entity with its groups as parents (from the schema).
    pub(crate) entity: Entity,
    /// Which principal kinds the action applies to, by `kind_index`.
    principal_kinds: [bool; 3],
    /// The resource type names (without namespace) it applies to.
    resource_types: Vec<String>,
}

impl ActionEntry {
    /// Whether the schema lets this action apply to `kind` on `resource_type`.
    pub(crate) fn applies_to(&self, kind: PrincipalKind, resource_type: &str) -> bool {
        self.principal_kinds[kind_index(kind)]
            && self.resource_types.iter().any(|t| t == resource_type)
    }
}

/// Everything a decision looks up instead of building.
pub(crate) struct Vocabulary {
    actions: HashMap<String, ActionEntry>,
    action_names: Vec<String>,
    resource_types: HashMap<String, EntityTypeName>,
    principal_types: [EntityTypeName; 3],
    role_uids: [EntityUid; 3],
    account_type: EntityTypeName,
}

/// Index of a principal kind in the arrays above.
fn kind_index(kind: PrincipalKind) -> usize {
    match kind {
        PrincipalKind::User => 0,
        PrincipalKind::ApiKey => 1,
        PrincipalKind::DiscordUser => 2,
    }
}

/// Index of a role in `role_uids`.
fn role_index(role: Role) -> usize {
    match role {
        Role::Owner => 0,
        Role::Member => 1,
        Role::Viewer => 2,
    }
}

/// `Trackly::<basename>` as a type name.
fn type_name(basename: &str) -> Result<EntityTypeName, String> {
    EntityTypeName::from_str(&format!("{NAMESPACE}::{basename}"))
        .map_err(|e| format!("`{NAMESPACE}::{basename}` is not a type name: {e}"))
}

/// Whether `ty` is `Trackly::<something>`; returns the basename.
fn trackly_basename(ty: &EntityTypeName) -> Option<&str> {
    (ty.namespace() == NAMESPACE).then(|| ty.basename())
}

impl Vocabulary {
    /// Precomputes the vocabulary; fails (with a message about the schema)
    /// if the schema lacks a type the engine builds entities of.
    pub(crate) fn from_schema(schema: &Schema) -> Result<Vocabulary, String> {
        let declared: Vec<&EntityTypeName> = schema.entity_types().collect();
        let require = |basename: &str| -> Result<EntityTypeName, String> {
            let ty = type_name(basename)?;
            if declared.contains(&&ty) {
                Ok(ty)
            } else {
                Err(format!(
                    "the schema does not declare `{NAMESPACE}::{basename}`"
                ))
            }
        };
        let principal_types = [
            require("User")?,
            require("ApiKey")?,
            require("DiscordUser")?,
        ];
        let account_type = require(ACCOUNT_TYPE)?;
        let role_type = require("Role")?;
        let role_uids = Role::ALL.map(|role| {
            EntityUid::from_type_name_and_id(role_type.clone(), EntityId::new(role.as_str()))
        });

        let action_entities = schema
            .action_entities()
            .map_err(|e| format!("the schema's actions do not form entities: {e}"))?;
        let groups: Vec<&EntityUid> = schema.action_groups().collect();
        let mut actions = HashMap::new();
        let mut resource_types = HashMap::new();
        for uid in schema.actions() {
            if groups.contains(&uid) || trackly_basename(uid.type_name()).is_none() {
                continue;
            }
            let Some(entity) = action_entities.get(uid) else {
                return Err(format!("the schema has no entity for action {uid}"));
            };
            let mut principal_kinds = [false; 3];
            for ty in schema.principals_for_action(uid).into_iter().flatten() {
                if let Some(i) = principal_types.iter().position(|p| p == ty) {
                    principal_kinds[i] = true;
                }
            }
            let mut types = Vec::new();
            for ty in schema.resources_for_action(uid).into_iter().flatten() {
                if let Some(basename) = trackly_basename(ty) {
                    types.push(basename.to_owned());
                    resource_types.insert(basename.to_owned(), ty.clone());
                }
            }
            let entry = ActionEntry {
                uid: uid.clone(),
                entity: entity.clone(),
                principal_kinds,
                resource_types: types,
            };
            actions.insert(uid.id().unescaped().to_owned(), entry);
        }
        let action_names = ordered_action_names(actions.keys());
        Ok(Vocabulary {
            actions,
            action_names,
            resource_types,
            principal_types,
            role_uids,
            account_type,
        })
    }

    /// The action called `name` (without namespace), if the schema has it.
    pub(crate) fn action(&self, name: &str) -> Option<&ActionEntry> {
        self.actions.get(name)
    }

    /// Every action name, SPEC §1 order first.
    pub(crate) fn action_names(&self) -> &[String] {
        &self.action_names
    }

    /// Whether `kind` is a resource type of some action.
    pub(crate) fn is_resource_type(&self, kind: &str) -> bool {
        self.resource_types.contains_key(kind)
    }

    /// The full type name of resource type `kind`.
    pub(crate) fn resource_type(&self, kind: &str) -> Option<&EntityTypeName> {
        self.resource_types.get(kind)
    }

    /// The type name of a principal kind.
    pub(crate) fn principal_type(&self, kind: PrincipalKind) -> &EntityTypeName {
        &self.principal_types[kind_index(kind)]
    }

    /// `Trackly::Role::"<role>"`.
    pub(crate) fn role_uid(&self, role: Role) -> &EntityUid {
        &self.role_uids[role_index(role)]
    }

    /// `Trackly::Account`.
    pub(crate) fn account_type(&self) -> &EntityTypeName {
        &self.account_type
    }
}

/// SPEC §1 order for the actions it names, then the others by name.
fn ordered_action_names<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let rank = |name: &str| {
        SPEC_ACTION_ORDER
            .iter()
            .position(|n| *n == name)
            .unwrap_or(SPEC_ACTION_ORDER.len())
    };
    let mut names: Vec<String> = names.cloned().collect();
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    names
}
