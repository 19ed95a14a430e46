//! The four workspace stores. Each row belongs to `owner_id`; saves are one
//! upsert statement, deletes one statement (the database's `ON DELETE SET
//! NULL` detaches agents from a deleted project and chats from a deleted
//! agent in the same statement).

use async_trait::async_trait;
use keel_domain::identity::UserId;
use keel_domain::workspace::{
    Agent, AgentId, AgentRepo, AgentStatus, Chat, ChatId, ChatRepo, ChatStatus, Item, ItemId,
    ItemRepo, Name, Project, ProjectId, ProjectRepo, Provider,
};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::{agents, chats, items, projects};
use crate::persistence::database::{newest_first_page, repo_err};

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
}

fn name(raw: &str, field: &str) -> Result<Name, RepoError> {
    Name::parse(raw, field).map_err(|_| corrupt(field))
}

/// Inserts `row`, or updates `columns` of the row with its id.
async fn upsert<E, A>(
    db: &DatabaseConnection,
    row: A,
    id: E::Column,
    columns: impl IntoIterator<Item = E::Column>,
) -> Result<(), RepoError>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    E::insert(row)
        .on_conflict(OnConflict::column(id).update_columns(columns).to_owned())
        .exec_without_returning(db)
        .await
        .map(|_| ())
        .map_err(repo_err)
}

/// Deletes the row with primary key `id`; whether there was one.
async fn delete<E>(db: &DatabaseConnection, id: Uuid) -> Result<bool, RepoError>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    E::delete_by_id(id)
        .exec(db)
        .await
        .map(|r| r.rows_affected == 1)
        .map_err(repo_err)
}

/// The rows of `owner` (everyone's for `None`).
fn owned_by<C: ColumnTrait>(column: C, owner: Option<UserId>) -> Condition {
    let mut cond = Condition::all();
    if let Some(owner) = owner {
        cond = cond.add(column.eq(owner.as_uuid()));
    }
    cond
}

/// Declares a repository struct holding the pool.
macro_rules! repo {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            db: DatabaseConnection,
        }

        impl $name {
            /// An adapter over `db`.
            pub fn new(db: DatabaseConnection) -> Self {
                Self { db }
            }
        }
    };
}

repo!(
    /// [`ItemRepo`] over `workspace_items`.
    SeaOrmItemRepo
);
repo!(
    /// [`ProjectRepo`] over `workspace_projects`.
    SeaOrmProjectRepo
);
repo!(
    /// [`AgentRepo`] over `workspace_agents`.
    SeaOrmAgentRepo
);
repo!(
    /// [`ChatRepo`] over `workspace_chats`.
    SeaOrmChatRepo
);

