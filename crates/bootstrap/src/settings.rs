//! Typed, layered configuration: built-in defaults, `config/default.toml`,
//! `config/{APP_ENV}.toml`, then `APP__SECTION__KEY` environment variables;
//! `DATABASE_URL` wins over `APP__DATABASE__URL`.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The shortest accepted HMAC key for access tokens, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// All settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Settings {
    /// `APP_ENV`: `development` (default), `test`, `production`...
    #[serde(skip)]
    pub env: String,
    /// HTTP server.
    pub server: ServerSettings,
    /// Database.
    pub database: DatabaseSettings,
    /// Local accounts and tokens.
    pub auth: AuthSettings,
    /// Clerk as external identity provider and webhook source.
    pub clerk: ClerkSettings,
    /// The background job runner.
    pub jobs: JobsSettings,
    /// Uploaded files.
    pub uploads: UploadsSettings,
    /// The shop.
    pub shop: ShopSettings,
    /// Logging.
    pub log: LogSettings,
}

/// `APP__CLERK__*` (Clerk's own `CLERK_SECRET_KEY`, `CLERK_JWT_KEY` and
/// `CLERK_WEBHOOK_SIGNING_SECRET` are accepted as aliases).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ClerkSettings {
    /// Accept Clerk session tokens.
    pub enabled: bool,
    /// The instance's Frontend API URL, matched exactly against `iss`.
    pub issuer: String,
    /// JWKS URL (Frontend API `/.well-known/jwks.json` or Backend API `/v1/jwks`).
    pub jwks_url: Option<String>,
    /// Networkless verification: the instance's PEM public key.
    pub jwt_key: Option<SecretString>,
    /// Comma-separated allowed `azp` origins; empty accepts any.
    pub authorized_parties: String,
    /// Accept tokens without `azp` even when parties are configured.
    pub allow_missing_azp: bool,
    /// Seconds between JWKS refetches triggered by unknown `kid`s.
    pub jwks_min_refresh_secs: u64,
    /// Backend API secret key (`sk_...`), for enrichment and the Backend API JWKS.
    pub secret_key: Option<SecretString>,
    /// Backend API base URL.
    pub api_url: String,
    /// Svix signing secrets (`whsec_...`, comma separated for rotation);
    /// enables `POST /api/v1/webhooks/clerk`.
    pub webhook_secret: Option<SecretString>,
}

impl Default for ClerkSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            issuer: String::new(),
            jwks_url: None,
            jwt_key: None,
            authorized_parties: String::new(),
            allow_missing_azp: false,
            jwks_min_refresh_secs: 30,
            secret_key: None,
            api_url: "https://api.clerk.com".into(),
            webhook_secret: None,
        }
    }
}

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

/// `APP__SHOP__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ShopSettings {
    /// ISO 4217 currency an empty cart is shown in.
    pub currency: String,
    /// Milliseconds a public product-list page is reused (0 disables).
    pub list_cache_ms: u64,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            currency: "EUR".into(),
            list_cache_ms: 1000,
        }
    }
}

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
        }
    }
}

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

/// `APP__AUTH__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Raw HMAC key for access tokens, at least 32 bytes.
    pub jwt_secret: Option<SecretString>,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access-token lifetime.
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime (each rotation starts a new one).
    pub refresh_token_ttl_secs: u64,
    /// Failed logins per (IP, email) before a lockout.
    pub login_max_failures: u32,
    /// Window of the failure count and length of the lockout.
    pub login_window_secs: u64,
    /// Password hashes computed at once; 0 = cores - 1 (at least 1).
    pub hash_concurrency: usize,
    /// Password checks that may wait for a hashing turn; more are shed with
    /// 503 and `Retry-After` (each waits ~30 ms per turn ahead of it).
    pub hash_queue: usize,
    /// Seconds a verified session and its user are cached per instance
    /// (at most 5; 0 disables). Revocations on this instance apply at once.
    pub session_cache_ttl_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            issuer: "keel".into(),
            audience: "keel-api".into(),
            access_token_ttl_secs: 1800,
            refresh_token_ttl_secs: 604_800,
            login_max_failures: 5,
            login_window_secs: 900,
            hash_concurrency: 0,
            hash_queue: 32,
            session_cache_ttl_secs: 5,
        }
    }
}

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

