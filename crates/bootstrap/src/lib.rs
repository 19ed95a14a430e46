//! Keel's composition root: settings, telemetry, database, wiring and the
//! server. The `keel` binary is a thin CLI over this library, and the
//! end-to-end suite builds the same [`Application`].

pub mod cli;
pub mod contexts;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod wiring;

pub use settings::Settings;
pub use startup::Application;
