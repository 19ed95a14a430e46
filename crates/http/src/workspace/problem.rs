//! How the workspace context's own error cases answer. A failed reply
//! names the exchange kept as `failed` in a `chat_id` member.

use actix_web::http::StatusCode;
use keel_application::workspace::WorkspaceCase;

use crate::problem::{ApiError, ProblemCase};

impl ProblemCase for WorkspaceCase {
    fn into_api_error(self) -> ApiError {
        let detail = self.to_string();
        match self {
            Self::AssistantFailed { chat_id, .. } => ApiError::with_extension(
                StatusCode::BAD_GATEWAY,
                &detail,
                "chat_id",
                chat_id.to_string().into(),
            ),
            Self::AssistantTimeout { chat_id } => ApiError::with_extension(
                StatusCode::GATEWAY_TIMEOUT,
                &detail,
                "chat_id",
                chat_id.to_string().into(),
            ),
            Self::TooManyReplies => ApiError::TooManyRequests {
                retry_after_secs: 1,
            },
            Self::AgentInactive => ApiError::Conflict(detail),
        }
    }
}
