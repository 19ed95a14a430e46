//! The `keel` binary.

use std::process::ExitCode;

use clap::Parser;
use keel_bootstrap::cli::{self, Cli};
use keel_bootstrap::{Settings, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("keel: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
    match cli::run(cli, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "keel failed");
            eprintln!("keel: {err:#}");
            ExitCode::FAILURE
        }
    }
}
