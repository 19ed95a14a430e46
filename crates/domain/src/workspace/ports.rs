//! Workspace stores and the assistant.

use std::pin::Pin;

use async_trait::async_trait;
use futures_core::Stream;

use super::model::{Agent, AssistantRequest, Chat, Item, Project};
use super::values::{AgentId, ChatId, ItemId, ProjectId};
use crate::error::RepoError;
use crate::identity::UserId;
use crate::pagination::{Page, PageRequest};

/// Stores items.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ItemRepo: Send + Sync {
    /// Item `id`, whoever owns it.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find(&self, id: ItemId) -> Result<Option<Item>, RepoError>;

    /// A page of `owner`'s items (everyone's for `None`), newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(&self, owner: Option<UserId>, page: PageRequest)
    -> Result<Page<Item>, RepoError>;

    /// Inserts or replaces the item (matched by id).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn save(&self, item: &Item) -> Result<(), RepoError>;

    /// Deletes item `id`; `false` when there was none.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn delete(&self, id: ItemId) -> Result<bool, RepoError>;
}

/// Stores projects.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProjectRepo: Send + Sync {
    /// Project `id`, whoever owns it.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find(&self, id: ProjectId) -> Result<Option<Project>, RepoError>;

    /// A page of `owner`'s projects (everyone's for `None`), newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Project>, RepoError>;

    /// Inserts or replaces the project (matched by id).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn save(&self, project: &Project) -> Result<(), RepoError>;

    /// Deletes project `id`; its agents stay, without a project, in the same
    /// transaction. `false` when there was none.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn delete(&self, id: ProjectId) -> Result<bool, RepoError>;
}

/// Stores agents.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AgentRepo: Send + Sync {
    /// Agent `id`, whoever owns it.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find(&self, id: AgentId) -> Result<Option<Agent>, RepoError>;

    /// A page of `owner`'s agents (everyone's for `None`), newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Agent>, RepoError>;

    /// Inserts or replaces the agent (matched by id).
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when its project no longer exists.
    async fn save(&self, agent: &Agent) -> Result<(), RepoError>;

    /// Deletes agent `id` (its chats stay, addressed to no agent); `false`
    /// when there was none.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn delete(&self, id: AgentId) -> Result<bool, RepoError>;
}

/// Stores chat exchanges.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ChatRepo: Send + Sync {
    /// Exchange `id`, whoever owns it.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find(&self, id: ChatId) -> Result<Option<Chat>, RepoError>;

    /// A page of `owner`'s exchanges (everyone's for `None`), with `agent`
    /// only when given, newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(
        &self,
        owner: Option<UserId>,
        agent: Option<AgentId>,
        page: PageRequest,
    ) -> Result<Page<Chat>, RepoError>;

    /// The last `limit` completed exchanges of `owner` with `agent` (the
    /// default assistant for `None`), oldest first: the context of a reply.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn recent(
        &self,
        owner: UserId,
        agent: Option<AgentId>,
        limit: u64,
    ) -> Result<Vec<Chat>, RepoError>;

    /// Inserts or replaces the exchange (matched by id).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn save(&self, chat: &Chat) -> Result<(), RepoError>;
}

/// A reply as it arrives, delta by delta.
pub type TextStream = Pin<Box<dyn Stream<Item = Result<String, AssistantError>> + Send>>;

/// Produces replies: given the agent's settings and the conversation so
/// far, the reply as a stream of text deltas.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Assistant: Send + Sync {
    /// Starts a reply to `request`.
    ///
    /// # Errors
    /// [`AssistantError`] when the provider refuses or cannot be reached;
    /// the stream may also end with one.
    async fn reply(&self, request: &AssistantRequest) -> Result<TextStream, AssistantError>;
}

/// Why an assistant did not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssistantError {
    /// It did not answer within the configured time (504).
    #[error("the assistant did not answer in time")]
    Timeout,
    /// It answered with an error or a broken stream (502); the text is safe
    /// to show the user (no keys, no raw bodies beyond a short excerpt).
    #[error("the assistant failed: {0}")]
    Provider(String),
    /// The agent names a provider this instance has no settings for (502).
    #[error("the {0} assistant is not configured")]
    NotConfigured(String),
}
