//! How the profiles context's own error cases answer.

use keel_application::profiles::ProfilesCase;

use crate::problem::{ApiError, ProblemCase};

impl ProblemCase for ProfilesCase {
    fn into_api_error(self) -> ApiError {
        match self {
            Self::UnsupportedMediaType => ApiError::UnsupportedMediaType(self.to_string()),
        }
    }
}
