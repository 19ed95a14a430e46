//! Workspace use cases: items, projects and agents (owner-scoped CRUD), and
//! chat with an assistant.

mod agent_service;
pub(crate) mod chat_service;
mod error;
mod item_service;
mod project_service;

#[cfg(test)]
mod chat_tests;
#[cfg(test)]
mod crud_tests;
#[cfg(test)]
use crate::test_support::workspace as test_support;

pub use agent_service::{AgentInput, AgentPatch, AgentService};
pub use chat_service::{Assistants, ChatInput, ChatService, ChatSettings};
pub use error::{WorkspaceCase, WorkspaceError};
pub use item_service::{ItemInput, ItemPatch, ItemService};
pub use project_service::{ProjectInput, ProjectPatch, ProjectService};

use keel_domain::FieldError;
use keel_domain::identity::{Principal, UserId};
use keel_domain::workspace::{Name, long_text};

/// Whether `principal` may see and change what `owner` owns: the owner and
/// admins. Anyone else gets "not found", never "forbidden".
pub(crate) fn owns(principal: &Principal, owner: UserId) -> bool {
    principal.user.id == owner || principal.is_admin()
}

/// Whose rows a list shows: the caller's, or everyone's for an admin.
pub(crate) fn list_scope(principal: &Principal) -> Option<UserId> {
    (!principal.is_admin()).then_some(principal.user.id)
}

/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 5_000;

/// A validated name (on field `name_field`) and optional description, every
/// error at once.
pub(crate) fn named(
    name_field: &str,
    name: &str,
    description: Option<&str>,
) -> Result<(Name, Option<String>), WorkspaceError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let name = Name::parse(name, name_field)
        .map_err(|e| errors.push(e))
        .ok();
    let description = description
        .map(|d| long_text(d, "description", DESCRIPTION_MAX, false))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
        .flatten();
    match name {
        Some(name) if errors.is_empty() => Ok((name, description)),
        _ => Err(WorkspaceError::Validation(errors)),
    }
}
