//! `APP__LOG__*`.

use serde::Deserialize;

/// `APP__LOG__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// `tracing` filter, overridden by `RUST_LOG`.
    pub level: String,
    /// `json`, or `pretty`; default: json in production, pretty elsewhere.
    pub format: Option<String>,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: None,
        }
    }
}
