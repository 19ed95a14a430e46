//! The composition root: adapters wrapped as `Arc<dyn Port>` and handed to
//! the use cases. Adding a context adds a block here.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::Duration;
use keel_application::identity::{
    AuthPolicy, AuthService, ExternalAuth, ExternalUserService, IdentityPorts,
    LocalIdentityProvider, TokenDispatcher, UserService,
};
use keel_application::shop::{CartService, CatalogService, OrderService};
use keel_application::webhooks::{CLERK_WEBHOOK_JOB, ClerkWebhookJob, WebhookService};
use keel_domain::catalog::ProductRepo;
use keel_domain::clock::Clock;
use keel_domain::identity::{ExternalDirectory, ExternalTokenVerifier};
use keel_domain::jobs::JobQueue;
use keel_domain::money::Currency;
use keel_domain::webhooks::WebhookEventRepo;
use keel_http::{HttpState, ReadinessProbe};
use keel_infrastructure::SystemClock;
use keel_infrastructure::clerk::{ClerkBackendApi, ClerkConfig, ClerkIdentityProvider};
use keel_infrastructure::jobs::{JobRunner, JobRunnerConfig, SeaOrmJobQueue};
use keel_infrastructure::persistence::{
    CachingProductRepo, CachingSessionRepo, CachingUserRepo, Database, SeaOrmAccountRepo,
    SeaOrmCartRepo, SeaOrmCategoryRepo, SeaOrmOrderRepo, SeaOrmProductRepo, SeaOrmSessionRepo,
    SeaOrmUserRepo, SeaOrmWebhookEventRepo,
};
use keel_infrastructure::security::{
    Argon2Hasher, InMemoryLoginThrottle, JwtConfig, JwtTokenService,
};
use keel_infrastructure::storage::LocalFileStorage;
use keel_infrastructure::webhooks::SvixVerifier;
use rand::RngCore;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use crate::settings::Settings;

struct DbReadiness(DatabaseConnection);

#[async_trait]
impl ReadinessProbe for DbReadiness {
    async fn ready(&self) -> bool {
        Database::ping(&self.0).await
    }
}

fn secret_bytes(settings: &Settings) -> Vec<u8> {
    match &settings.auth.jwt_secret {
        Some(secret) => secret.expose_secret().as_bytes().to_vec(),
        None => {
            tracing::warn!(
                "APP__AUTH__JWT_SECRET is not set: using a random key; tokens will not survive a restart"
            );
            let mut key = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            key
        }
    }
}

fn secs(value: u64) -> Duration {
    Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX / 1000))
}

/// The identity ports on `db`.
pub fn identity_ports(settings: &Settings, db: &DatabaseConnection) -> IdentityPorts {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let concurrency = match settings.auth.hash_concurrency {
        0 => cores.saturating_sub(1).max(1),
        n => n,
    };
    let window = secs(settings.auth.login_window_secs);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let cache_ttl = StdDuration::from_secs(settings.auth.session_cache_ttl_secs);
    IdentityPorts {
        users: Arc::new(CachingUserRepo::new(
            Arc::new(SeaOrmUserRepo::new(db.clone())),
            cache_ttl,
        )),
        accounts: Arc::new(SeaOrmAccountRepo::new(db.clone())),
        sessions: Arc::new(CachingSessionRepo::new(
            Arc::new(SeaOrmSessionRepo::new(db.clone())),
            cache_ttl,
        )),
        hasher: Arc::new(Argon2Hasher::new(concurrency)),
        tokens: Arc::new(JwtTokenService::new(JwtConfig {
            secret: secret_bytes(settings),
            issuer: settings.auth.issuer.clone(),
            audience: settings.auth.audience.clone(),
        })),
        throttle: Arc::new(InMemoryLoginThrottle::new(
            settings.auth.login_max_failures,
            window,
        )),
        clock,
    }
}

