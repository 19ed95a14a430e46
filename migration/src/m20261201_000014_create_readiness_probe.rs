use sea_orm_migration::{prelude::*, schema::*};

/// An always-empty table that `/health/ready` writes a row to inside a
/// transaction it rolls back: readiness then means "accepts writes", not only
/// "answers a query" (a read-only replica or file answers the latter).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReadinessProbe::Table)
                    .if_not_exists()
                    .col(integer(ReadinessProbe::Id).primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReadinessProbe::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReadinessProbe {
    Table,
    Id,
}
