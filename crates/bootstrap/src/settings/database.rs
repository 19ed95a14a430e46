//! `APP__DATABASE__*`.

use serde::Deserialize;

/// `APP__DATABASE__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/keel.db?mode=rwc".into(),
            max_connections: 16,
        }
    }
}
