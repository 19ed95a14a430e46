//! How the catalog context's own error cases answer.

use keel_application::catalog::CatalogCase;

use crate::problem::{ApiError, ProblemCase};

impl ProblemCase for CatalogCase {
    fn into_api_error(self) -> ApiError {
        match self {
            Self::UnsupportedMediaType => ApiError::UnsupportedMediaType(self.to_string()),
        }
    }
}
