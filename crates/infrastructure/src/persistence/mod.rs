//! SeaORM persistence: connection set-up, entities and repository adapters.

mod cached;
mod database;
pub(crate) mod entities;
pub mod identity;
pub mod webhooks;

pub use cached::{CachingSessionRepo, CachingUserRepo};
pub use database::{Database, DatabaseKind, begin_write, repo_err};
pub use identity::{SeaOrmAccountRepo, SeaOrmSessionRepo, SeaOrmUserRepo, SeaOrmVerificationRepo};
pub use webhooks::SeaOrmWebhookEventRepo;
