use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_users::Users;

/// The workspace: items, projects, agents and chat exchanges, each owned by
/// a user (deleted with the user's row). Deleting a project leaves its
/// agents without a project; deleting an agent leaves its chats addressed to
/// no agent (`ON DELETE SET NULL`, in the deleting statement itself).
#[derive(DeriveMigrationName)]
pub struct Migration;

fn owned(table: &mut TableCreateStatement, name: &str, id: WorkspaceIden) -> TableCreateStatement {
    table
        .table(id)
        .col(pk_uuid(Alias::new("id")))
        .col(uuid(Alias::new("owner_id")))
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_owner"))
                .from(id, Alias::new("owner_id"))
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WorkspaceIden as W;
        manager
            .create_table(owned(
                Table::create()
                    .col(string_len(W::Title, 200))
                    .col(text_null(W::Description)),
                "workspace_items",
                W::WorkspaceItems,
            ))
            .await?;
        manager
            .create_table(owned(
                Table::create()
                    .col(string_len(W::Name, 200))
                    .col(text_null(W::Description)),
                "workspace_projects",
                W::WorkspaceProjects,
            ))
            .await?;
        manager
            .create_table(owned(
                Table::create()
                    .col(string_len(W::Name, 200))
                    .col(text_null(W::Description))
                    .col(string_len(W::Status, 20))
                    .col(uuid_null(W::ProjectId))
                    .col(string_len_null(W::Provider, 20))
                    .col(string_len_null(W::Model, 200))
                    .col(text_null(W::Instructions))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workspace_agents_project")
                            .from(W::WorkspaceAgents, W::ProjectId)
                            .to(W::WorkspaceProjects, Alias::new("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    ),
                "workspace_agents",
                W::WorkspaceAgents,
            ))
            .await?;
        manager
            .create_table(owned(
                Table::create()
                    .col(uuid_null(W::AgentId))
                    .col(text(W::Message))
                    .col(text_null(W::Response))
                    .col(string_len(W::Status, 20))
                    .col(text_null(W::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workspace_chats_agent")
                            .from(W::WorkspaceChats, W::AgentId)
                            .to(W::WorkspaceAgents, Alias::new("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    ),
                "workspace_chats",
                W::WorkspaceChats,
            ))
            .await?;
        let db = manager.get_connection();
        for sql in [
            "CREATE INDEX idx_workspace_items_owner ON workspace_items (owner_id, created_at, id)",
            "CREATE INDEX idx_workspace_items_created ON workspace_items (created_at, id)",
            "CREATE INDEX idx_workspace_projects_owner ON workspace_projects (owner_id, created_at, id)",
            "CREATE INDEX idx_workspace_projects_created ON workspace_projects (created_at, id)",
            "CREATE INDEX idx_workspace_agents_owner ON workspace_agents (owner_id, created_at, id)",
            "CREATE INDEX idx_workspace_agents_created ON workspace_agents (created_at, id)",
            "CREATE INDEX idx_workspace_agents_project ON workspace_agents (project_id)",
            "CREATE INDEX idx_workspace_chats_owner ON workspace_chats (owner_id, agent_id, created_at, id)",
            "CREATE INDEX idx_workspace_chats_created ON workspace_chats (created_at, id)",
            "CREATE INDEX idx_workspace_chats_agent ON workspace_chats (agent_id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WorkspaceIden::WorkspaceChats,
            WorkspaceIden::WorkspaceAgents,
            WorkspaceIden::WorkspaceProjects,
            WorkspaceIden::WorkspaceItems,
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkspaceIden {
    WorkspaceItems,
    WorkspaceProjects,
    WorkspaceAgents,
    WorkspaceChats,
    Title,
    Name,
    Description,
    Status,
    ProjectId,
    Provider,
    Model,
    Instructions,
    AgentId,
    Message,
    Response,
    Error,
}
