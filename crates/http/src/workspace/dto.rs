//! Workspace request and response bodies.

use chrono::{DateTime, Utc};
use keel_application::workspace::{
    AgentInput, AgentPatch, ChatInput, ItemInput, ItemPatch, ProjectInput, ProjectPatch,
};
use keel_domain::workspace::{
    Agent, AgentId, AgentStatus, Chat, ChatStatus, Item, Project, ProjectId, Provider,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An agent's status on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatusDto {
    /// Answers chats.
    Active,
    /// Switched off: chats to it are refused (409).
    Inactive,
    /// Busy with a long task (still answers).
    Processing,
}

impl AgentStatusDto {
    fn from_domain(s: AgentStatus) -> Self {
        match s {
            AgentStatus::Active => Self::Active,
            AgentStatus::Inactive => Self::Inactive,
            AgentStatus::Processing => Self::Processing,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Processing => "processing",
        }
    }
}

/// An assistant provider on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderDto {
    /// The offline assistant.
    Local,
    /// An OpenAI-compatible Chat Completions server.
    Openai,
    /// AWS Bedrock.
    Bedrock,
}

impl ProviderDto {
    fn from_domain(p: Provider) -> Self {
        match p {
            Provider::Local => Self::Local,
            Provider::Openai => Self::Openai,
            Provider::Bedrock => Self::Bedrock,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Openai => "openai",
            Self::Bedrock => "bedrock",
        }
    }
}

/// A chat exchange's status on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatStatusDto {
    /// The reply is on its way.
    Pending,
    /// The reply is stored.
    Completed,
    /// The assistant failed (`error` says how).
    Failed,
}

impl From<ChatStatus> for ChatStatusDto {
    fn from(s: ChatStatus) -> Self {
        match s {
            ChatStatus::Pending => Self::Pending,
            ChatStatus::Completed => Self::Completed,
            ChatStatus::Failed => Self::Failed,
        }
    }
}

/// `POST /items` and `PUT /items/{id}` (PUT clears what it leaves out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    /// 1 to 200 characters, one line.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// At most 5,000 characters.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
}

impl From<ItemRequest> for ItemInput {
    fn from(r: ItemRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
        }
    }
}

/// `PATCH /items/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemPatchRequest {
    /// New title.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<Option<String>>,
}

impl From<ItemPatchRequest> for ItemPatch {
    fn from(r: ItemPatchRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
        }
    }
}

/// An item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse {
    /// Its id.
    pub id: Uuid,
    /// Its owner.
    pub owner_id: Uuid,
    /// Title.
    pub title: String,
    /// Free text.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Item> for ItemResponse {
    fn from(i: Item) -> Self {
        Self {
            id: i.id.as_uuid(),
            owner_id: i.owner_id.as_uuid(),
            title: i.title.as_str().to_owned(),
            description: i.description,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// `POST /projects` and `PUT /projects/{id}` (PUT clears what it leaves out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRequest {
    /// 1 to 200 characters, one line.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// At most 5,000 characters.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
}

impl From<ProjectRequest> for ProjectInput {
    fn from(r: ProjectRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
        }
    }
}

/// `PATCH /projects/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatchRequest {
    /// New name.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<Option<String>>,
}

impl From<ProjectPatchRequest> for ProjectPatch {
    fn from(r: ProjectPatchRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
        }
    }
}

