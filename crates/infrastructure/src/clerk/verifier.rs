//! Verification of Clerk session tokens (RS256) into an [`ExternalIdentity`].

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, Validation};
use keel_domain::clock::Clock;
use keel_domain::identity::{AuthError, ExternalIdentity, ExternalTokenVerifier, Role};
use serde::Deserialize;

use super::{ClerkConfig, JwksCache};

/// Longest bearer token looked at.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// The claims of a Clerk session token this adapter reads. Everything else
/// (including `unsafe_metadata`) is ignored; `exp`, `nbf` and `iat` are
/// checked against the [`Clock`] port (so tests control time), the signature
/// and the algorithm by `jsonwebtoken`.
#[derive(Deserialize)]
struct ClerkClaims {
    /// A single string: `jsonwebtoken` alone would accept an array of
    /// issuers containing ours.
    iss: String,
    sub: String,
    sid: Option<String>,
    azp: Option<String>,
    sts: Option<String>,
    act: Option<serde_json::Value>,
    metadata: Option<serde_json::Value>,
    email: Option<String>,
    iat: Option<i64>,
    exp: i64,
    nbf: i64,
}

/// [`ExternalTokenVerifier`] for Clerk session tokens: RS256 only, the exact
/// configured issuer, 5 s of skew, `azp` among the authorized parties, keys
/// from [`JwksCache`].
pub struct ClerkIdentityProvider {
    config: ClerkConfig,
    jwks: JwksCache,
    validation: Validation,
    clock: Arc<dyn Clock>,
}

impl ClerkIdentityProvider {
    /// A verifier for `config`, fetching keys with `http` (unless a PEM key
    /// is configured), reading the time off `clock`.
    pub fn new(config: ClerkConfig, http: reqwest::Client, clock: Arc<dyn Clock>) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        validation.leeway = LEEWAY_SECS;
        // Checked below against the clock port, with the same leeway.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let jwks = JwksCache::new(config.clone(), http, clock.clone());
        Self {
            config,
            jwks,
            validation,
            clock,
        }
    }

    /// The key cache (for tests and metrics).
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    fn azp_is_authorized(&self, azp: Option<&str>) -> bool {
        let parties = &self.config.authorized_parties;
        match azp {
            _ if parties.is_empty() => true,
            Some(azp) => parties.iter().any(|party| party == azp),
            None => self.config.allow_missing_azp,
        }
    }
}

impl fmt::Debug for ClerkIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkIdentityProvider")
            .field("config", &self.config)
            .field("jwks", &self.jwks)
            .finish_non_exhaustive()
    }
}

/// The role a token grants: `metadata.role` when it is a known role, else
/// customer; never admin while someone impersonates the subject.
fn role_of(metadata: Option<&serde_json::Value>, impersonated: bool) -> Role {
    let role = metadata
        .and_then(|m| m.get("role"))
        .and_then(serde_json::Value::as_str)
        .and_then(|raw| Role::parse(raw).ok())
        .unwrap_or(Role::Customer);
    match role {
        Role::Admin if impersonated => Role::Customer,
        role => role,
    }
}

fn invalid(reason: &'static str) -> AuthError {
    tracing::debug!(reason, "Clerk session token rejected");
    AuthError::InvalidToken
}

#[async_trait]
impl ExternalTokenVerifier for ClerkIdentityProvider {
    async fn verify(&self, token: &str) -> Result<ExternalIdentity, AuthError> {
        if token.len() > MAX_TOKEN_BYTES || !token.is_ascii() {
            return Err(invalid("oversized or non-ASCII token"));
        }
        if self.config.issuer.is_empty() {
            return Err(invalid("no Clerk issuer configured"));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("bad header"))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid("algorithm is not RS256"));
        }
        // No JWS extension is understood, so a critical one cannot be honoured.
        if header.crit.is_some() {
            return Err(invalid("critical header extension"));
        }
        let key = self.jwks.key_for(header.kid.as_deref()).await?;
        let claims = jsonwebtoken::decode::<ClerkClaims>(token, &key, &self.validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "Clerk session token failed verification");
                AuthError::InvalidToken
            })?
            .claims;

        if claims.iss != self.config.issuer {
            return Err(invalid("wrong issuer"));
        }
        let now = self.clock.now().timestamp();
        let leeway = LEEWAY_SECS as i64;
        if claims.exp < now - leeway {
            return Err(invalid("expired"));
        }
        if claims.nbf > now + leeway {
            return Err(invalid("not yet valid"));
        }
        if claims.iat.is_some_and(|iat| iat > now + leeway) {
            return Err(invalid("issued in the future"));
        }
        if claims.sub.trim().is_empty() {
            return Err(invalid("empty subject"));
        }
        if !self.azp_is_authorized(claims.azp.as_deref()) {
            return Err(invalid("unauthorized party"));
        }
        if claims.sts.as_deref() == Some("pending") {
            return Err(AuthError::Forbidden("session pending".into()));
        }
        let impersonated = claims.act.is_some();
        Ok(ExternalIdentity {
            subject: claims.sub,
            session_id: claims.sid,
            role: role_of(claims.metadata.as_ref(), impersonated),
            impersonated,
            email: claims.email,
        })
    }
}

#[cfg(test)]
#[path = "verifier_tests.rs"]
mod tests;
