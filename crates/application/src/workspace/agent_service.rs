use std::sync::Arc;

use keel_domain::clock::Clock;
use keel_domain::identity::{Principal, UserId};
use keel_domain::workspace::{
    Agent, AgentId, AgentRepo, AgentStatus, ProjectId, ProjectRepo, Provider, long_text,
};
use keel_domain::{FieldError, Page, PageRequest};

use super::error::WorkspaceError;
use super::{list_scope, named, owns};

/// Longest model name, in characters.
pub const MODEL_MAX: usize = 200;
/// Longest instructions (system prompt), in characters.
pub const INSTRUCTIONS_MAX: usize = 20_000;

/// A new agent, or a whole replacement (`PUT`: what is left out is cleared
/// or takes its default).
#[derive(Debug, Clone, Default)]
pub struct AgentInput {
    /// 1..=200 characters.
    pub name: String,
    /// At most 5,000 characters.
    pub description: Option<String>,
    /// `active` (default), `inactive` or `processing`.
    pub status: Option<String>,
    /// One of the owner's projects.
    pub project_id: Option<ProjectId>,
    /// `local`, `openai` or `bedrock` (`None`: the configured default).
    pub provider: Option<String>,
    /// The model (`None`: the provider's configured model).
    pub model: Option<String>,
    /// The system prompt.
    pub instructions: Option<String>,
}

/// A partial agent update; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<String>,
    /// New project.
    pub project_id: Option<Option<ProjectId>>,
    /// New provider.
    pub provider: Option<Option<String>>,
    /// New model.
    pub model: Option<Option<String>>,
    /// New instructions.
    pub instructions: Option<Option<String>>,
}

/// Agents: the caller's own; admins see and change all. An agent's project
/// must belong to the agent's owner.
pub struct AgentService {
    agents: Arc<dyn AgentRepo>,
    projects: Arc<dyn ProjectRepo>,
    clock: Arc<dyn Clock>,
}

/// An agent's validated settings.
struct Settings {
    name: keel_domain::workspace::Name,
    description: Option<String>,
    status: AgentStatus,
    provider: Option<Provider>,
    model: Option<String>,
    instructions: Option<String>,
}

fn settings(input: &AgentInput) -> Result<Settings, WorkspaceError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let named = named("name", &input.name, input.description.as_deref())
        .map_err(|e| {
            if let WorkspaceError::Validation(list) = e {
                errors.extend(list);
            }
        })
        .ok();
    let status = input
        .status
        .as_deref()
        .map_or(Ok(AgentStatus::Active), AgentStatus::parse)
        .map_err(|e| errors.push(e))
        .ok();
    let provider = input
        .provider
        .as_deref()
        .map(Provider::parse)
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let mut text = |raw: Option<&str>, field: &str, max: usize| {
        raw.map(|r| long_text(r, field, max, false))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .flatten()
    };
    let model = text(input.model.as_deref(), "model", MODEL_MAX);
    let instructions = text(
        input.instructions.as_deref(),
        "instructions",
        INSTRUCTIONS_MAX,
    );
    if model
        .as_deref()
        .is_some_and(|m| m.contains(['\n', '\r', '\t']))
    {
        errors.push(FieldError::new("model", "must be one line"));
    }
    match (named, status) {
        (Some((name, description)), Some(status)) if errors.is_empty() => Ok(Settings {
            name,
            description,
            status,
            provider,
            model,
            instructions,
        }),
        _ => Err(WorkspaceError::Validation(errors)),
    }
}

