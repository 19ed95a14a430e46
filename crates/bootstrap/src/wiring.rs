//! The composition root's shared part: what every context's wiring function
//! gets (settings, database, clock, HTTP client, job queue and runner) and
//! a registry through which contexts hand ports to each other. The contexts
//! themselves are wired in [`crate::contexts`], one call each.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::Duration;
use keel_application::mail::QueueOutbox;
use keel_domain::catalog::FileStorage;
use keel_domain::clock::Clock;
use keel_domain::events::EventBus;
use keel_domain::identity::IdentityProvider;
use keel_domain::jobs::{JobHandler, JobQueue};
use keel_domain::limits::RateCounter;
use keel_domain::mail::Outbox;
use keel_http::rate_limit::RateLimit;
use keel_http::{HttpContext, HttpState, ReadinessProbe};
use keel_infrastructure::SystemClock;
use keel_infrastructure::events::{MemoryEventBus, PgEventBus};
use keel_infrastructure::invalidation::Invalidations;
use keel_infrastructure::jobs::{JobRunner, JobRunnerConfig, SeaOrmJobQueue};
use keel_infrastructure::persistence::Database;
use keel_infrastructure::redis::{Redis, RedisEventBus, RedisWindowCounter};
use keel_infrastructure::security::MemoryRateCounter;
use keel_infrastructure::storage::{LocalFileStorage, S3Config, S3FileStorage};
use sea_orm::DatabaseConnection;

use crate::settings::Settings;

/// What a context's wiring function works with.
pub struct Wiring<'a> {
    /// The validated settings.
    pub settings: &'a Settings,
    /// The database pool.
    pub db: &'a DatabaseConnection,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// The HTTP client for outside services (Clerk), with timeouts.
    pub http_client: reqwest::Client,
    /// The durable job queue.
    pub queue: Arc<dyn JobQueue>,
    /// Mail, queued on `queue` (sent by the mail context's jobs).
    pub outbox: Arc<dyn Outbox>,
    /// The event bus between instances (in-process on SQLite, LISTEN/NOTIFY
    /// on PostgreSQL).
    pub bus: Arc<dyn EventBus>,
    /// Cache invalidation between instances, over `bus`: caches publish
    /// through it and are tracked by it.
    pub invalidations: Invalidations,
    /// Shared counters between instances, when `APP__REDIS__URL` is set.
    pub redis: Option<Redis>,
    runner: JobRunner,
    shutdown: Vec<ShutdownHook>,
    provided: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    http: Vec<HttpContext>,
}

impl<'a> Wiring<'a> {
    fn new(
        settings: &'a Settings,
        db: &'a DatabaseConnection,
        bus: Arc<dyn EventBus>,
        redis: Option<Redis>,
    ) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let runner = JobRunner::new(db.clone(), job_runner_config(settings), clock.clone());
        let queue: Arc<dyn JobQueue> = Arc::new(SeaOrmJobQueue::new(
            db.clone(),
            Some(runner.waker()),
            clock.clone(),
        ));
        Ok(Self {
            settings,
            db,
            outbox: Arc::new(QueueOutbox::new(queue.clone(), clock.clone())),
            clock,
            http_client: reqwest_client()?,
            queue,
            invalidations: Invalidations::over(bus.clone()),
            bus,
            redis,
            runner,
            shutdown: Vec::new(),
            provided: HashMap::new(),
            http: Vec::new(),
        })
    }

    /// A fresh counter of hits per key and window: shared by every instance
    /// through Redis when there is one, per instance otherwise.
    pub fn counter(&self) -> Arc<dyn RateCounter> {
        match &self.redis {
            Some(redis) => Arc::new(RedisWindowCounter::new(redis.clone())),
            None => Arc::new(MemoryRateCounter::default()),
        }
    }

    /// Offers `value` to the contexts wired after this one.
    pub fn provide<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.provided.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// A value an earlier context provided.
    ///
    /// # Errors
    /// When no earlier context provided a `T` (the context list is out of order).
    pub fn require<T: Clone + Send + Sync + 'static>(&self) -> anyhow::Result<T> {
        self.provided
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no context provides {}; wire its provider earlier",
                    type_name::<T>()
                )
            })
    }

    /// Serves a context's routes under `/api/v1`.
    pub fn serve(&mut self, context: HttpContext) {
        self.http.push(context);
    }

    /// Runs `hook` when the server begins to shut down and waits for it
    /// before in-flight requests are drained (e.g. closing WebSockets with
    /// 1001).
    pub fn on_shutdown<F>(&mut self, hook: impl Fn() -> F + Send + Sync + 'static)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.shutdown.push(Box::new(move || Box::pin(hook())));
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn run_jobs(&mut self, kind: &str, handler: Arc<dyn JobHandler>) {
        self.runner.register(kind, handler);
    }
}

