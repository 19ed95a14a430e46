//! Errors shared by every bounded context.

use serde::Serialize;

/// A storage port failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RepoError {
    /// A uniqueness rule was violated (duplicate email, slug, key...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage could not answer; the message is for logs only.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// One invalid input field, as reported in a 422 problem's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The input field's name, e.g. `email`.
    pub field: String,
    /// What is wrong with it, for humans.
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}
