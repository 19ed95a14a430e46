//! `APP__JOBS__*`.

use serde::Deserialize;

/// `APP__JOBS__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JobsSettings {
    /// Run a job runner in this process.
    pub enabled: bool,
    /// Poll interval when idle, in ms.
    pub poll_interval_ms: u64,
    /// A running job locked longer than this is reclaimed.
    pub lock_timeout_secs: u64,
    /// First retry delay in ms (then x4 per attempt).
    pub base_backoff_ms: u64,
    /// Longest retry delay.
    pub max_backoff_secs: u64,
    /// Time the job in hand may still take at shutdown.
    pub shutdown_grace_secs: u64,
}

impl Default for JobsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_ms: 1000,
            lock_timeout_secs: 300,
            base_backoff_ms: 5000,
            max_backoff_secs: 6 * 3600,
            shutdown_grace_secs: 10,
        }
    }
}
