//! Building and running the server (zero2prod's `Application`): bind first,
//! then serve, so tests get the real port without sleeping.

use std::net::TcpListener;

use std::sync::Arc;

use actix_web::HttpServer;
use actix_web::dev::Server;
use keel_infrastructure::jobs::JobRunner;
use keel_infrastructure::persistence::Database;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::contexts;
use crate::settings::Settings;
use crate::wiring;

/// A bound, migrated, ready-to-run server.
pub struct Application {
    port: u16,
    host: String,
    server: Server,
    db: DatabaseConnection,
    runner: Option<JobRunner>,
    shutdown: Vec<wiring::ShutdownHook>,
    stop: Stopper,
}

/// Begins the same graceful shutdown as SIGTERM (for embedders and tests).
#[derive(Debug, Clone, Default)]
pub struct Stopper(Arc<tokio::sync::Notify>);

impl Stopper {
    /// Starts shutting the server down.
    pub fn stop(&self) {
        self.0.notify_one();
    }
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
        let redis = wiring::redis(&settings)?;
        let bus = wiring::event_bus(&db, redis.as_ref()).await?;
        let wired = wiring::wire(&settings, &db, bus, redis, contexts::ALL)?;
        let shutdown = wired.shutdown;
        let state = wired.http;
        let runner = settings.jobs.enabled.then_some(wired.runner);
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let server = HttpServer::new(move || keel_http::app(state.clone()))
            .workers(workers)
            .shutdown_timeout(settings.server.shutdown_timeout_secs)
            // Signals are ours: shutdown hooks (closing sockets) run first.
            .disable_signals()
            .listen(listener)?
            .run();
        Ok(Self {
            port,
            host: settings.server.host.clone(),
            server,
            db,
            runner,
            shutdown,
            stop: Stopper::default(),
        })
    }

    /// A handle that shuts this server down like SIGTERM does.
    pub fn stopper(&self) -> Stopper {
        self.stop.clone()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database pool the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves (and runs background jobs) until SIGTERM/SIGINT: in-flight
    /// requests finish within the shutdown timeout, then the job in hand gets
    /// its grace period or is released.
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!("listening on http://{}:{}", self.host, self.port);
        let (stop, stopped) = watch::channel(false);
        let runner = self.runner.map(|r| Arc::new(r).spawn(stopped));
        let handle = self.server.handle();
        let hooks = self.shutdown;
        let asked = self.stop.0.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = stop_signal() => {}
                () = asked.notified() => {}
            }
            tracing::info!("shutting down");
            for hook in &hooks {
                hook().await;
            }
            handle.stop(true).await;
        });
        let served = self.server.await;
        let _ = stop.send(true);
        if let Some(runner) = runner {
            let _ = runner.await;
        }
        served?;
        // Bounded: a connection someone still holds must not keep the
        // process alive.
        let _ =
            tokio::time::timeout(std::time::Duration::from_secs(5), self.db.clone().close()).await;
        tracing::info!("server stopped");
        Ok(())
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Opens the configured database.
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    Ok(Database::connect(&settings.database.url, settings.database.max_connections).await?)
}
