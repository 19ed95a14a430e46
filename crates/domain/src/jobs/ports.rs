//! Job ports: the queue use cases write to and the handlers the runner calls.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::JobError;
use super::model::{Job, NewJob};
use crate::error::RepoError;

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
