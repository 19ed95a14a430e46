//! Job errors.

/// How a job attempt failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum JobError {
    /// Worth retrying later (with backoff) until attempts run out.
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help: the job is dead at once.
    #[error("permanent: {0}")]
    Permanent(String),
}
