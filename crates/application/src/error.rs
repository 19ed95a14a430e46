//! The error core every use case shares. A context's error is
//! `AppError<ItsCase>`: the shared kinds below plus only the cases that are
//! its own, so the HTTP layer maps the shared kinds once.

use std::fmt;

use keel_domain::{Cause, FieldError, Forbidden, RepoError};

/// What a use case can fail with: the shared kinds, or a case of context `C`.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AppError<C> {
    /// Input failed validation (422), field by field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// No such resource visible to the caller (404).
    #[error("not found")]
    NotFound,
    /// Authenticated but not allowed (403).
    #[error("not allowed")]
    Forbidden,
    /// A uniqueness or state conflict (409); the text is for clients.
    #[error("{0}")]
    Conflict(String),
    /// A transient failure of a backing service (503 + `Retry-After`); the
    /// cause is for logs only.
    #[error("unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// An unexpected failure (500); the cause is for logs only.
    #[error("internal error: {0}")]
    Internal(#[source] Cause),
    /// A case only this context has.
    #[error(transparent)]
    Case(C),
}

impl<C> AppError<C> {
    /// A 422 on one field.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl<C> From<RepoError> for AppError<C> {
    fn from(err: RepoError) -> Self {
        match err {
            // The driver's detail names tables and constraints: keep it out of responses.
            RepoError::Conflict(_) => Self::Conflict("conflicts with an existing record".into()),
            RepoError::Unavailable(cause) => Self::Unavailable(cause),
            RepoError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl<C> From<Forbidden> for AppError<C> {
    fn from(_: Forbidden) -> Self {
        Self::Forbidden
    }
}

/// The case type of a context that has no cases of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCase {}

impl fmt::Display for NoCase {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for NoCase {}
