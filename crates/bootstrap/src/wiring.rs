//! The composition root: adapters wrapped as `Arc<dyn Port>` and handed to
//! the use cases. Adding a context adds a block here.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use keel_application::identity::{
    AuthPolicy, AuthService, IdentityPorts, LocalIdentityProvider, UserService,
};
use keel_domain::clock::Clock;
use keel_http::{HttpState, ReadinessProbe};
use keel_infrastructure::SystemClock;
use keel_infrastructure::persistence::{
    CachingSessionRepo, CachingUserRepo, Database, SeaOrmAccountRepo, SeaOrmSessionRepo,
    SeaOrmUserRepo,
};
use keel_infrastructure::security::{
    Argon2Hasher, InMemoryLoginThrottle, JwtConfig, JwtTokenService,
};
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

/// The identity ports on `db`.
pub fn identity_ports(settings: &Settings, db: &DatabaseConnection) -> IdentityPorts {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let concurrency = match settings.auth.hash_concurrency {
        0 => cores.saturating_sub(1).max(1),
        n => n,
    };
    let window = Duration::seconds(i64::try_from(settings.auth.login_window_secs).unwrap_or(900));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let cache_ttl = std::time::Duration::from_secs(settings.auth.session_cache_ttl_secs);
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

fn secs(value: u64) -> Duration {
    Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX / 1000))
}

/// Everything the HTTP layer needs.
pub fn http_state(settings: &Settings, db: &DatabaseConnection) -> HttpState {
    let ports = identity_ports(settings, db);
    let policy = AuthPolicy {
        access_ttl: secs(settings.auth.access_token_ttl_secs),
        refresh_ttl: secs(settings.auth.refresh_token_ttl_secs),
    };
    let identity = Arc::new(LocalIdentityProvider::new(
        ports.tokens.clone(),
        ports.sessions.clone(),
        ports.users.clone(),
        ports.clock.clone(),
    ));
    HttpState {
        auth: Arc::new(AuthService::new(ports.clone(), policy)),
        users: Arc::new(UserService::new(ports)),
        identity,
        readiness: Arc::new(DbReadiness(db.clone())),
        cors_origins: settings.cors_origins(),
    }
}
