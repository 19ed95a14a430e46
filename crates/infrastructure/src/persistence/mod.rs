//! SeaORM persistence: connection set-up, entities and repository adapters.

mod database;
pub(crate) mod entities;
pub mod identity;

pub use database::{Database, DatabaseKind, begin_write, repo_err};
pub use identity::{SeaOrmAccountRepo, SeaOrmSessionRepo, SeaOrmUserRepo, SeaOrmVerificationRepo};
