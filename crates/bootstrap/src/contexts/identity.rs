//! Identity: local accounts, Clerk, tokens and sessions.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use keel_application::identity::{
    AuthPolicy, AuthService, ExternalAuth, ExternalUserService, IdentityPorts,
    LocalIdentityProvider, MailRequestLimits, RecoveryService, TokenDispatcher, UserService,
};
use keel_domain::clock::Clock;
use keel_domain::identity::{
    ExternalDirectory, ExternalTokenVerifier, IdentityProvider, VerificationRepo,
};
use keel_infrastructure::SystemClock;
use keel_infrastructure::invalidation::Invalidations;
use keel_infrastructure::redis::{Redis, RedisLoginThrottle};
use keel_infrastructure::clerk::{ClerkBackendApi, ClerkConfig, ClerkIdentityProvider};
use keel_infrastructure::persistence::{
    BatchingSessionRepo, CachingSessionRepo, CachingUserRepo, SeaOrmAccountRepo,
    SeaOrmSessionRepo, SeaOrmUserRepo, SeaOrmVerificationRepo,
};
use keel_infrastructure::security::{
    Argon2Hasher, InMemoryLoginThrottle, JwtConfig, JwtTokenService,
};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use crate::settings::Settings;
use crate::wiring::{Wiring, secs};

/// Wires identity; provides `Arc<dyn IdentityProvider>` (bearer tokens for
/// every context), `Arc<ExternalUserService>` (Clerk user sync) and
/// `Arc<dyn TokenService>` (the mail context mints its tokens with it).
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let settings = w.settings;
    let ports = ports(settings, w.db, &w.invalidations, w.redis.as_ref());
    let policy = AuthPolicy {
        access_ttl: secs(settings.auth.access_token_ttl_secs),
        refresh_ttl: secs(settings.auth.refresh_token_ttl_secs),
    };
    let clerk = clerk_config(settings);
    let directory: Option<Arc<dyn ExternalDirectory>> =
        settings.clerk.secret_key.as_ref().map(|_| {
            Arc::new(ClerkBackendApi::new(clerk.clone(), w.http_client.clone()))
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
            w.http_client.clone(),
            w.clock.clone(),
        )) as Arc<dyn ExternalTokenVerifier>,
        users: external_users.clone(),
    });
    let identity: Arc<dyn IdentityProvider> = Arc::new(TokenDispatcher::new(
        ports.tokens.clone(),
        LocalIdentityProvider::new(
            ports.tokens.clone(),
            ports.sessions.clone(),
            ports.clock.clone(),
        ),
        external,
    ));
    w.provide(identity);
    w.provide(external_users);
    w.provide(ports.tokens.clone());
    let auth = Arc::new(AuthService::new(ports.clone(), policy).with_outbox(w.outbox.clone()));
    let mail = &settings.mail;
    let verifications: Arc<dyn VerificationRepo> =
        Arc::new(SeaOrmVerificationRepo::new(w.db.clone()));
    let recovery = Arc::new(RecoveryService::new(
        ports.clone(),
        auth.clone(),
        verifications.clone(),
        w.outbox.clone(),
        w.counter(),
        MailRequestLimits {
            per_email: mail.requests_per_email,
            per_ip: mail.requests_per_ip,
            window: StdDuration::from_secs(mail.request_window_secs),
        },
    ));
    w.serve(keel_http::identity::context(
        auth,
        Arc::new(UserService::new(ports).with_verifications(verifications)),
        recovery,
    ));
    Ok(())
}

/// Session-check statements in flight at once: a quarter of the pool, so
/// checks keep connections free for everything else and, under load, queue
/// into batches instead of each taking a connection.
fn session_check_slots(settings: &Settings) -> usize {
    (settings.database.max_connections as usize / 4).max(1)
}

/// The identity ports on `db` (also used by `keel create-admin`); the
/// session and user caches publish through `invalidations` and are tracked
/// by it; the login throttle counts in `redis` when there is one.
pub fn ports(
    settings: &Settings,
    db: &DatabaseConnection,
    invalidations: &Invalidations,
    redis: Option<&Redis>,
) -> IdentityPorts {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let concurrency = match settings.auth.hash_concurrency {
        0 => cores.max(1),
        n => n,
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let cache_ttl = StdDuration::from_secs(settings.auth.session_cache_ttl_secs);
    let users = Arc::new(CachingUserRepo::new(
        Arc::new(SeaOrmUserRepo::new(db.clone())),
        cache_ttl,
        invalidations.clone(),
    ));
    let sessions = Arc::new(
        CachingSessionRepo::new(
            Arc::new(BatchingSessionRepo::new(
                Arc::new(SeaOrmSessionRepo::new(db.clone())),
                settings.auth.session_check_batch,
                session_check_slots(settings),
            )),
            cache_ttl,
            invalidations.clone(),
        )
        .with_users(users.clone()),
    );
    invalidations.track(users.clone());
    invalidations.track(sessions.clone());
    IdentityPorts {
        users,
        accounts: Arc::new(SeaOrmAccountRepo::new(db.clone())),
        sessions,
        hasher: Arc::new(Argon2Hasher::new(
            concurrency,
            settings.auth.hash_queue,
            settings.auth.hash_nice,
        )),
        tokens: Arc::new(JwtTokenService::new(JwtConfig {
            secret: secret_bytes(settings),
            issuer: settings.auth.issuer.clone(),
            audience: settings.auth.audience.clone(),
        })),
        throttle: match redis {
            Some(redis) => Arc::new(RedisLoginThrottle::new(
                redis.clone(),
                settings.auth.login_max_failures,
                secs(settings.auth.login_window_secs),
            )),
            None => Arc::new(InMemoryLoginThrottle::new(
                settings.auth.login_max_failures,
                secs(settings.auth.login_window_secs),
            )),
        },
        clock,
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
