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
    install_panic_hook();
}

/// Logs a panic once, as a structured error event inside the request's span
/// (the HTTP layer then answers it as a 500 problem), instead of the default
/// hook's unstructured line on stderr.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        tracing::error!(%location, panic = %message, "panicked");
    }));
}
