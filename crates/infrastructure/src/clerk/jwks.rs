//! Clerk's signing keys: a JWKS cache with single-flight, rate-limited
//! refreshes and stale serving, or one networkless PEM key.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use keel_domain::clock::Clock;
use keel_domain::identity::AuthError;
use serde::Deserialize;

use super::{ClerkConfig, read_body_limited};

/// Longest `kid` looked up; longer ones are unknown without any fetch.
pub const MAX_KID_LEN: usize = 256;
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// Where keys come from, fixed at construction.
enum Source {
    /// `jwt_key_pem` was configured: this key (or none if the PEM was
    /// unusable) for every `kid`, and no network at all.
    Pem(Option<DecodingKey>),
    /// The configured JWKS URL.
    Remote(Box<Remote>),
}

struct Remote {
    http: reqwest::Client,
    url: String,
    /// Sent as a bearer only when `url` is on the Backend API.
    bearer: Option<String>,
    timeout: Duration,
    min_refresh: Duration,
    ttl: Duration,
    stale_max: Duration,
    state: RwLock<State>,
    /// Held for the whole fetch: concurrent callers wait for the same fetch.
    fetch_lock: tokio::sync::Mutex<()>,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, DecodingKey>,
    /// When `keys` were fetched (last successful fetch).
    fetched_at: Option<DateTime<Utc>>,
    /// When the last fetch attempt ended, successful or not.
    last_attempt: Option<DateTime<Utc>>,
}

/// Clerk's public signing keys by `kid`.
///
/// An unknown `kid` (or keys older than `jwks_ttl`) causes one refetch, shared
/// by all concurrent callers, and at most one per `jwks_min_refresh`; a flood
/// of random `kid`s therefore costs Clerk at most one request per interval.
/// When fetches fail, the last keys keep being served for up to `stale_max`.
pub struct JwksCache {
    source: Source,
    fetch_count: AtomicU64,
}

impl JwksCache {
    /// A cache for `config`'s JWKS URL, or for its PEM key when one is set.
    /// An unusable PEM is logged and leaves the cache without keys (every
    /// lookup is then [`AuthError::Unavailable`]). Ages are read off `clock`.
    pub fn new(config: ClerkConfig, http: reqwest::Client, clock: Arc<dyn Clock>) -> Self {
        let source = match &config.jwt_key_pem {
            Some(pem) => {
                // Environment variables often carry the PEM with literal `\n`.
                let pem = pem.replace("\\n", "\n");
                let key = DecodingKey::from_rsa_pem(pem.trim().as_bytes())
                    .inspect_err(
                        |e| tracing::error!(error = %e, "unusable Clerk JWT public key (PEM)"),
                    )
                    .ok();
                Source::Pem(key)
            }
            None => {
                let url = config.effective_jwks_url();
                let api_prefix = format!("{}/", config.api_url.trim_end_matches('/'));
                let bearer = config
                    .secret_key
                    .clone()
                    .filter(|_| url.starts_with(&api_prefix));
                Source::Remote(Box::new(Remote {
                    http,
                    url,
                    bearer,
                    timeout: config.http_timeout,
                    min_refresh: config.jwks_min_refresh,
                    ttl: config.jwks_ttl,
                    stale_max: config.stale_max,
                    state: RwLock::new(State::default()),
                    fetch_lock: tokio::sync::Mutex::new(()),
                    clock,
                }))
            }
        };
        Self {
            source,
            fetch_count: AtomicU64::new(0),
        }
    }

    /// How many JWKS fetches were attempted (for tests and metrics).
    pub fn fetch_count(&self) -> u64 {
        self.fetch_count.load(Ordering::Relaxed)
    }

    /// The key that may have signed a token whose header carries `kid`.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a missing, overlong or unknown `kid`;
    /// [`AuthError::Unavailable`] when there are no usable keys at all.
    pub async fn key_for(&self, kid: Option<&str>) -> Result<DecodingKey, AuthError> {
        let remote = match &self.source {
            Source::Pem(Some(key)) => return Ok(key.clone()),
            Source::Pem(None) => return Err(unavailable(Duration::ZERO)),
            Source::Remote(remote) => remote,
        };
        let Some(kid) = kid.filter(|k| !k.is_empty() && k.len() <= MAX_KID_LEN) else {
            return Err(AuthError::InvalidToken);
        };
        if let Some(key) = remote.fresh_key(kid) {
            return Ok(key);
        }
        let _flight = remote.fetch_lock.lock().await;
        // Another caller may have refreshed while this one waited.
        if let Some(key) = remote.fresh_key(kid) {
            return Ok(key);
        }
        if remote.may_fetch() {
            self.fetch_count.fetch_add(1, Ordering::Relaxed);
            remote.refresh().await;
        }
        remote.usable_key(kid)
    }
}

