use std::sync::Arc;

use async_trait::async_trait;
use keel_domain::clock::Clock;
use keel_domain::identity::{AuthError, IdentityProvider, Principal, SessionRepo, TokenService};

/// Largest bearer token accepted before any parsing.
pub const MAX_BEARER_LEN: usize = 8 * 1024;

/// Authenticates Keel's own access tokens: a valid signature and claims, then
/// a live session row that belongs to `sub` with its active user, read
/// together in one statement. Checking the session on every request is what
/// makes logout immediate.
pub struct LocalIdentityProvider {
    tokens: Arc<dyn TokenService>,
    sessions: Arc<dyn SessionRepo>,
    clock: Arc<dyn Clock>,
}

impl LocalIdentityProvider {
    /// Wires the provider to its ports.
    pub fn new(
        tokens: Arc<dyn TokenService>,
        sessions: Arc<dyn SessionRepo>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            tokens,
            sessions,
            clock,
        }
    }
}

#[async_trait]
impl IdentityProvider for LocalIdentityProvider {
    async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthError> {
        if bearer.is_empty() || bearer.len() > MAX_BEARER_LEN || !bearer.is_ascii() {
            return Err(AuthError::InvalidToken);
        }
        let claims = self
            .tokens
            .verify_access(bearer)
            .map_err(|_| AuthError::InvalidToken)?;
        let now = self.clock.now();
        let (session, user) = self
            .sessions
            .find_active_with_user(claims.session_id, now)
            .await
            .map_err(|_| AuthError::Unavailable {
                retry_after_secs: 1,
            })?
            .filter(|(s, u)| s.user_id == claims.user_id && u.can_sign_in())
            .ok_or(AuthError::InvalidToken)?;
        Ok(Principal {
            role: user.role,
            user,
            session_id: Some(session.family_id),
        })
    }
}
