//! `APP__SERVER__*`.

use serde::Deserialize;

/// `APP__SERVER__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port; 0 picks a free one (logged).
    pub port: u16,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
    /// Comma-separated CORS origins; `*` for any; empty for none.
    pub cors_origins: String,
    /// Seconds given to in-flight requests on shutdown.
    pub shutdown_timeout_secs: u64,
    /// `Strict-Transport-Security: max-age=N` on every answer when above 0
    /// (only behind TLS); 0, the default, sends none.
    pub hsts_max_age_secs: u64,
    /// Comma-separated CIDRs or addresses of reverse proxies whose
    /// `Forwarded`/`X-Forwarded-For` headers name the client; empty (the
    /// default) believes no such header.
    pub trusted_proxies: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            cors_origins: String::new(),
            shutdown_timeout_secs: 30,
            hsts_max_age_secs: 0,
            trusted_proxies: String::new(),
        }
    }
}
