//! SeaORM adapters of the identity ports.

use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::identity::{AccountProvider, PasswordHash, UserId};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::persistence::entities::accounts;

mod account_repo;
mod session_repo;
mod user_repo;
mod verification_repo;

pub use account_repo::SeaOrmAccountRepo;
pub use session_repo::SeaOrmSessionRepo;
pub use user_repo::SeaOrmUserRepo;
pub use verification_repo::SeaOrmVerificationRepo;

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
}

fn password_account(
    user_id: UserId,
    hash: PasswordHash,
    now: DateTime<Utc>,
) -> accounts::ActiveModel {
    accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id.as_uuid()),
        provider: Set(AccountProvider::Password.as_str().to_owned()),
        provider_account_id: Set(user_id.to_string()),
        password_hash: Set(Some(hash.as_str().to_owned())),
        synced_at_ms: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}
