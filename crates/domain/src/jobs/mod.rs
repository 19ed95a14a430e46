//! Durable background jobs: use cases enqueue work through [`JobQueue`]
//! without knowing the runner; handlers do the work.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::RepoError;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which handler runs it, e.g. `clerk.webhook`.
    pub kind: String,
    /// Handler input, JSON text.
    pub payload: String,
    /// Not before this instant.
    pub run_at: DateTime<Utc>,
    /// Attempts before the job is dead.
    pub max_attempts: u32,
}

impl NewJob {
    /// A job of `kind` due at `now` with 8 attempts.
    pub fn new(kind: impl Into<String>, payload: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            kind: kind.into(),
            payload: payload.into(),
            run_at: now,
            max_attempts: 8,
        }
    }
}

/// A claimed job as a handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: Uuid,
    /// Handler name.
    pub kind: String,
    /// Handler input.
    pub payload: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// Attempts allowed in all.
    pub max_attempts: u32,
}

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

/// Enqueues durable jobs.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Stores `job`; it survives restarts and runs once (at least one attempt
    /// completes, at most one runner works on it at a time).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn enqueue(&self, job: NewJob) -> Result<Uuid, RepoError>;
}

/// Runs jobs of one kind.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Does the work of `job`.
    ///
    /// # Errors
    /// [`JobError::Transient`] to retry with backoff, [`JobError::Permanent`] to stop.
    async fn handle(&self, job: &Job) -> Result<(), JobError>;

    /// Called after a failed attempt with the time of the next one, or `None`
    /// when the job is now dead (permanent failure or no attempts left).
    async fn on_failure(&self, _job: &Job, _error: &JobError, _retry_at: Option<DateTime<Utc>>) {}
}
