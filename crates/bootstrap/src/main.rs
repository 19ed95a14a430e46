//! The `keel` binary.

use std::process::ExitCode;

use clap::Parser;
use keel_bootstrap::cli::{self, Cli};
use keel_bootstrap::{Settings, telemetry};

/// mimalloc instead of glibc's malloc: allocation and free were about 12%
/// of an uncached request's CPU in the profile (docs/profile.md), and
/// mimalloc's per-thread pages suit actix's thread-per-core workers.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
