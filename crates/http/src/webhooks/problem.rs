//! How the webhooks context's own error cases answer.

use keel_application::webhooks::WebhooksCase;

use crate::problem::{ApiError, ProblemCase};

impl ProblemCase for WebhooksCase {
    fn into_api_error(self) -> ApiError {
        match self {
            Self::InvalidSignature => ApiError::BadRequest(self.to_string()),
        }
    }
}
