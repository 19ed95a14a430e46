use std::sync::Arc;

use async_trait::async_trait;
use keel_domain::identity::{
    AuthError, ExternalTokenVerifier, IdentityProvider, Principal, TokenKind, TokenService,
};

use super::external_users::ExternalUserService;
use super::local_provider::{LocalIdentityProvider, MAX_BEARER_LEN};

/// The external half of [`TokenDispatcher`]: a verifier and the users it maps to.
pub struct ExternalAuth {
    /// Verifies the external tokens (Clerk's RS256 session tokens).
    pub verifier: Arc<dyn ExternalTokenVerifier>,
    /// Finds or creates the local user.
    pub users: Arc<ExternalUserService>,
}

/// The [`IdentityProvider`] the HTTP layer uses: picks the verifier from the
/// token's unverified header (RFC 8725 §3.12) with no fallback between them:
/// Keel's HS256 `at+jwt` tokens go to the local verifier, RS256 tokens to the
/// external one when it is enabled, anything else is rejected.
pub struct TokenDispatcher {
    tokens: Arc<dyn TokenService>,
    local: LocalIdentityProvider,
    external: Option<ExternalAuth>,
}

impl TokenDispatcher {
    /// A dispatcher; `external` is `None` while Clerk is disabled.
    pub fn new(
        tokens: Arc<dyn TokenService>,
        local: LocalIdentityProvider,
        external: Option<ExternalAuth>,
    ) -> Self {
        Self {
            tokens,
            local,
            external,
        }
    }
}

#[async_trait]
impl IdentityProvider for TokenDispatcher {
    async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthError> {
        if bearer.is_empty() || bearer.len() > MAX_BEARER_LEN || !bearer.is_ascii() {
            return Err(AuthError::InvalidToken);
        }
        match (self.tokens.classify(bearer), &self.external) {
            (TokenKind::Local, _) => self.local.authenticate(bearer).await,
            (TokenKind::External, Some(external)) => {
                let identity = external.verifier.verify(bearer).await?;
                external.users.principal_for(identity).await
            }
            _ => Err(AuthError::InvalidToken),
        }
    }
}