/// A project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectResponse {
    /// Its id.
    pub id: Uuid,
    /// Its owner.
    pub owner_id: Uuid,
    /// Name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Project> for ProjectResponse {
    fn from(p: Project) -> Self {
        Self {
            id: p.id.as_uuid(),
            owner_id: p.owner_id.as_uuid(),
            name: p.name.as_str().to_owned(),
            description: p.description,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `POST /agents` and `PUT /agents/{id}` (PUT clears what it leaves out;
/// `status` defaults to `active`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentRequest {
    /// 1 to 200 characters, one line.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// At most 5,000 characters.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    /// Default `active`.
    pub status: Option<AgentStatusDto>,
    /// One of the owner's projects.
    pub project_id: Option<Uuid>,
    /// The assistant that answers (default: the configured one).
    pub provider: Option<ProviderDto>,
    /// The model (default: the provider's configured model).
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub model: Option<String>,
    /// The system prompt, at most 20,000 characters.
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub instructions: Option<String>,
}

impl From<AgentRequest> for AgentInput {
    fn from(r: AgentRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            status: r.status.map(|s| s.name().to_owned()),
            project_id: r.project_id.map(ProjectId::from_uuid),
            provider: r.provider.map(|p| p.name().to_owned()),
            model: r.model,
            instructions: r.instructions,
        }
    }
}

/// `PATCH /agents/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentPatchRequest {
    /// New name.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<AgentStatusDto>,
    /// New project; `null` detaches it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<Option<Uuid>>,
    /// New provider; `null` means the configured default.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<ProviderDto>)]
    pub provider: Option<Option<ProviderDto>>,
    /// New model; `null` means the provider's configured model.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    pub model: Option<Option<String>>,
    /// New system prompt; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 20000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub instructions: Option<Option<String>>,
}

impl From<AgentPatchRequest> for AgentPatch {
    fn from(r: AgentPatchRequest) -> Self {
        Self {
            name: r.name,
            description: r.description,
            status: r.status.map(|s| s.name().to_owned()),
            project_id: r.project_id.map(|p| p.map(ProjectId::from_uuid)),
            provider: r.provider.map(|p| p.map(|p| p.name().to_owned())),
            model: r.model,
            instructions: r.instructions,
        }
    }
}

/// An agent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentResponse {
    /// Its id.
    pub id: Uuid,
    /// Its owner.
    pub owner_id: Uuid,
    /// Name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// What it is doing.
    pub status: AgentStatusDto,
    /// Its project.
    pub project_id: Option<Uuid>,
    /// The assistant that answers (`null`: the configured default).
    pub provider: Option<ProviderDto>,
    /// The model (`null`: the provider's configured model).
    pub model: Option<String>,
    /// The system prompt.
    pub instructions: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Agent> for AgentResponse {
    fn from(a: Agent) -> Self {
        Self {
            id: a.id.as_uuid(),
            owner_id: a.owner_id.as_uuid(),
            name: a.name.as_str().to_owned(),
            description: a.description,
            status: AgentStatusDto::from_domain(a.status),
            project_id: a.project_id.map(|p| p.as_uuid()),
            provider: a.provider.map(ProviderDto::from_domain),
            model: a.model,
            instructions: a.instructions,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// `POST /chat`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// 1 to 8,000 characters.
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub message: String,
    /// One of the caller's agents (default: the configured assistant).
    pub agent_id: Option<Uuid>,
}

impl From<ChatRequest> for ChatInput {
    fn from(r: ChatRequest) -> Self {
        Self {
            message: r.message,
            agent_id: r.agent_id.map(AgentId::from_uuid),
        }
    }
}

/// A chat exchange.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatResponse {
    /// Its id.
    pub id: Uuid,
    /// The user's message.
    pub message: String,
    /// The reply (`null` while pending or when nothing arrived).
    pub response: Option<String>,
    /// The agent addressed (`null`: the default assistant).
    pub agent_id: Option<Uuid>,
    /// Where it stands.
    pub status: ChatStatusDto,
    /// Why it failed.
    pub error: Option<String>,
    /// When the message arrived.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Chat> for ChatResponse {
    fn from(c: Chat) -> Self {
        Self {
            id: c.id.as_uuid(),
            message: c.message,
            response: c.response,
            agent_id: c.agent_id.map(|a| a.as_uuid()),
            status: c.status.into(),
            error: c.error,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// `?page=&size=` of the workspace lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// `GET /chat` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChatListQuery {
    /// Only exchanges with this agent.
    pub agent_id: Option<Uuid>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// A page of items.
pub type ItemPage = crate::page::PageResponse<ItemResponse>;
/// A page of projects.
pub type ProjectPage = crate::page::PageResponse<ProjectResponse>;
/// A page of agents.
pub type AgentPage = crate::page::PageResponse<AgentResponse>;
/// A page of chat exchanges.
pub type ChatPage = crate::page::PageResponse<ChatResponse>;
