//! `APP__UPLOADS__*`.

use serde::Deserialize;

/// `APP__UPLOADS__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UploadsSettings {
    /// Where uploaded images are stored (created when missing).
    pub dir: String,
    /// Largest accepted image in bytes.
    pub max_bytes: usize,
}

impl Default for UploadsSettings {
    fn default() -> Self {
        Self {
            dir: "data/uploads".into(),
            max_bytes: 5 * 1024 * 1024,
        }
    }
}
