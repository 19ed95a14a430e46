//! Typed, layered configuration: built-in defaults, `config/default.toml`,
//! `config/{APP_ENV}.toml`, then `APP__SECTION__KEY` environment variables;
//! `DATABASE_URL` wins over `APP__DATABASE__URL`.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod assistant;
mod auth;
mod clerk;
mod database;
mod jobs;
mod logging;
mod mail;
mod metrics;
mod rate_limit;
mod redis;
mod server;
mod shop;
mod uploads;
mod ws;

pub use assistant::{AssistantSettings, BedrockSettings, OpenAiSettings};
pub use auth::AuthSettings;
pub use clerk::ClerkSettings;
pub use database::DatabaseSettings;
pub use jobs::JobsSettings;
pub use logging::LogSettings;
pub use mail::MailSettings;
pub use metrics::MetricsSettings;
pub use rate_limit::RateLimitSettings;
pub use redis::RedisSettings;
pub use server::ServerSettings;
pub use shop::ShopSettings;
pub use uploads::UploadsSettings;
pub use ws::WsSettings;

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
    /// The workspace's assistants.
    pub assistant: AssistantSettings,
    /// The chat WebSocket.
    pub ws: WsSettings,
    /// `APP__METRICS__*`.
    pub metrics: MetricsSettings,
    /// `APP__REDIS__*`.
    pub redis: RedisSettings,
    /// `APP__RATE_LIMIT__*`.
    pub rate_limit: RateLimitSettings,
    /// `APP__MAIL__*`.
    pub mail: MailSettings,
    /// Logging.
    pub log: LogSettings,
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
        alias(&mut self.assistant.openai.api_key, "OPENAI_API_KEY");
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
        if keel_domain::workspace::Provider::parse(&self.assistant.default).is_err() {
            return Err(SettingsError::Invalid(
                "APP__ASSISTANT__DEFAULT must be local, openai or bedrock".into(),
            ));
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
        if self.auth.session_check_batch > 1024 {
            return Err(SettingsError::Invalid(
                "APP__AUTH__SESSION_CHECK_BATCH must be at most 1024".into(),
            ));
        }
        if !(0..=19).contains(&self.auth.hash_nice) {
            return Err(SettingsError::Invalid(
                "APP__AUTH__HASH_NICE must be between 0 and 19".into(),
            ));
        }
        if self.rate_limit.enabled && self.rate_limit.per_minute == 0 {
            return Err(SettingsError::Invalid(
                "APP__RATE_LIMIT__PER_MINUTE must be positive when limits are on".into(),
            ));
        }
        if let Err(e) = keel_http::TrustedProxies::parse(&self.server.trusted_proxies) {
            return Err(SettingsError::Invalid(format!(
                "APP__SERVER__TRUSTED_PROXIES: {e}"
            )));
        }
        if !matches!(self.mail.transport.as_str(), "file" | "smtp" | "log") {
            return Err(SettingsError::Invalid(
                "APP__MAIL__TRANSPORT must be file, smtp or log".into(),
            ));
        }
        if keel_infrastructure::mail::SmtpTls::parse(&self.mail.smtp_tls).is_none() {
            return Err(SettingsError::Invalid(
                "APP__MAIL__SMTP_TLS must be starttls, tls or none".into(),
            ));
        }
        if let Err(e) = keel_infrastructure::mail::parse_from(&self.mail.from) {
            return Err(SettingsError::Invalid(format!("APP__MAIL__FROM: {e}")));
        }
        if self.mail.request_window_secs == 0 {
            return Err(SettingsError::Invalid(
                "APP__MAIL__REQUEST_WINDOW_SECS must be positive".into(),
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
#[path = "tests.rs"]
mod tests;
