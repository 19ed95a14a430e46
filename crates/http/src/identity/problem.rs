//! How the identity context's own error cases answer.

use keel_application::identity::IdentityCase;

use crate::problem::{ApiError, ProblemCase};

impl ProblemCase for IdentityCase {
    fn into_api_error(self) -> ApiError {
        match self {
            Self::EmailTaken => ApiError::Conflict("email is already registered".into()),
            Self::InvalidCredentials => ApiError::Unauthorized("invalid email or password".into()),
            Self::InvalidToken => ApiError::invalid_token(),
            Self::Throttled { retry_after_secs } => ApiError::TooManyRequests { retry_after_secs },
        }
    }
}
