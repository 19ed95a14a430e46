//! Building and running the server (zero2prod's `Application`): bind first,
//! then serve, so tests get the real port without sleeping.

use std::net::TcpListener;

use actix_web::HttpServer;
use actix_web::dev::Server;
use keel_infrastructure::persistence::Database;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::settings::Settings;
use crate::wiring;

/// A bound, migrated, ready-to-run server.
pub struct Application {
    port: u16,
    host: String,
    server: Server,
    db: DatabaseConnection,
}

impl Application {
    /// Connects to the database, applies pending migrations, wires every
    /// context and binds the listener (port 0 picks a free port).
    ///
    /// # Errors
    /// Invalid settings, an unreachable database, a failed migration or a
    /// port that cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let db = connect(&settings).await?;
        Migrator::up(&db, None).await?;
        let state = wiring::http_state(&settings, &db);
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let server = HttpServer::new(move || keel_http::app(state.clone()))
            .workers(workers)
            .shutdown_timeout(settings.server.shutdown_timeout_secs)
            .listen(listener)?
            .run();
        Ok(Self {
            port,
            host: settings.server.host.clone(),
            server,
            db,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database pool the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until SIGTERM/SIGINT (graceful: in-flight requests finish
    /// within the shutdown timeout) or until the server is stopped.
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!("listening on http://{}:{}", self.host, self.port);
        self.server.await?;
        self.db.clone().close().await.ok();
        tracing::info!("server stopped");
        Ok(())
    }
}

/// Opens the configured database.
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    Ok(Database::connect(&settings.database.url, settings.database.max_connections).await?)
}