impl AgentService {
    /// Wires the service.
    pub fn new(
        agents: Arc<dyn AgentRepo>,
        projects: Arc<dyn ProjectRepo>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            agents,
            projects,
            clock,
        }
    }

    /// A page of the caller's agents (an admin's: everyone's).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Agent>, WorkspaceError> {
        Ok(self.agents.list(list_scope(principal), page).await?)
    }

    /// Agent `id` when the caller may see it.
    ///
    /// # Errors
    /// `NotFound` for a missing agent or one of someone else's; storage errors.
    pub async fn get(&self, principal: &Principal, id: AgentId) -> Result<Agent, WorkspaceError> {
        match self.agents.find(id).await? {
            Some(agent) if owns(principal, agent.owner_id) => Ok(agent),
            _ => Err(WorkspaceError::NotFound),
        }
    }

    /// `project` when it belongs to `owner`: a 422 on `project_id` otherwise
    /// (someone else's project is as unknown as a missing one).
    async fn check_project(
        &self,
        owner: UserId,
        project: Option<ProjectId>,
    ) -> Result<(), WorkspaceError> {
        let Some(id) = project else { return Ok(()) };
        match self.projects.find(id).await? {
            Some(p) if p.owner_id == owner => Ok(()),
            _ => Err(WorkspaceError::invalid(
                "project_id",
                "no such project of the agent's owner",
            )),
        }
    }

    /// Creates an agent owned by the caller.
    ///
    /// # Errors
    /// `Validation`; storage errors.
    pub async fn create(
        &self,
        principal: &Principal,
        input: AgentInput,
    ) -> Result<Agent, WorkspaceError> {
        let s = settings(&input)?;
        self.check_project(principal.user.id, input.project_id)
            .await?;
        let now = self.clock.now();
        let agent = Agent {
            id: AgentId::generate(),
            owner_id: principal.user.id,
            name: s.name,
            description: s.description,
            status: s.status,
            project_id: input.project_id,
            provider: s.provider,
            model: s.model,
            instructions: s.instructions,
            created_at: now,
            updated_at: now,
        };
        self.save(agent).await
    }

    /// Replaces every field of agent `id` (`PUT`).
    ///
    /// # Errors
    /// `Validation`, `NotFound`; storage errors.
    pub async fn replace(
        &self,
        principal: &Principal,
        id: AgentId,
        input: AgentInput,
    ) -> Result<Agent, WorkspaceError> {
        let s = settings(&input)?;
        let agent = self.get(principal, id).await?;
        self.apply(agent, s, input.project_id).await
    }

    /// `agent` with `s` and `project`, checked and saved.
    async fn apply(
        &self,
        mut agent: Agent,
        s: Settings,
        project: Option<ProjectId>,
    ) -> Result<Agent, WorkspaceError> {
        self.check_project(agent.owner_id, project).await?;
        agent.name = s.name;
        agent.description = s.description;
        agent.status = s.status;
        agent.project_id = project;
        agent.provider = s.provider;
        agent.model = s.model;
        agent.instructions = s.instructions;
        agent.updated_at = self.clock.now();
        self.save(agent).await
    }

    /// Changes the given fields of agent `id` (`PATCH`).
    ///
    /// # Errors
    /// `Validation`, `NotFound`; storage errors.
    pub async fn update(
        &self,
        principal: &Principal,
        id: AgentId,
        patch: AgentPatch,
    ) -> Result<Agent, WorkspaceError> {
        let agent = self.get(principal, id).await?;
        let input = AgentInput {
            name: patch.name.unwrap_or_else(|| agent.name.as_str().to_owned()),
            description: patch
                .description
                .unwrap_or_else(|| agent.description.clone()),
            status: Some(
                patch
                    .status
                    .unwrap_or_else(|| agent.status.as_str().to_owned()),
            ),
            project_id: patch.project_id.unwrap_or(agent.project_id),
            provider: patch
                .provider
                .unwrap_or_else(|| agent.provider.map(|p| p.as_str().to_owned())),
            model: patch.model.unwrap_or_else(|| agent.model.clone()),
            instructions: patch
                .instructions
                .unwrap_or_else(|| agent.instructions.clone()),
        };
        let s = settings(&input)?;
        self.apply(agent, s, input.project_id).await
    }

    /// Deletes agent `id`; its chats stay, addressed to no agent.
    ///
    /// # Errors
    /// `NotFound`; storage errors.
    pub async fn delete(&self, principal: &Principal, id: AgentId) -> Result<(), WorkspaceError> {
        self.get(principal, id).await?;
        if self.agents.delete(id).await? {
            Ok(())
        } else {
            Err(WorkspaceError::NotFound)
        }
    }

    /// Saves; a project deleted meanwhile is the same 422 as a missing one.
    async fn save(&self, agent: Agent) -> Result<Agent, WorkspaceError> {
        match self.agents.save(&agent).await {
            Ok(()) => Ok(agent),
            Err(keel_domain::RepoError::Conflict(_)) => Err(WorkspaceError::invalid(
                "project_id",
                "no such project of the agent's owner",
            )),
            Err(e) => Err(e.into()),
        }
    }
}
