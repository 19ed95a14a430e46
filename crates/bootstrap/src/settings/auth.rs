//! `APP__AUTH__*`.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__AUTH__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Raw HMAC key for access tokens, at least 32 bytes.
    pub jwt_secret: Option<SecretString>,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access-token lifetime.
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime (each rotation starts a new one).
    pub refresh_token_ttl_secs: u64,
    /// Failed logins per (IP, email) before a lockout.
    pub login_max_failures: u32,
    /// Window of the failure count and length of the lockout.
    pub login_window_secs: u64,
    /// Password hashes computed at once (each on its own thread); 0 = one
    /// per core.
    pub hash_concurrency: usize,
    /// Nice value of the hashing threads (Linux; 0..=19): above the
    /// requests' 0, so requests win the cores from a login flood.
    pub hash_nice: i32,
    /// Password checks that may wait for a hashing turn; more are shed with
    /// 503 and `Retry-After` (each waits ~30 ms per turn ahead of it).
    pub hash_queue: usize,
    /// Seconds a verified session and its user are cached per instance
    /// (at most 5; 0 disables). Revocations on this instance apply at once.
    pub session_cache_ttl_secs: u64,
    /// Most checks one statement answers when requests' session checks are
    /// read together (checks that arrive while others are being read wait
    /// for the next statement); 0 or 1 reads each check alone; at most
    /// 1,024.
    pub session_check_batch: usize,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            issuer: "keel".into(),
            audience: "keel-api".into(),
            access_token_ttl_secs: 1800,
            refresh_token_ttl_secs: 604_800,
            login_max_failures: 5,
            login_window_secs: 900,
            hash_concurrency: 0,
            hash_nice: 10,
            hash_queue: 32,
            session_cache_ttl_secs: 5,
            session_check_batch: 64,
        }
    }
}
