//! Webhook errors.

/// Why a delivery was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    /// Bad, missing or stale signature; the detail is for logs only.
    #[error("invalid webhook signature: {0}")]
    InvalidSignature(String),
}
