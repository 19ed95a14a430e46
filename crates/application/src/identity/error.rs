use keel_domain::identity::{HashError, TokenError};
use keel_domain::{FieldError, RepoError};

/// What an identity use case can fail with; the HTTP layer maps each variant
/// to one status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    /// Input failed validation (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The email is already registered (409).
    #[error("email already registered")]
    EmailTaken,
    /// Another uniqueness or state conflict (409).
    #[error("{0}")]
    Conflict(String),
    /// Wrong email or password, deliberately not saying which (401).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// A refresh token that is unknown, expired, spent or revoked (401).
    #[error("invalid or expired token")]
    InvalidToken,
    /// Too many failed attempts (429).
    #[error("too many failed attempts")]
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// Authenticated but not allowed (403).
    #[error("not allowed")]
    Forbidden,
    /// No such resource visible to the caller (404).
    #[error("not found")]
    NotFound,
    /// Storage is unreachable (503); the message is for logs only.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// An unexpected failure (500); the message is for logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl IdentityError {
    /// A 422 on one field.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<RepoError> for IdentityError {
    fn from(err: RepoError) -> Self {
        match err {
            // The driver's detail names tables and constraints: keep it out of responses.
            RepoError::Conflict(_) => Self::Conflict("conflicts with an existing record".into()),
            RepoError::Unavailable(why) => Self::Unavailable(why),
        }
    }
}

impl From<HashError> for IdentityError {
    fn from(err: HashError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<TokenError> for IdentityError {
    fn from(err: TokenError) -> Self {
        Self::Internal(err.to_string())
    }
}