/// Something to do (and wait for) when shutdown begins.
pub type ShutdownHook =
    Box<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync>;

/// A context's wiring function.
pub type WireFn = fn(&mut Wiring<'_>) -> anyhow::Result<()>;

/// Everything `Application` runs: the HTTP state and the job runner.
pub struct Wired {
    /// What the HTTP app needs.
    pub http: HttpState,
    /// The background job runner with every handler registered.
    pub runner: JobRunner,
    /// What to do when shutdown begins.
    pub shutdown: Vec<ShutdownHook>,
}

/// Ready when the database accepts a (rolled-back) write and the upload
/// directory takes a file; the causes are logged, the answer names only
/// which check failed.
struct Readiness {
    db: DatabaseConnection,
    uploads: Option<Uploads>,
    redis: Option<Redis>,
}

#[async_trait]
impl ReadinessProbe for Readiness {
    async fn ready(&self) -> Result<Vec<&'static str>, String> {
        if let Err(e) = Database::accepts_writes(&self.db).await {
            tracing::warn!(error = %e, "readiness: the database refuses a write");
            return Err("the database does not accept writes".into());
        }
        if let Some(uploads) = &self.uploads
            && let Err(e) = uploads.probe().await
        {
            tracing::warn!(error = %e, "readiness: the upload storage is not writable");
            return Err("the upload storage is not writable".into());
        }
        // Redis down degrades (counters and invalidations fall back to this
        // instance) but does not stop serving.
        let mut degraded = Vec::new();
        if let Some(redis) = &self.redis
            && !redis.ping().await
        {
            degraded.push("redis");
        }
        Ok(degraded)
    }
}

/// Where uploads live: a directory (shared by instances on one host or a
/// shared volume) or an S3-compatible bucket.
#[derive(Clone)]
pub enum Uploads {
    /// `APP__UPLOADS__DIR`.
    Local(LocalFileStorage),
    /// `APP__UPLOADS__S3_*`.
    S3(S3FileStorage),
}

impl Uploads {
    /// The storage port.
    pub fn storage(&self) -> Arc<dyn FileStorage> {
        match self {
            Self::Local(s) => Arc::new(s.clone()),
            Self::S3(s) => Arc::new(s.clone()),
        }
    }

    /// Writes and removes a probe: readiness.
    async fn probe(&self) -> Result<(), String> {
        match self {
            Self::Local(s) => s
                .probe_writable()
                .await
                .map_err(|e| format!("{}: {e}", s.root().display())),
            Self::S3(s) => s.probe_writable().await,
        }
    }
}

/// The upload storage the settings name: a bucket when
/// `APP__UPLOADS__S3_BUCKET` is set, else the directory (created).
///
/// # Errors
/// A directory that cannot be created, an incomplete S3 configuration.
pub fn uploads(settings: &Settings) -> anyhow::Result<Uploads> {
    let u = &settings.uploads;
    if let Some(bucket) = u.s3_bucket.as_ref().filter(|b| !b.trim().is_empty()) {
        let config = S3Config {
            bucket: bucket.clone(),
            region: u.s3_region.clone(),
            endpoint: u.s3_endpoint.clone().filter(|e| !e.trim().is_empty()),
            access_key_id: u.s3_access_key_id.clone().filter(|k| !k.is_empty()),
            secret_access_key: u
                .s3_secret_access_key
                .as_ref()
                .map(|s| secrecy::ExposeSecret::expose_secret(s).to_owned()),
            prefix: u.s3_prefix.clone(),
            allow_http: u.s3_allow_http,
        };
        return S3FileStorage::new(&config)
            .map(Uploads::S3)
            .map_err(|e| anyhow::anyhow!(e));
    }
    LocalFileStorage::new(&u.dir)
        .map(Uploads::Local)
        .map_err(|e| anyhow::anyhow!("cannot create APP__UPLOADS__DIR {}: {e}", u.dir))
}

/// The database's figures for `/metrics`.
struct DbMetrics {
    db: DatabaseConnection,
    pool_max: u32,
}

#[async_trait]
impl keel_http::metrics::MetricsProbe for DbMetrics {
    async fn sample(&self) -> Vec<keel_http::metrics::GaugeSample> {
        use keel_http::metrics::GaugeSample;
        let s = match keel_infrastructure::metrics::sample(&self.db, self.pool_max).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "metrics: the database figures could not be read");
                return Vec::new();
            }
        };
        let gauge = |name, label, value: f64| GaugeSample { name, label, value };
        let mut out = vec![
            gauge(
                "db_pool_connections",
                Some(("state", "idle")),
                f64::from(s.pool_idle),
            ),
            gauge(
                "db_pool_connections",
                Some(("state", "in_use")),
                f64::from(s.pool_open.saturating_sub(s.pool_idle)),
            ),
            gauge("db_pool_max_connections", None, f64::from(s.pool_max)),
        ];
        #[allow(clippy::cast_precision_loss)]
        {
            out.extend(
                s.jobs
                    .iter()
                    .map(|(state, n)| gauge("jobs", Some(("state", *state)), *n as f64)),
            );
            out.extend(
                s.webhooks.iter().map(|(status, n)| {
                    gauge("webhook_events", Some(("status", *status)), *n as f64)
                }),
            );
        }
        out
    }
}

