use std::sync::Arc;

use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::workspace::{Project, ProjectId, ProjectRepo};
use keel_domain::{Page, PageRequest};

use super::error::WorkspaceError;
use super::{list_scope, named, owns};

/// A new project, or a whole replacement (`PUT`).
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    /// 1..=200 characters.
    pub name: String,
    /// At most 5,000 characters.
    pub description: Option<String>,
}

/// A partial project update; `Some(None)` clears the description.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<Option<String>>,
}

/// Projects: the caller's own; admins see and change all.
pub struct ProjectService {
    projects: Arc<dyn ProjectRepo>,
    clock: Arc<dyn Clock>,
}

impl ProjectService {
    /// Wires the service.
    pub fn new(projects: Arc<dyn ProjectRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { projects, clock }
    }

    /// A page of the caller's projects (an admin's: everyone's).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Project>, WorkspaceError> {
        Ok(self.projects.list(list_scope(principal), page).await?)
    }

    /// Project `id` when the caller may see it.
    ///
    /// # Errors
    /// `NotFound` for a missing project or one of someone else's; storage errors.
    pub async fn get(
        &self,
        principal: &Principal,
        id: ProjectId,
    ) -> Result<Project, WorkspaceError> {
        match self.projects.find(id).await? {
            Some(project) if owns(principal, project.owner_id) => Ok(project),
            _ => Err(WorkspaceError::NotFound),
        }
    }

    /// Creates an project owned by the caller.
    ///
    /// # Errors
    /// `Validation`; storage errors.
    pub async fn create(
        &self,
        principal: &Principal,
        input: ProjectInput,
    ) -> Result<Project, WorkspaceError> {
        let (name, description) = named("name", &input.name, input.description.as_deref())?;
        let now = self.clock.now();
        let project = Project {
            id: ProjectId::generate(),
            owner_id: principal.user.id,
            name,
            description,
            created_at: now,
            updated_at: now,
        };
        self.projects.save(&project).await?;
        Ok(project)
    }

    /// Replaces every field of project `id` (`PUT`).
    ///
    /// # Errors
    /// `Validation`, `NotFound`; storage errors.
    pub async fn replace(
        &self,
        principal: &Principal,
        id: ProjectId,
        input: ProjectInput,
    ) -> Result<Project, WorkspaceError> {
        let (name, description) = named("name", &input.name, input.description.as_deref())?;
        let mut project = self.get(principal, id).await?;
        project.name = name;
        project.description = description;
        project.updated_at = self.clock.now();
        self.projects.save(&project).await?;
        Ok(project)
    }

    /// Changes the given fields of project `id` (`PATCH`).
    ///
    /// # Errors
    /// `Validation`, `NotFound`; storage errors.
    pub async fn update(
        &self,
        principal: &Principal,
        id: ProjectId,
        patch: ProjectPatch,
    ) -> Result<Project, WorkspaceError> {
        let mut project = self.get(principal, id).await?;
        let name = patch
            .name
            .unwrap_or_else(|| project.name.as_str().to_owned());
        let description = match patch.description {
            Some(d) => d,
            None => project.description.clone(),
        };
        let (name, description) = named("name", &name, description.as_deref())?;
        project.name = name;
        project.description = description;
        project.updated_at = self.clock.now();
        self.projects.save(&project).await?;
        Ok(project)
    }

    /// Deletes project `id`; its agents stay, without a project.
    ///
    /// # Errors
    /// `NotFound`; storage errors.
    pub async fn delete(&self, principal: &Principal, id: ProjectId) -> Result<(), WorkspaceError> {
        self.get(principal, id).await?;
        if self.projects.delete(id).await? {
            Ok(())
        } else {
            Err(WorkspaceError::NotFound)
        }
    }
}
