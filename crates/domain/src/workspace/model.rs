//! Workspace entities. Each belongs to one user; someone else's is "not
//! found" to anyone but an admin.

use chrono::{DateTime, Utc};

use super::values::{AgentId, AgentStatus, ChatId, ChatStatus, ItemId, Name, ProjectId, Provider};
use crate::identity::UserId;

/// A note-like item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its id.
    pub id: ItemId,
    /// Its owner.
    pub owner_id: UserId,
    /// Title.
    pub title: Name,
    /// Free text.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A project that groups agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its id.
    pub id: ProjectId,
    /// Its owner.
    pub owner_id: UserId,
    /// Name.
    pub name: Name,
    /// Free text.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An agent: which assistant answers, with which model and instructions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Its id.
    pub id: AgentId,
    /// Its owner.
    pub owner_id: UserId,
    /// Name.
    pub name: Name,
    /// Free text.
    pub description: Option<String>,
    /// What it is doing.
    pub status: AgentStatus,
    /// The owner's project it belongs to, if any.
    pub project_id: Option<ProjectId>,
    /// The adapter that answers (`None`: the configured default).
    pub provider: Option<Provider>,
    /// The model (`None`: the adapter's configured model).
    pub model: Option<String>,
    /// The system prompt.
    pub instructions: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Agent {
    /// Whether it answers chats (an inactive agent does not).
    pub fn answers(&self) -> bool {
        self.status != AgentStatus::Inactive
    }
}

/// One exchange: the user's message and the assistant's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Its id.
    pub id: ChatId,
    /// Who wrote the message.
    pub owner_id: UserId,
    /// The agent addressed (`None`: the default assistant); kept as `None`
    /// when the agent is deleted later.
    pub agent_id: Option<AgentId>,
    /// The user's message.
    pub message: String,
    /// The reply, once there is one (a failed reply keeps what streamed).
    pub response: Option<String>,
    /// Where it stands.
    pub status: ChatStatus,
    /// Why it failed (for the owner; no provider secrets).
    pub error: Option<String>,
    /// When the message arrived.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Chat {
    /// A completed exchange as context for the next reply.
    pub fn turn(&self) -> Option<Turn> {
        match (&self.status, &self.response) {
            (ChatStatus::Completed, Some(reply)) => Some(Turn {
                user: self.message.clone(),
                assistant: reply.clone(),
            }),
            _ => None,
        }
    }
}

/// A past exchange given to the assistant as context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// What the user wrote.
    pub user: String,
    /// What the assistant answered.
    pub assistant: String,
}

/// What an assistant is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantRequest {
    /// The model (`None`: the adapter's configured model).
    pub model: Option<String>,
    /// The system prompt.
    pub instructions: Option<String>,
    /// Earlier exchanges of the conversation, oldest first.
    pub history: Vec<Turn>,
    /// The new message.
    pub message: String,
}