/// Wires `contexts` in order on `db`.
///
/// # Errors
/// Unusable settings that only show when adapters are built (a webhook
/// secret that does not decode, an upload folder that cannot be created).
pub fn wire(
    settings: &Settings,
    db: &DatabaseConnection,
    bus: Arc<dyn EventBus>,
    redis: Option<Redis>,
    contexts: &[WireFn],
) -> anyhow::Result<Wired> {
    let mut w = Wiring::new(settings, db, bus, redis.clone())?;
    for wire_context in contexts {
        wire_context(&mut w)?;
    }
    let identity = w.require::<Arc<dyn IdentityProvider>>()?;
    let rate_limit = settings.rate_limit.enabled.then(|| RateLimit {
        per_minute: settings.rate_limit.per_minute,
        counter: w.counter(),
    });
    let mut http = HttpState::new(
        identity,
        Arc::new(Readiness {
            redis,
            db: db.clone(),
            uploads: uploads(settings).ok(),
        }),
        settings.cors_origins(),
        keel_http::SecurityHeaders {
            hsts_max_age_secs: Some(settings.server.hsts_max_age_secs).filter(|s| *s > 0),
        },
        w.http,
    )
    .with_metrics(keel_http::metrics::MetricsConfig {
        token: settings
            .metrics
            .token
            .as_ref()
            .map(|t| secrecy::ExposeSecret::expose_secret(t).to_owned())
            .filter(|t| !t.is_empty()),
        probe: Some(Arc::new(DbMetrics {
            db: db.clone(),
            pool_max: settings.database.max_connections,
        })),
    })
    .with_trusted_proxies(
        keel_http::TrustedProxies::parse(&settings.server.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("APP__SERVER__TRUSTED_PROXIES: {e}"))?,
    );
    if let Some(limit) = rate_limit {
        http = http.with_rate_limit(limit);
    }
    Ok(Wired {
        http,
        runner: w.runner,
        shutdown: w.shutdown,
    })
}

/// Redis when `APP__REDIS__URL` is set (connected lazily: an instance
/// starts while Redis is down and uses it once it answers).
///
/// # Errors
/// A URL that does not parse.
pub fn redis(settings: &Settings) -> anyhow::Result<Option<Redis>> {
    let Some(url) = settings
        .redis
        .url
        .as_ref()
        .map(secrecy::ExposeSecret::expose_secret)
        .filter(|u| !u.trim().is_empty())
    else {
        return Ok(None);
    };
    Redis::open(url, &settings.redis.prefix)
        .map(Some)
        .map_err(|e| anyhow::anyhow!(e))
}

/// The event bus: Redis pub/sub when Redis is configured, else
/// LISTEN/NOTIFY on PostgreSQL, else in-process (SQLite: one process owns
/// the file).
///
/// # Errors
/// When PostgreSQL refuses the listening connection.
pub async fn event_bus(
    db: &DatabaseConnection,
    redis: Option<&Redis>,
) -> anyhow::Result<Arc<dyn EventBus>> {
    if let Some(redis) = redis {
        return Ok(Arc::new(RedisEventBus::start(redis.clone())));
    }
    Ok(match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => Arc::new(PgEventBus::start(db).await?),
        _ => Arc::new(MemoryEventBus::default()),
    })
}

/// Seconds as a `chrono` duration, saturating.
pub fn secs(value: u64) -> Duration {
    Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX / 1000))
}

fn job_runner_config(settings: &Settings) -> JobRunnerConfig {
    let j = &settings.jobs;
    JobRunnerConfig {
        poll_interval: StdDuration::from_millis(j.poll_interval_ms.max(10)),
        lock_timeout: StdDuration::from_secs(j.lock_timeout_secs.max(1)),
        base_backoff: StdDuration::from_millis(j.base_backoff_ms),
        max_backoff: StdDuration::from_secs(j.max_backoff_secs),
        shutdown_grace: StdDuration::from_secs(j.shutdown_grace_secs),
        ..JobRunnerConfig::default()
    }
}

fn reqwest_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(StdDuration::from_secs(5))
        .connect_timeout(StdDuration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}