fn item_from_row(m: items::Model) -> Result<Item, RepoError> {
    Ok(Item {
        id: ItemId::from_uuid(m.id),
        owner_id: UserId::from_uuid(m.owner_id),
        title: name(&m.title, "title")?,
        description: m.description,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl ItemRepo for SeaOrmItemRepo {
    async fn find(&self, id: ItemId) -> Result<Option<Item>, RepoError> {
        items::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(item_from_row)
            .transpose()
    }

    async fn list(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Item>, RepoError> {
        let query = items::Entity::find().filter(owned_by(items::Column::OwnerId, owner));
        let (total, rows) = newest_first_page(
            &self.db,
            query,
            items::Column::CreatedAt,
            items::Column::Id,
            page,
        )
        .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(item_from_row)
                .collect::<Result<_, _>>()?,
            total,
            request: page,
        })
    }

    async fn save(&self, i: &Item) -> Result<(), RepoError> {
        use items::Column as C;
        let row = items::ActiveModel {
            id: Set(i.id.as_uuid()),
            owner_id: Set(i.owner_id.as_uuid()),
            title: Set(i.title.as_str().to_owned()),
            description: Set(i.description.clone()),
            created_at: Set(i.created_at),
            updated_at: Set(i.updated_at),
        };
        upsert(
            &self.db,
            row,
            C::Id,
            [C::Title, C::Description, C::UpdatedAt],
        )
        .await
    }

    async fn delete(&self, id: ItemId) -> Result<bool, RepoError> {
        delete::<items::Entity>(&self.db, id.as_uuid()).await
    }
}

fn project_from_row(m: projects::Model) -> Result<Project, RepoError> {
    Ok(Project {
        id: ProjectId::from_uuid(m.id),
        owner_id: UserId::from_uuid(m.owner_id),
        name: name(&m.name, "name")?,
        description: m.description,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl ProjectRepo for SeaOrmProjectRepo {
    async fn find(&self, id: ProjectId) -> Result<Option<Project>, RepoError> {
        projects::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(project_from_row)
            .transpose()
    }

    async fn list(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Project>, RepoError> {
        let query = projects::Entity::find().filter(owned_by(projects::Column::OwnerId, owner));
        let (total, rows) = newest_first_page(
            &self.db,
            query,
            projects::Column::CreatedAt,
            projects::Column::Id,
            page,
        )
        .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(project_from_row)
                .collect::<Result<_, _>>()?,
            total,
            request: page,
        })
    }

    async fn save(&self, p: &Project) -> Result<(), RepoError> {
        use projects::Column as C;
        let row = projects::ActiveModel {
            id: Set(p.id.as_uuid()),
            owner_id: Set(p.owner_id.as_uuid()),
            name: Set(p.name.as_str().to_owned()),
            description: Set(p.description.clone()),
            created_at: Set(p.created_at),
            updated_at: Set(p.updated_at),
        };
        upsert(
            &self.db,
            row,
            C::Id,
            [C::Name, C::Description, C::UpdatedAt],
        )
        .await
    }

    async fn delete(&self, id: ProjectId) -> Result<bool, RepoError> {
        delete::<projects::Entity>(&self.db, id.as_uuid()).await
    }
}

fn agent_from_row(m: agents::Model) -> Result<Agent, RepoError> {
    Ok(Agent {
        id: AgentId::from_uuid(m.id),
        owner_id: UserId::from_uuid(m.owner_id),
        name: name(&m.name, "name")?,
        description: m.description,
        status: AgentStatus::parse(&m.status).map_err(|_| corrupt("agent status"))?,
        project_id: m.project_id.map(ProjectId::from_uuid),
        provider: m
            .provider
            .map(|p| Provider::parse(&p).map_err(|_| corrupt("provider")))
            .transpose()?,
        model: m.model,
        instructions: m.instructions,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl AgentRepo for SeaOrmAgentRepo {
    async fn find(&self, id: AgentId) -> Result<Option<Agent>, RepoError> {
        agents::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(agent_from_row)
            .transpose()
    }

    async fn list(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Agent>, RepoError> {
        let query = agents::Entity::find().filter(owned_by(agents::Column::OwnerId, owner));
        let (total, rows) = newest_first_page(
            &self.db,
            query,
            agents::Column::CreatedAt,
            agents::Column::Id,
            page,
        )
        .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(agent_from_row)
                .collect::<Result<_, _>>()?,
            total,
            request: page,
        })
    }

    async fn save(&self, a: &Agent) -> Result<(), RepoError> {
        use agents::Column as C;
        let row = agents::ActiveModel {
            id: Set(a.id.as_uuid()),
            owner_id: Set(a.owner_id.as_uuid()),
            name: Set(a.name.as_str().to_owned()),
            description: Set(a.description.clone()),
            status: Set(a.status.as_str().to_owned()),
            project_id: Set(a.project_id.map(|p| p.as_uuid())),
            provider: Set(a.provider.map(|p| p.as_str().to_owned())),
            model: Set(a.model.clone()),
            instructions: Set(a.instructions.clone()),
            created_at: Set(a.created_at),
            updated_at: Set(a.updated_at),
        };
        let columns = [
            C::Name,
            C::Description,
            C::Status,
            C::ProjectId,
            C::Provider,
            C::Model,
            C::Instructions,
            C::UpdatedAt,
        ];
        upsert(&self.db, row, C::Id, columns).await
    }

    async fn delete(&self, id: AgentId) -> Result<bool, RepoError> {
        delete::<agents::Entity>(&self.db, id.as_uuid()).await
    }
}

fn chat_from_row(m: chats::Model) -> Result<Chat, RepoError> {
    Ok(Chat {
        id: ChatId::from_uuid(m.id),
        owner_id: UserId::from_uuid(m.owner_id),
        agent_id: m.agent_id.map(AgentId::from_uuid),
        message: m.message,
        response: m.response,
        status: ChatStatus::parse(&m.status).map_err(|_| corrupt("chat status"))?,
        error: m.error,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The chats of `owner` with `agent` (the default assistant for `None`).
fn conversation(owner: UserId, agent: Option<AgentId>) -> Condition {
    let agent_cond = match agent {
        Some(a) => chats::Column::AgentId.eq(a.as_uuid()),
        None => chats::Column::AgentId.is_null(),
    };
    Condition::all()
        .add(chats::Column::OwnerId.eq(owner.as_uuid()))
        .add(agent_cond)
}

#[async_trait]
impl ChatRepo for SeaOrmChatRepo {
    async fn find(&self, id: ChatId) -> Result<Option<Chat>, RepoError> {
        chats::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(chat_from_row)
            .transpose()
    }

    async fn list(
        &self,
        owner: Option<UserId>,
        agent: Option<AgentId>,
        page: PageRequest,
    ) -> Result<Page<Chat>, RepoError> {
        let mut cond = owned_by(chats::Column::OwnerId, owner);
        if let Some(agent) = agent {
            cond = cond.add(chats::Column::AgentId.eq(agent.as_uuid()));
        }
        let (total, rows) = newest_first_page(
            &self.db,
            chats::Entity::find().filter(cond),
            chats::Column::CreatedAt,
            chats::Column::Id,
            page,
        )
        .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(chat_from_row)
                .collect::<Result<_, _>>()?,
            total,
            request: page,
        })
    }

    async fn recent(
        &self,
        owner: UserId,
        agent: Option<AgentId>,
        limit: u64,
    ) -> Result<Vec<Chat>, RepoError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut rows = chats::Entity::find()
            .filter(conversation(owner, agent))
            .filter(chats::Column::Status.eq(ChatStatus::Completed.as_str()))
            .order_by_desc(chats::Column::CreatedAt)
            .order_by_desc(chats::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(repo_err)?;
        rows.reverse();
        rows.into_iter().map(chat_from_row).collect()
    }

    async fn save(&self, c: &Chat) -> Result<(), RepoError> {
        use chats::Column as C;
        let row = chats::ActiveModel {
            id: Set(c.id.as_uuid()),
            owner_id: Set(c.owner_id.as_uuid()),
            agent_id: Set(c.agent_id.map(|a| a.as_uuid())),
            message: Set(c.message.clone()),
            response: Set(c.response.clone()),
            status: Set(c.status.as_str().to_owned()),
            error: Set(c.error.clone()),
            created_at: Set(c.created_at),
            updated_at: Set(c.updated_at),
        };
        upsert(
            &self.db,
            row,
            C::Id,
            [C::Response, C::Status, C::Error, C::UpdatedAt],
        )
        .await
    }
}
