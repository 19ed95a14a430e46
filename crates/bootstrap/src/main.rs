//! The `keel` binary.

use clap::Parser;
use keel_bootstrap::cli::{self, Cli};
use keel_bootstrap::{Settings, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    telemetry::init(&settings);
    cli::run(cli, settings).await
}
