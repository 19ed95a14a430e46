use std::sync::Arc;

use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::workspace::{Item, ItemId, ItemRepo};
use keel_domain::{Page, PageRequest};

use super::error::WorkspaceError;
use super::{list_scope, named, owns};

/// A new item, or a whole replacement (`PUT`).
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    /// 1..=200 characters.
    pub title: String,
    /// At most 5,000 characters.
    pub description: Option<String>,
}

/// A partial item update; `Some(None)` clears the description.
#[derive(Debug, Clone, Default)]
pub struct ItemPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<Option<String>>,
}

/// Items: the caller's own; admins see and change all.
pub struct ItemService {
    items: Arc<dyn ItemRepo>,
    clock: Arc<dyn Clock>,
}

impl ItemService {
    /// Wires the service.
    pub fn new(items: Arc<dyn ItemRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { items, clock }
    }

    /// A page of the caller's items (an admin's: everyone's).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Item>, WorkspaceError> {
        Ok(self.items.list(list_scope(principal), page).await?)
    }

    /// Item `id` when the caller may see it.
    ///
    /// # Errors
    /// `NotFound` for a missing item or one of someone else's; storage errors.
    pub async fn get(&self, principal: &Principal, id: ItemId) -> Result<Item, WorkspaceError> {
        match self.items.find(id).await? {
            Some(item) if owns(principal, item.owner_id) => Ok(item),
            _ => Err(WorkspaceError::NotFound),
        }
    }

    /// Creates an item owned by the caller.
    ///
    /// # Errors
    /// `Validation`; storage errors.
    pub async fn create(
        &self,
        principal: &Principal,
        input: ItemInput,
    ) -> Result<Item, WorkspaceError> {
        let (title, description) = named("title", &input.title, input.description.as_deref())?;
        let now = self.clock.now();
        let item = Item {
            id: ItemId::generate(),
            owner_id: principal.user.id,
            title,
            description,
            created_at: now,
            updated_at: now,
        };
        self.items.save(&item).await?;
        Ok(item)
    }

    /// Replaces every field of item `id` (`PUT`).
    ///
    /// # Errors
    /// `Validation`, `NotFound`; storage errors.
    pub async fn replace(
        &self,
        principal: &Principal,
        id: ItemId,
        input: ItemInput,
    ) -> Result<Item, WorkspaceError> {
        let (title, description) = named("title", &input.title, input.description.as_deref())?;
        let mut item = self.get(principal, id).await?;
        item.title = title;
        item.description = description;
        item.updated_at = self.clock.now();
        self.items.save(&item).await?;
        Ok(item)
    }

    /// Changes the given fields of item `id` (`PATCH`).
    ///
    /// # Errors
    /// `Validation`, `NotFound`; storage errors.
    pub async fn update(
        &self,
        principal: &Principal,
        id: ItemId,
        patch: ItemPatch,
    ) -> Result<Item, WorkspaceError> {
        let mut item = self.get(principal, id).await?;
        let title = patch
            .title
            .unwrap_or_else(|| item.title.as_str().to_owned());
        let description = match patch.description {
            Some(d) => d,
            None => item.description.clone(),
        };
        let (title, description) = named("title", &title, description.as_deref())?;
        item.title = title;
        item.description = description;
        item.updated_at = self.clock.now();
        self.items.save(&item).await?;
        Ok(item)
    }

    /// Deletes item `id`.
    ///
    /// # Errors
    /// `NotFound`; storage errors.
    pub async fn delete(&self, principal: &Principal, id: ItemId) -> Result<(), WorkspaceError> {
        self.get(principal, id).await?;
        if self.items.delete(id).await? {
            Ok(())
        } else {
            Err(WorkspaceError::NotFound)
        }
    }
}
