use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000008_create_categories::Categories;

/// Products with the indexes the public list uses: the default listing
/// (active, not deleted, newest first), category and price filters, the sort
/// keys, and on PostgreSQL a trigram index for substring search over name and
/// description (SQLite scans the filtered rows).
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
        let indexes: [(&str, Vec<Products>); 4] = [
            (
                "idx_products_listing",
                vec![Products::IsActive, Products::DeletedAt, Products::CreatedAt],
            ),
            (
                "idx_products_category",
                vec![Products::CategoryId, Products::CreatedAt],
            ),
            ("idx_products_price", vec![Products::PriceCents]),
            ("idx_products_name", vec![Products::Name]),
        ];
        for (name, cols) in indexes {
            let mut index = Index::create();
            index.name(name).table(Products::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
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
