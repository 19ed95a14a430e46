use sea_orm_migration::prelude::*;

/// Product images keep the storage key of their file, not a URL: the HTTP
/// layer decides where a key is served (`/api/v1/images/{key}`), so a route
/// change no longer needs a data migration. Existing rows lose the
/// `/api/v1/images/` prefix the application used to write.
#[derive(DeriveMigrationName)]
pub struct Migration;

const PREFIX: &str = "/api/v1/images/";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProductImages::Table)
                    .rename_column(ProductImages::Url, ProductImages::StorageKey)
                    .to_owned(),
            )
            .await?;
        let start = PREFIX.len() + 1;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE product_images SET storage_key = substr(storage_key, {start}) \
                 WHERE storage_key LIKE '{PREFIX}%'"
            ))
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE product_images SET storage_key = '{PREFIX}' || storage_key \
                 WHERE storage_key NOT LIKE '/%'"
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProductImages::Table)
                    .rename_column(ProductImages::StorageKey, ProductImages::Url)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ProductImages {
    Table,
    Url,
    StorageKey,
}
