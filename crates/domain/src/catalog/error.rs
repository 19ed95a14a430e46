//! Catalog port errors.

/// The file storage failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StorageError {
    /// The storage could not answer; the message is for logs only.
    #[error("file storage unavailable: {0}")]
    Unavailable(String),
}
