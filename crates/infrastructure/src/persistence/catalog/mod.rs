//! SeaORM adapters of the catalog ports.

use keel_domain::RepoError;
use keel_domain::catalog::CategoryId;

mod category_repo;
mod product_repo;

pub use category_repo::SeaOrmCategoryRepo;
pub use product_repo::{LIST_TOTAL_TTL, SeaOrmProductRepo};

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
}

fn missing_category(id: CategoryId) -> RepoError {
    RepoError::Conflict(format!("category {id} does not exist"))
}