fn clerk_config(settings: &Settings) -> ClerkConfig {
    let c = &settings.clerk;
    ClerkConfig {
        authorized_parties: settings.clerk_authorized_parties(),
        allow_missing_azp: c.allow_missing_azp,
        jwks_url: c.jwks_url.clone().filter(|u| !u.trim().is_empty()),
        secret_key: c.secret_key.as_ref().map(|s| s.expose_secret().to_owned()),
        jwt_key_pem: c.jwt_key.as_ref().map(|s| s.expose_secret().to_owned()),
        api_url: c.api_url.clone(),
        jwks_min_refresh: StdDuration::from_secs(c.jwks_min_refresh_secs),
        ..ClerkConfig::new(c.issuer.clone())
    }
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

/// Everything `Application` runs: the HTTP state and the job runner.
pub struct Wired {
    /// What the HTTP handlers need.
    pub http: HttpState,
    /// The background job runner with every handler registered.
    pub runner: JobRunner,
}

/// Wires every context on `db`.
///
/// # Errors
/// Unusable settings that only show when adapters are built (a webhook secret that does not decode).
pub fn wire(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<Wired> {
    let ports = identity_ports(settings, db);
    let policy = AuthPolicy {
        access_ttl: secs(settings.auth.access_token_ttl_secs),
        refresh_ttl: secs(settings.auth.refresh_token_ttl_secs),
    };
    let http_client = reqwest_client()?;
    let mut runner = JobRunner::new(db.clone(), job_runner_config(settings));
    let queue: Arc<dyn JobQueue> = Arc::new(SeaOrmJobQueue::new(db.clone(), Some(runner.waker())));

    let clerk = clerk_config(settings);
    let directory: Option<Arc<dyn ExternalDirectory>> =
        settings.clerk.secret_key.as_ref().map(|_| {
            Arc::new(ClerkBackendApi::new(clerk.clone(), http_client.clone()))
                as Arc<dyn ExternalDirectory>
        });
    let external_users = Arc::new(ExternalUserService::new(
        ports.users.clone(),
        ports.accounts.clone(),
        ports.sessions.clone(),
        directory,
        ports.clock.clone(),
    ));
    let external = settings.clerk.enabled.then(|| ExternalAuth {
        verifier: Arc::new(ClerkIdentityProvider::new(
            clerk.clone(),
            http_client.clone(),
        )) as Arc<dyn ExternalTokenVerifier>,
        users: external_users.clone(),
    });
    let identity = Arc::new(TokenDispatcher::new(
        ports.tokens.clone(),
        LocalIdentityProvider::new(
            ports.tokens.clone(),
            ports.sessions.clone(),
            ports.users.clone(),
            ports.clock.clone(),
        ),
        external,
    ));

    let events: Arc<dyn WebhookEventRepo> = Arc::new(SeaOrmWebhookEventRepo::new(db.clone()));
    runner.register(
        CLERK_WEBHOOK_JOB,
        Arc::new(ClerkWebhookJob::new(
            events.clone(),
            external_users,
            ports.clock.clone(),
        )),
    );
    let webhooks = match &settings.clerk.webhook_secret {
        Some(secret) => {
            let verifier = SvixVerifier::new(secret.expose_secret())
                .map_err(|e| anyhow::anyhow!("APP__CLERK__WEBHOOK_SECRET: {e}"))?;
            Some(Arc::new(WebhookService::new(
                Arc::new(verifier),
                events,
                queue,
                ports.clock.clone(),
            )))
        }
        None => None,
    };

    let products: Arc<dyn ProductRepo> = Arc::new(CachingProductRepo::new(
        Arc::new(SeaOrmProductRepo::new(db.clone())),
        StdDuration::from_millis(settings.shop.list_cache_ms),
    ));
    let storage = LocalFileStorage::new(&settings.uploads.dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create APP__UPLOADS__DIR {}: {e}",
            settings.uploads.dir
        )
    })?;
    let currency = Currency::parse(&settings.shop.currency)
        .map_err(|e| anyhow::anyhow!("APP__SHOP__CURRENCY: {e}"))?;
    let catalog = Arc::new(CatalogService::new(
        Arc::new(SeaOrmCategoryRepo::new(db.clone())),
        products.clone(),
        Arc::new(storage),
        ports.clock.clone(),
    ));
    let carts = Arc::new(CartService::new(
        Arc::new(SeaOrmCartRepo::new(db.clone())),
        products,
        ports.clock.clone(),
        currency,
    ));
    let orders = Arc::new(OrderService::new(
        Arc::new(SeaOrmOrderRepo::new(db.clone())),
        ports.clock.clone(),
    ));

    Ok(Wired {
        http: HttpState {
            catalog,
            carts,
            orders,
            max_upload_bytes: settings.uploads.max_bytes,
            auth: Arc::new(AuthService::new(ports.clone(), policy)),
            users: Arc::new(UserService::new(ports)),
            identity,
            readiness: Arc::new(DbReadiness(db.clone())),
            webhooks,
            cors_origins: settings.cors_origins(),
        },
        runner,
    })
}

fn reqwest_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(StdDuration::from_secs(5))
        .connect_timeout(StdDuration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}
