//! Fixtures for the workspace use-case tests.

use std::sync::Arc;

use keel_domain::identity::UserId;
use keel_domain::workspace::ports::{
    MockAgentRepo, MockAssistant, MockChatRepo, MockItemRepo, MockProjectRepo,
};
use keel_domain::workspace::{
    Agent, AgentId, AgentStatus, Chat, ChatId, ChatStatus, Name, Project, ProjectId, Provider,
};

pub(crate) use super::principal_with as principal;
pub(crate) use super::{Slot, clock, invalid_fields, now};
use crate::workspace::{
    AgentService, Assistants, ChatService, ChatSettings, ItemService, ProjectService,
};

/// An active agent of `owner` answered by `provider`.
pub(crate) fn agent_of(owner: UserId, provider: Option<Provider>) -> Agent {
    Agent {
        id: AgentId::generate(),
        owner_id: owner,
        name: Name::parse("Helper", "name").expect("valid"),
        description: None,
        status: AgentStatus::Active,
        project_id: None,
        provider,
        model: Some("tiny".into()),
        instructions: Some("Be brief.".into()),
        created_at: now(),
        updated_at: now(),
    }
}

/// A project of `owner`.
pub(crate) fn project_of(owner: UserId) -> Project {
    Project {
        id: ProjectId::generate(),
        owner_id: owner,
        name: Name::parse("Launch", "name").expect("valid"),
        description: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// A completed exchange of `owner`.
pub(crate) fn chat_of(owner: UserId, message: &str, reply: &str) -> Chat {
    Chat {
        id: ChatId::generate(),
        owner_id: owner,
        agent_id: None,
        message: message.into(),
        response: Some(reply.into()),
        status: ChatStatus::Completed,
        error: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// The ports of the workspace services; any call a test did not expect panics.
pub(crate) struct Mocks {
    pub(crate) items: MockItemRepo,
    pub(crate) projects: MockProjectRepo,
    pub(crate) agents: MockAgentRepo,
    pub(crate) chats: MockChatRepo,
}

impl Mocks {
    /// Fresh mocks without expectations.
    pub(crate) fn new() -> Self {
        Self {
            items: MockItemRepo::new(),
            projects: MockProjectRepo::new(),
            agents: MockAgentRepo::new(),
            chats: MockChatRepo::new(),
        }
    }

    /// The item service over these mocks.
    pub(crate) fn items(self) -> ItemService {
        ItemService::new(Arc::new(self.items), Arc::new(clock()))
    }

    /// The project service over these mocks.
    pub(crate) fn projects(self) -> ProjectService {
        ProjectService::new(Arc::new(self.projects), Arc::new(clock()))
    }

    /// The agent service over these mocks.
    pub(crate) fn agents(self) -> AgentService {
        AgentService::new(
            Arc::new(self.agents),
            Arc::new(self.projects),
            Arc::new(clock()),
        )
    }

    /// The chat service over these mocks, with `assistant` as the default
    /// (`local`) provider.
    pub(crate) fn chat(self, assistant: MockAssistant, settings: ChatSettings) -> ChatService {
        ChatService::new(
            Arc::new(self.chats),
            Arc::new(self.agents),
            Assistants::new(Provider::Local).with(Provider::Local, Arc::new(assistant)),
            Arc::new(clock()),
            settings,
        )
    }
}
