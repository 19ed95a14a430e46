//! Mail errors.

/// How sending or rendering a mail failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    /// Worth retrying later: the relay is away, busy or answered 4xx.
    #[error("mail delivery failed for now: {0}")]
    Transient(String),
    /// Retrying cannot help: the relay rejected the message (5xx), the
    /// address is unusable or the template is missing.
    #[error("mail rejected: {0}")]
    Permanent(String),
}
