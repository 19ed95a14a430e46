use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len_null(Users::Username, 32).unique_key())
                    .col(string_len_null(Users::Name, 100))
                    .col(text_null(Users::ImageUrl))
                    .col(boolean(Users::EmailVerified).default(false))
                    .col(string_len(Users::Role, 16).default("customer"))
                    .col(boolean(Users::IsActive).default(true))
                    .col(string_len_null(Users::ClerkId, 64).unique_key())
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone_null(Users::DeactivatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_created_at")
                    .table(Users::Table)
                    .col(Users::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    Username,
    Name,
    ImageUrl,
    EmailVerified,
    Role,
    IsActive,
    ClerkId,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
    DeactivatedAt,
}
