use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Verifications::Table)
                    .col(pk_uuid(Verifications::Id))
                    .col(string_len(Verifications::Identifier, 255))
                    .col(string_len(Verifications::ValueHash, 64))
                    .col(timestamp_with_time_zone(Verifications::CreatedAt))
                    .col(timestamp_with_time_zone(Verifications::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Verifications::ConsumedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_verifications_identifier")
                    .table(Verifications::Table)
                    .col(Verifications::Identifier)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Verifications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Verifications {
    Table,
    Id,
    Identifier,
    ValueHash,
    CreatedAt,
    ExpiresAt,
    ConsumedAt,
}
