//! `APP__CLERK__*`.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__CLERK__*` (Clerk's own `CLERK_SECRET_KEY`, `CLERK_JWT_KEY` and
/// `CLERK_WEBHOOK_SIGNING_SECRET` are accepted as aliases).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ClerkSettings {
    /// Accept Clerk session tokens.
    pub enabled: bool,
    /// The instance's Frontend API URL, matched exactly against `iss`.
    pub issuer: String,
    /// JWKS URL (Frontend API `/.well-known/jwks.json` or Backend API `/v1/jwks`).
    pub jwks_url: Option<String>,
    /// Networkless verification: the instance's PEM public key.
    pub jwt_key: Option<SecretString>,
    /// Comma-separated allowed `azp` origins; empty accepts any.
    pub authorized_parties: String,
    /// Accept tokens without `azp` even when parties are configured.
    pub allow_missing_azp: bool,
    /// Seconds between JWKS refetches triggered by unknown `kid`s.
    pub jwks_min_refresh_secs: u64,
    /// Backend API secret key (`sk_...`), for enrichment and the Backend API JWKS.
    pub secret_key: Option<SecretString>,
    /// Backend API base URL.
    pub api_url: String,
    /// Svix signing secrets (`whsec_...`, comma separated for rotation);
    /// enables `POST /api/v1/webhooks/clerk`.
    pub webhook_secret: Option<SecretString>,
}

impl Default for ClerkSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            issuer: String::new(),
            jwks_url: None,
            jwt_key: None,
            authorized_parties: String::new(),
            allow_missing_azp: false,
            jwks_min_refresh_secs: 30,
            secret_key: None,
            api_url: "https://api.clerk.com".into(),
            webhook_secret: None,
        }
    }
}
