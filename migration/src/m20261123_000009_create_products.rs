use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000008_create_categories::Categories;

/// Products with the indexes the public list uses: one per sort key and one
/// for the category filter, and on PostgreSQL a trigram index for substring
/// search over name and description (SQLite scans the filtered rows).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(pk_uuid(Products::Id))
                    .col(uuid_null(Products::CategoryId))
                    .col(string_len(Products::Name, 200))
                    .col(string_len_uniq(Products::Slug, 120))
                    .col(text_null(Products::Description))
                    .col(
                        big_integer(Products::PriceCents)
                            .check(Expr::col(Products::PriceCents).gte(0)),
                    )
                    .col(string_len(Products::Currency, 3))
                    .col(integer(Products::Stock).check(Expr::col(Products::Stock).gte(0)))
                    .col(boolean(Products::IsActive).default(true))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Products::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_products_category")
                            .from(Products::Table, Products::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One index per sort key, with the id as tie-breaker, so a page is an
        // index range scan that stops after `size` rows. PostgreSQL gets them
        // partial (only sellable rows, which is what the public list reads);
        // SQLite cannot match a partial index against bound parameters, so it
        // gets plain ones.
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for (name, cols) in [
            ("idx_products_newest", "created_at, id"),
            ("idx_products_name", "name, id"),
            ("idx_products_price", "price_cents, id"),
            ("idx_products_category", "category_id, created_at, id"),
        ] {
            let filter = if postgres {
                " WHERE is_active AND deleted_at IS NULL"
            } else {
                ""
            };
            manager
                .get_connection()
                .execute_unprepared(&format!("CREATE INDEX {name} ON products ({cols}){filter}"))
                .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // pg_trgm may be unavailable to a non-superuser: search then works
            // without the index.
            let db = manager.get_connection();
            db.execute_unprepared(
                "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; \
                 EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM; END $$",
            )
            .await?;
            db.execute_unprepared(
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
                 CREATE INDEX idx_products_search_trgm ON products \
                 USING gin ((lower(name || ' ' || coalesce(description, ''))) gin_trgm_ops); \
                 END IF; END $$",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Products::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Products {
    Table,
    Id,
    CategoryId,
    Name,
    Slug,
    Description,
    PriceCents,
    Currency,
    Stock,
    IsActive,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}
