//! SeaORM entities, one module per table; they mirror `migration/`.

pub mod accounts;
pub mod sessions;
pub mod users;
pub mod verifications;
