//! SeaORM entities, one module per table; they mirror `migration/`.

pub mod accounts;
pub mod cart_items;
pub mod categories;
pub mod jobs;
pub mod order_items;
pub mod order_status_changes;
pub mod orders;
pub mod product_images;
pub mod products;
pub mod sessions;
pub mod users;
pub mod verifications;
pub mod webhook_events;