/// Why settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A source could not be read or a value has the wrong type.
    #[error("configuration error: {0}")]
    Load(#[from] config::ConfigError),
    /// A value is unacceptable.
    #[error("configuration error: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the layered configuration for `APP_ENV` (default `development`).
    ///
    /// # Errors
    /// [`SettingsError`] when a source is unreadable or a value invalid.
    pub fn load() -> Result<Self, SettingsError> {
        let env = std::env::var("APP_ENV").unwrap_or_else(|_| "development".into());
        let raw = config::Config::builder()
            .add_source(config::File::with_name("config/default").required(false))
            .add_source(config::File::with_name(&format!("config/{env}")).required(false))
            .add_source(
                config::Environment::with_prefix("APP")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?;
        let mut settings: Settings = raw.try_deserialize()?;
        settings.env = env;
        settings.apply_clerk_aliases(|name| std::env::var(name).ok());
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.trim().is_empty()
        {
            settings.database.url = url;
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Fills unset Clerk secrets from Clerk's own variable names.
    pub fn apply_clerk_aliases(&mut self, env: impl Fn(&str) -> Option<String>) {
        let alias = |slot: &mut Option<SecretString>, name: &str| {
            if slot.is_none() {
                *slot = env(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(SecretString::from);
            }
        };
        alias(&mut self.clerk.secret_key, "CLERK_SECRET_KEY");
        alias(&mut self.clerk.jwt_key, "CLERK_JWT_KEY");
        alias(
            &mut self.clerk.webhook_secret,
            "CLERK_WEBHOOK_SIGNING_SECRET",
        );
    }

    /// Whether this is a development or test environment, where missing
    /// secrets are replaced by ephemeral ones.
    pub fn is_dev(&self) -> bool {
        matches!(self.env.as_str(), "development" | "test" | "")
    }

    /// Checks the rules that must hold before serving.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] for a short JWT secret anywhere, a missing
    /// one outside development/test, or an unsupported database URL.
    pub fn validate(&self) -> Result<(), SettingsError> {
        match &self.auth.jwt_secret {
            Some(s) if s.expose_secret().len() < MIN_JWT_SECRET_BYTES => {
                return Err(SettingsError::Invalid(format!(
                    "APP__AUTH__JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes"
                )));
            }
            None if !self.is_dev() => {
                return Err(SettingsError::Invalid(format!(
                    "APP__AUTH__JWT_SECRET is required when APP_ENV={} (at least {MIN_JWT_SECRET_BYTES} bytes)",
                    self.env
                )));
            }
            _ => {}
        }
        if keel_infrastructure::persistence::Database::kind(&self.database.url).is_none() {
            return Err(SettingsError::Invalid(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        }
        if self.clerk.enabled {
            if self.clerk.issuer.trim().is_empty() {
                return Err(SettingsError::Invalid(
                    "APP__CLERK__ISSUER is required when Clerk is enabled".into(),
                ));
            }
            if self.clerk.jwks_url.is_none() && self.clerk.jwt_key.is_none() {
                return Err(SettingsError::Invalid(
                    "Clerk needs APP__CLERK__JWKS_URL or APP__CLERK__JWT_KEY (CLERK_JWT_KEY)"
                        .into(),
                ));
            }
        }
        if keel_domain::money::Currency::parse(&self.shop.currency).is_err() {
            return Err(SettingsError::Invalid(
                "APP__SHOP__CURRENCY must be an ISO 4217 code".into(),
            ));
        }
        if self.uploads.max_bytes == 0 {
            return Err(SettingsError::Invalid(
                "APP__UPLOADS__MAX_BYTES must be positive".into(),
            ));
        }
        if self.auth.session_cache_ttl_secs > 5 {
            return Err(SettingsError::Invalid(
                "APP__AUTH__SESSION_CACHE_TTL_SECS must be at most 5: revocations must reach every instance within 5 s".into(),
            ));
        }
        if self.auth.access_token_ttl_secs == 0 || self.auth.refresh_token_ttl_secs == 0 {
            return Err(SettingsError::Invalid(
                "token lifetimes must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The CORS origins as a list.
    pub fn cors_origins(&self) -> Vec<String> {
        split_list(&self.server.cors_origins)
    }

    /// Clerk's authorised parties as a list.
    pub fn clerk_authorized_parties(&self) -> Vec<String> {
        split_list(&self.clerk.authorized_parties)
    }
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_env(env: &str, secret: Option<&str>) -> Settings {
        let mut s = Settings {
            env: env.into(),
            ..Settings::default()
        };
        s.auth.jwt_secret = secret.map(|v| SecretString::from(v.to_owned()));
        s
    }

    #[test]
    fn production_refuses_a_missing_or_short_secret() {
        assert!(with_env("production", None).validate().is_err());
        assert!(with_env("production", Some("short")).validate().is_err());
        assert!(
            with_env("production", Some(&"k".repeat(32)))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn development_accepts_a_missing_secret_but_not_a_short_one() {
        assert!(with_env("development", None).validate().is_ok());
        assert!(with_env("test", Some("short")).validate().is_err());
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = with_env("production", Some("super-secret-value-super-secret-value"));
        assert!(!format!("{s:?}").contains("super-secret-value"));
    }

    #[test]
    fn defaults_match_the_contract() {
        let s = Settings::default();
        assert_eq!(s.auth.access_token_ttl_secs, 1800);
        assert_eq!(s.auth.refresh_token_ttl_secs, 604_800);
        assert!(s.database.url.starts_with("sqlite://data/"));
    }

    #[test]
    fn clerk_aliases_fill_only_unset_secrets() {
        let mut s = Settings::default();
        s.clerk.webhook_secret = Some(SecretString::from("whsec_configured".to_owned()));
        s.apply_clerk_aliases(|name| Some(format!("{name}-value")));
        assert_eq!(
            s.clerk.secret_key.as_ref().unwrap().expose_secret(),
            "CLERK_SECRET_KEY-value"
        );
        assert_eq!(
            s.clerk.jwt_key.as_ref().unwrap().expose_secret(),
            "CLERK_JWT_KEY-value"
        );
        assert_eq!(
            s.clerk.webhook_secret.as_ref().unwrap().expose_secret(),
            "whsec_configured"
        );
    }

    #[test]
    fn enabling_clerk_requires_an_issuer_and_keys() {
        let mut s = with_env("development", None);
        s.clerk.enabled = true;
        assert!(s.validate().is_err());
        s.clerk.issuer = "https://clerk.example.com".into();
        assert!(s.validate().is_err());
        s.clerk.jwks_url = Some("https://clerk.example.com/.well-known/jwks.json".into());
        assert!(s.validate().is_ok());
    }

    #[test]
    fn cors_origins_are_split_on_commas() {
        let mut s = Settings::default();
        s.server.cors_origins = " https://a.example , https://b.example,".into();
        assert_eq!(
            s.cors_origins(),
            vec!["https://a.example", "https://b.example"]
        );
    }
}
