//! `APP__REDIS__*`: optional shared state between instances.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__REDIS__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port[/db]`; unset keeps every counter and
    /// cache per instance (the event bus then is PostgreSQL's or in-process).
    pub url: Option<SecretString>,
    /// Prefix of every key and of the pub/sub channel, so deployments can
    /// share one Redis.
    pub prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            prefix: "keel".into(),
        }
    }
}
