//! `APP__METRICS__*`: the Prometheus endpoint.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__METRICS__*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`.
    pub token: Option<SecretString>,
}
