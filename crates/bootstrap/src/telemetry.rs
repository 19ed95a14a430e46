//! Structured logs: JSON in production, human-readable elsewhere.

use tracing_subscriber::EnvFilter;

use crate::settings::Settings;

/// Installs the global subscriber once; later calls are no-ops.
pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!("{},sqlx=warn,sea_orm=warn", settings.log.level))
    });
    let json = match settings.log.format.as_deref() {
        Some(format) => format == "json",
        None => settings.env == "production",
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
