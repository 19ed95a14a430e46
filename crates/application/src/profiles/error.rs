use keel_domain::Cause;
use keel_domain::catalog::StorageError;
use keel_domain::profiles::ProfileRuleError;

use crate::error::AppError;

/// What a profile use case can fail with: the shared kinds plus [`ProfilesCase`].
pub type ProfilesError = AppError<ProfilesCase>;

/// The profiles context's own failures.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProfilesCase {
    /// A picture that is not JPEG, PNG or WebP by content (415).
    #[error("only JPEG, PNG and WebP images are accepted")]
    UnsupportedMediaType,
}

impl From<StorageError> for ProfilesError {
    fn from(err: StorageError) -> Self {
        Self::Unavailable(Cause::new(err))
    }
}

impl From<ProfileRuleError> for ProfilesError {
    fn from(err: ProfileRuleError) -> Self {
        match err {
            ProfileRuleError::EndBeforeStart => Self::invalid("end_date", &err.to_string()),
        }
    }
}
