//! SeaORM persistence: connection set-up, entities and repository adapters.

mod batched;
mod cached;
mod cached_products;
pub mod catalog;
mod database;
pub(crate) mod entities;
pub mod identity;
pub mod ordering;
pub mod profiles;
pub mod webhooks;
pub mod workspace;

pub use batched::BatchingSessionRepo;
pub use cached::{CachingSessionRepo, CachingUserRepo};
pub use cached_products::CachingProductRepo;
pub use catalog::{SeaOrmCategoryRepo, SeaOrmProductRepo};
pub use database::{Database, DatabaseKind, begin_write, repo_err};
pub use identity::{SeaOrmAccountRepo, SeaOrmSessionRepo, SeaOrmUserRepo, SeaOrmVerificationRepo};
pub use ordering::{SeaOrmCartRepo, SeaOrmOrderRepo};
pub use webhooks::SeaOrmWebhookEventRepo;
