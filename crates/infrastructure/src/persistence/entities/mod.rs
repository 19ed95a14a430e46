//! SeaORM entities, one module per table; they mirror `migration/`.

pub mod accounts;
pub mod jobs;
pub mod sessions;
pub mod users;
pub mod verifications;
pub mod webhook_events;
