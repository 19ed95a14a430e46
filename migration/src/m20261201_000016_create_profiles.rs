use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_users::Users;

/// Profiles: one per user, its location (own table), contacts and job
/// history (`profile_job_history`, so it is never confused with the `jobs`
/// queue). Every row has `created_at`, `updated_at`, `deactivated_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn audit(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
        .col(timestamp_with_time_zone_null(Alias::new("deactivated_at")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                audit(
                    Table::create()
                        .table(ProfileLocations::Table)
                        .col(pk_uuid(ProfileLocations::Id))
                        .col(string_len(ProfileLocations::Country, 2))
                        .col(string_len_null(ProfileLocations::StateProvince, 100))
                        .col(string_len_null(ProfileLocations::City, 100))
                        .col(string_len_null(ProfileLocations::PostalCode, 20)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                audit(
                    Table::create()
                        .table(Profiles::Table)
                        .col(pk_uuid(Profiles::Id))
                        .col(uuid_uniq(Profiles::UserId))
                        .col(uuid_null(Profiles::LocationId))
                        .col(string_len(Profiles::FirstName, 100))
                        .col(string_len(Profiles::LastName, 100))
                        .col(date_null(Profiles::DateOfBirth))
                        .col(string_len_null(Profiles::Gender, 20))
                        .col(text_null(Profiles::Bio))
                        .col(string_len_null(Profiles::ProfilePictureUrl, 2048))
                        .col(boolean(Profiles::IsPublic).default(false))
                        .col(boolean(Profiles::AllowContact).default(false))
                        .col(text(Profiles::SearchText))
                        .foreign_key(
                            ForeignKey::create()
                                .name("fk_profiles_user")
                                .from(Profiles::Table, Profiles::UserId)
                                .to(Users::Table, Users::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .foreign_key(
                            ForeignKey::create()
                                .name("fk_profiles_location")
                                .from(Profiles::Table, Profiles::LocationId)
                                .to(ProfileLocations::Table, ProfileLocations::Id),
                        ),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                audit(
                    Table::create()
                        .table(ProfileContacts::Table)
                        .col(pk_uuid(ProfileContacts::Id))
                        .col(uuid(ProfileContacts::ProfileId))
                        .col(string_len(ProfileContacts::Kind, 20))
                        .col(string_len(ProfileContacts::Value, 320))
                        .col(boolean(ProfileContacts::IsPrimary).default(false))
                        .foreign_key(
                            ForeignKey::create()
                                .name("fk_profile_contacts_profile")
                                .from(ProfileContacts::Table, ProfileContacts::ProfileId)
                                .to(Profiles::Table, Profiles::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        ),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                audit(
                    Table::create()
                        .table(ProfileJobHistory::Table)
                        .col(pk_uuid(ProfileJobHistory::Id))
                        .col(uuid(ProfileJobHistory::ProfileId))
                        .col(string_len(ProfileJobHistory::Title, 200))
                        .col(string_len(ProfileJobHistory::Company, 200))
                        .col(string_len_null(ProfileJobHistory::Industry, 100))
                        .col(date(ProfileJobHistory::StartDate))
                        .col(date_null(ProfileJobHistory::EndDate))
                        .check(
                            Expr::col(ProfileJobHistory::EndDate)
                                .is_null()
                                .or(Expr::col(ProfileJobHistory::EndDate)
                                    .gte(Expr::col(ProfileJobHistory::StartDate))),
                        )
                        .foreign_key(
                            ForeignKey::create()
                                .name("fk_profile_job_history_profile")
                                .from(ProfileJobHistory::Table, ProfileJobHistory::ProfileId)
                                .to(Profiles::Table, Profiles::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        ),
                )
                .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            // At most one live primary contact per type and profile.
            "CREATE UNIQUE INDEX uq_profile_contacts_primary ON profile_contacts (profile_id, kind) \
             WHERE is_primary AND deactivated_at IS NULL",
            "CREATE INDEX idx_profile_contacts_profile ON profile_contacts (profile_id)",
            "CREATE INDEX idx_profile_job_history_profile ON profile_job_history (profile_id)",
            "CREATE INDEX idx_profiles_created ON profiles (created_at, id)",
            "CREATE INDEX idx_profile_locations_country ON profile_locations (country)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // The same guarded pg_trgm set-up as the products search.
            db.execute_unprepared(
                "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; \
                 EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM; END $$",
            )
            .await?;
            db.execute_unprepared(
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
                 CREATE INDEX idx_profiles_search_trgm ON profiles USING gin (search_text gin_trgm_ops); \
                 END IF; END $$",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProfileJobHistory::Table.into_iden(),
            ProfileContacts::Table.into_iden(),
            Profiles::Table.into_iden(),
            ProfileLocations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ProfileLocations {
    Table,
    Id,
    Country,
    StateProvince,
    City,
    PostalCode,
}

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Id,
    UserId,
    LocationId,
    FirstName,
    LastName,
    DateOfBirth,
    Gender,
    Bio,
    ProfilePictureUrl,
    IsPublic,
    AllowContact,
    SearchText,
}

#[derive(DeriveIden)]
enum ProfileContacts {
    Table,
    Id,
    ProfileId,
    Kind,
    Value,
    IsPrimary,
}

#[derive(DeriveIden)]
enum ProfileJobHistory {
    Table,
    Id,
    ProfileId,
    Title,
    Company,
    Industry,
    StartDate,
    EndDate,
}
