//! External identity providers (Clerk): what a verified external token says.

use async_trait::async_trait;

use super::error::AuthError;
use super::values::Role;

/// The claims Keel uses from a verified external session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// The provider's user id (Clerk `sub`, e.g. `user_2abc`).
    pub subject: String,
    /// The provider's session id (`sid`), when present.
    pub session_id: Option<String>,
    /// The role the token grants, already narrowed: `metadata.role` when it is
    /// a known role, else `customer`, and never `admin` while impersonating.
    pub role: Role,
    /// Whether an actor is impersonating the subject (`act` claim).
    pub impersonated: bool,
    /// An email carried by a customised token, if any (not verified by itself).
    pub email: Option<String>,
}

/// A user's profile as the external provider's directory holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalProfile {
    /// Primary email address.
    pub email: Option<String>,
    /// Whether the provider verified that email.
    pub email_verified: bool,
    /// First and last name joined.
    pub name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Avatar URL.
    pub image_url: Option<String>,
}

/// A profile pushed by the provider (a `user.created`/`user.updated` webhook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUserUpdate {
    /// The provider's user id.
    pub subject: String,
    /// Directory data.
    pub profile: ExternalProfile,
    /// `public_metadata.role`, when it names a role.
    pub role: Option<Role>,
    /// The provider's `updated_at`, in ms: older deliveries are not applied.
    pub updated_at_ms: i64,
}

/// How Keel's token verification should treat a bearer token, decided from
/// its unverified header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `HS256` with `typ: at+jwt`: a Keel access token.
    Local,
    /// `RS256`: an external (Clerk) session token.
    External,
    /// Anything else: rejected without further work.
    Unknown,
}

/// Verifies external session tokens (signature, issuer, lifetime, parties).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ExternalTokenVerifier: Send + Sync {
    /// Verifies `token` and extracts its identity.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for any unacceptable token,
    /// [`AuthError::Forbidden`] for a genuine but pending session,
    /// [`AuthError::Unavailable`] when no signing keys are available at all.
    async fn verify(&self, token: &str) -> Result<ExternalIdentity, AuthError>;
}

/// Reads user profiles from the external provider's directory (Clerk's Backend API).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ExternalDirectory: Send + Sync {
    /// The profile of `subject`, `Ok(None)` when the provider does not know it.
    ///
    /// # Errors
    /// A message for logs when the provider cannot be reached or answers badly.
    async fn profile(&self, subject: &str) -> Result<Option<ExternalProfile>, String>;
}
