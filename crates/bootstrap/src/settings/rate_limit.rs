//! `APP__RATE_LIMIT__*`: request limits per user or anonymous client IP.

use serde::Deserialize;

/// `APP__RATE_LIMIT__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Off by default.
    pub enabled: bool,
    /// Requests per minute per authenticated user or, anonymous, per client IP.
    pub per_minute: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            per_minute: 600,
        }
    }
}