impl Remote {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// How long ago `at` was, by the clock (zero if `at` is in the future).
    fn age(&self, at: DateTime<Utc>) -> Duration {
        (self.clock.now() - at).to_std().unwrap_or(Duration::ZERO)
    }

    /// The key for `kid` if the keys are younger than the TTL.
    fn fresh_key(&self, kid: &str) -> Option<DecodingKey> {
        let state = self.read();
        let fresh = state.fetched_at.is_some_and(|at| self.age(at) < self.ttl);
        if fresh {
            state.keys.get(kid).cloned()
        } else {
            None
        }
    }

    fn may_fetch(&self) -> bool {
        self.read()
            .last_attempt
            .is_none_or(|at| self.age(at) >= self.min_refresh)
    }

    /// The key for `kid` from whatever keys are still servable (up to `stale_max`).
    fn usable_key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        let state = self.read();
        let servable = !state.keys.is_empty()
            && state
                .fetched_at
                .is_some_and(|at| self.age(at) <= self.stale_max);
        if !servable {
            return Err(unavailable(self.min_refresh));
        }
        state.keys.get(kid).cloned().ok_or(AuthError::InvalidToken)
    }

    /// One fetch; a failure (or a set without a usable key) keeps the old keys.
    async fn refresh(&self) {
        let outcome = self.fetch().await;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let now = self.clock.now();
        state.last_attempt = Some(now);
        match outcome {
            Ok(keys) if !keys.is_empty() => {
                tracing::debug!(keys = keys.len(), "fetched Clerk JWKS");
                state.keys = keys;
                state.fetched_at = Some(now);
            }
            Ok(_) => tracing::warn!("Clerk JWKS has no usable RS256 key; keeping previous keys"),
            Err(error) => tracing::warn!(%error, "Clerk JWKS fetch failed; keeping previous keys"),
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let mut request = self
            .http
            .get(&self.url)
            .timeout(self.timeout)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(secret) = &self.bearer {
            request = request.bearer_auth(secret);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("JWKS request failed: {}", e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("JWKS endpoint answered {status}"));
        }
        let body = read_body_limited(response, MAX_JWKS_BYTES).await?;
        parse_jwks(&body)
    }
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("JwksCache");
        match &self.source {
            Source::Pem(key) => out.field("source", &"pem").field("usable", &key.is_some()),
            Source::Remote(remote) => out
                .field("url", &remote.url)
                .field("keys", &remote.read().keys.len()),
        };
        out.field("fetch_count", &self.fetch_count()).finish()
    }
}

fn unavailable(min_refresh: Duration) -> AuthError {
    AuthError::Unavailable {
        retry_after_secs: min_refresh.as_secs().max(1),
    }
}

#[derive(Deserialize)]
struct RawJwkSet {
    keys: Vec<serde_json::Value>,
}

/// The fields of a JWK this adapter looks at; `jku`, `x5u`, `x5c` and the
/// like are deliberately not even read.
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The RS256 signing keys of a JWKS document by `kid`; every other key
/// (other types, algorithms or uses, malformed, small or without `kid`) is
/// skipped.
fn parse_jwks(body: &[u8]) -> Result<HashMap<String, DecodingKey>, String> {
    let set: RawJwkSet =
        serde_json::from_slice(body).map_err(|e| format!("JWKS is not a JWK set: {e}"))?;
    let mut keys = HashMap::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<RawJwk>(value) else {
            continue;
        };
        if jwk.kty != "RSA"
            || jwk.alg.as_deref().is_some_and(|alg| alg != "RS256")
            || jwk.usage.as_deref().is_some_and(|usage| usage != "sig")
        {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
            continue;
        };
        if kid.is_empty() || kid.len() > MAX_KID_LEN || !modulus_is_large_enough(&n) {
            continue;
        }
        if let Ok(key) = DecodingKey::from_rsa_components(&n, &e) {
            keys.insert(kid, key);
        }
    }
    Ok(keys)
}

fn modulus_is_large_enough(n: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(n.trim_end_matches('='))
        .is_ok_and(|bytes| {
            let significant = bytes.iter().skip_while(|b| **b == 0).count();
            significant >= MIN_RSA_MODULUS_BYTES
        })
}

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;
