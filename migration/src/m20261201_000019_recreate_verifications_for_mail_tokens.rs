//! The mail tokens' table: the first `verifications` (identifier + hash) was
//! never used by any flow, so it is replaced by one that names the purpose,
//! the user and the address the token was mailed to.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Verifications::Table).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Verifications::Table)
                    .col(pk_uuid(Verifications::Id))
                    .col(string_len(Verifications::Purpose, 32))
                    .col(uuid(Verifications::UserId))
                    .col(string_len(Verifications::TokenHash, 64))
                    .col(string_len_null(Verifications::Email, 320))
                    .col(timestamp_with_time_zone(Verifications::CreatedAt))
                    .col(timestamp_with_time_zone(Verifications::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Verifications::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_verifications_user")
                            .from(Verifications::Table, Verifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_verifications_token_hash")
                    .table(Verifications::Table)
                    .col(Verifications::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_verifications_user_purpose")
                    .table(Verifications::Table)
                    .col(Verifications::UserId)
                    .col(Verifications::Purpose)
                    .to_owned(),
            )
            .await?;
        // At most one unused token per user and purpose, whatever the
        // isolation level: of two concurrent issues the second insert fails
        // (and its job retries, superseding the first).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_verifications_one_unused \
                 ON verifications (user_id, purpose) WHERE used_at IS NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Verifications::Table).to_owned())
            .await?;
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
}

#[derive(DeriveIden)]
enum Verifications {
    Table,
    Id,
    Purpose,
    UserId,
    TokenHash,
    Email,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Identifier,
    ValueHash,
    ConsumedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
