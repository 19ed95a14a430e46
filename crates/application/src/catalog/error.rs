use keel_domain::Cause;
use keel_domain::catalog::StorageError;
use keel_domain::money::MoneyError;

use crate::error::AppError;

/// What a catalog use case can fail with: the shared kinds plus [`CatalogCase`].
pub type CatalogError = AppError<CatalogCase>;

/// The catalog context's own failures.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CatalogCase {
    /// An upload that is not JPEG, PNG or WebP by content (415).
    #[error("only JPEG, PNG and WebP images are accepted")]
    UnsupportedMediaType,
}

impl From<StorageError> for CatalogError {
    fn from(err: StorageError) -> Self {
        Self::Unavailable(Cause::new(err))
    }
}

impl From<MoneyError> for CatalogError {
    fn from(err: MoneyError) -> Self {
        Self::Conflict(format!("prices cannot be combined: {err}"))
    }
}
