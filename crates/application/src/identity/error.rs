use keel_domain::Cause;
use keel_domain::identity::{HashError, TokenError};

use crate::error::AppError;

/// What an identity use case can fail with: the shared kinds plus
/// [`IdentityCase`].
pub type IdentityError = AppError<IdentityCase>;

/// The identity context's own failures; the HTTP layer maps each to one status.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum IdentityCase {
    /// The email is already registered (409).
    #[error("email is already registered")]
    EmailTaken,
    /// Wrong email or password, deliberately not saying which (401).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// A refresh token that is unknown, expired, spent or revoked (401).
    #[error("invalid or expired token")]
    InvalidToken,
    /// A mailed token that is unknown, expired, spent or superseded (400).
    #[error("invalid or expired link")]
    InvalidMailToken,
    /// The account is managed by the external provider (Clerk): email and
    /// password change there (409).
    #[error("this account's email and password are managed by the identity provider")]
    ManagedExternally,
    /// Too many failed attempts (429).
    #[error("too many failed attempts")]
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
}

impl From<HashError> for IdentityError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy => Self::Unavailable(Cause::new(err)),
            HashError::Failed(_) => Self::Internal(Cause::new(err)),
        }
    }
}

impl From<TokenError> for IdentityError {
    fn from(err: TokenError) -> Self {
        Self::Internal(Cause::new(err))
    }
}
