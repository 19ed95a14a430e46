//! How the identity context's own error cases answer.

use keel_application::identity::IdentityCase;

use crate::problem::{ApiError, ProblemCase};

impl ProblemCase for IdentityCase {
    fn into_api_error(self) -> ApiError {
        match self {
            Self::EmailTaken => ApiError::Conflict("email is already registered".into()),
            Self::InvalidCredentials => ApiError::Unauthorized("invalid email or password".into()),
            Self::InvalidToken => ApiError::invalid_token(),
            Self::InvalidMailToken => {
                ApiError::BadRequest("the link is invalid, expired or already used".into())
            }
            Self::ManagedExternally => ApiError::Conflict(
                "this account's email and password are managed by the identity provider".into(),
            ),
            Self::Throttled { retry_after_secs } => ApiError::TooManyRequests { retry_after_secs },
        }
    }
}
