use keel_domain::workspace::{AssistantError, ChatId};

use crate::error::AppError;

/// What a workspace use case can fail with: the shared kinds plus [`WorkspaceCase`].
pub type WorkspaceError = AppError<WorkspaceCase>;

/// The workspace context's own failures.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WorkspaceCase {
    /// The assistant failed or is not configured (502); exchange `chat_id`
    /// is kept as `failed`.
    #[error("{detail}")]
    AssistantFailed {
        /// What went wrong, safe to show.
        detail: String,
        /// The exchange kept as `failed`.
        chat_id: ChatId,
    },
    /// The assistant did not answer in time (504); exchange `chat_id` is
    /// kept as `failed`.
    #[error("the assistant did not answer in time")]
    AssistantTimeout {
        /// The exchange kept as `failed`.
        chat_id: ChatId,
    },
    /// The caller already waits for as many replies as allowed (429).
    #[error("too many replies in progress; wait for one to finish")]
    TooManyReplies,
    /// The agent is inactive (409).
    #[error("the agent is inactive")]
    AgentInactive,
}

impl WorkspaceCase {
    /// The case of `err` ending exchange `chat_id`.
    pub fn assistant(err: &AssistantError, chat_id: ChatId) -> Self {
        match err {
            AssistantError::Timeout => Self::AssistantTimeout { chat_id },
            other => Self::AssistantFailed {
                detail: other.to_string(),
                chat_id,
            },
        }
    }
}
