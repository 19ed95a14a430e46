use crate::error::AppError;

/// What a webhook use case can fail with: the shared kinds plus [`WebhooksCase`].
pub type WebhooksError = AppError<WebhooksCase>;

/// The webhooks context's own failures.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WebhooksCase {
    /// Missing, bad or stale signature (400); which check failed is not said.
    #[error("invalid webhook signature")]
    InvalidSignature,
}
