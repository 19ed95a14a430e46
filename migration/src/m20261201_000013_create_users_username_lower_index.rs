use sea_orm_migration::prelude::*;

/// Usernames are unique whatever their case: `TAKEN_NAME` is refused while
/// `taken_name` exists. An expression index on `lower(username)` (both
/// PostgreSQL and SQLite have them; usernames are ASCII, so `lower` is exact
/// on both). Emails need no such index: they are stored lower-cased and in
/// NFC, so the existing unique key already compares canonical forms.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX users_username_lower_key")
            .await
            .map(|_| ())
    }
}
