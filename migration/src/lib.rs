//! Keel's schema migrations. One file per change, named
//! `mYYYYMMDD_HHMMSS_<verb>_<table>.rs`, each with a working `down`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_users;
mod m20261123_000002_create_accounts;
mod m20261123_000003_create_sessions;
mod m20261123_000004_create_verifications;
mod m20261123_000005_create_jobs;
mod m20261123_000006_create_webhook_events;
mod m20261123_000007_alter_accounts_add_synced_at;
mod m20261123_000008_create_categories;
mod m20261123_000009_create_products;
mod m20261123_000010_create_product_images;
mod m20261123_000011_create_cart_items;
mod m20261123_000012_create_orders;
mod m20261201_000013_create_users_username_lower_index;
mod m20261201_000014_create_readiness_probe;
mod m20261201_000015_alter_product_images_url_to_storage_key;
mod m20261201_000016_create_profiles;
mod m20261201_000017_alter_profiles_add_listing_columns;
mod m20261201_000018_create_workspace;
mod m20261201_000019_recreate_verifications_for_mail_tokens;

/// Every migration, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users::Migration),
            Box::new(m20261123_000002_create_accounts::Migration),
            Box::new(m20261123_000003_create_sessions::Migration),
            Box::new(m20261123_000004_create_verifications::Migration),
            Box::new(m20261123_000005_create_jobs::Migration),
            Box::new(m20261123_000006_create_webhook_events::Migration),
            Box::new(m20261123_000007_alter_accounts_add_synced_at::Migration),
            Box::new(m20261123_000008_create_categories::Migration),
            Box::new(m20261123_000009_create_products::Migration),
            Box::new(m20261123_000010_create_product_images::Migration),
            Box::new(m20261123_000011_create_cart_items::Migration),
            Box::new(m20261123_000012_create_orders::Migration),
            Box::new(m20261201_000013_create_users_username_lower_index::Migration),
            Box::new(m20261201_000014_create_readiness_probe::Migration),
            Box::new(m20261201_000015_alter_product_images_url_to_storage_key::Migration),
            Box::new(m20261201_000016_create_profiles::Migration),
            Box::new(m20261201_000017_alter_profiles_add_listing_columns::Migration),
            Box::new(m20261201_000018_create_workspace::Migration),
            Box::new(m20261201_000019_recreate_verifications_for_mail_tokens::Migration),
        ]
    }
}
