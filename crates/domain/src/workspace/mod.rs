//! Workspace: items, projects, agents and chats with an assistant, and the
//! ports that store them and produce replies.

pub mod model;
pub mod ports;
pub mod values;

#[cfg(test)]
mod values_tests;

pub use model::{Agent, AssistantRequest, Chat, Item, Project, Turn};
pub use ports::{
    AgentRepo, Assistant, AssistantError, ChatRepo, ItemRepo, ProjectRepo, TextStream,
};
pub use values::{
    AgentId, AgentStatus, ChatId, ChatStatus, ItemId, Name, ProjectId, Provider, long_text,
};
