//! Webhook ports: signature verification and the durable event log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::WebhookError;
use super::model::{DirectoryEvent, WebhookEvent, WebhookStatus};
use super::values::WebhookHeaders;
use crate::error::RepoError;
use crate::pagination::{Page, PageRequest};

/// Verifies that a delivery was signed with one of the configured secrets.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait WebhookVerifier: Send + Sync {
    /// Checks `headers` against the raw `body` at `now` (timestamp within ±300 s).
    ///
    /// # Errors
    /// [`WebhookError::InvalidSignature`] for any failure.
    fn verify(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), WebhookError>;
}

/// Reads a provider's webhook payloads (Clerk's JSON), so the application
/// never parses a provider's wire format itself.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait WebhookPayloadReader: Send + Sync {
    /// The event type of a raw body, when it is an event with one.
    fn event_type(&self, body: &[u8]) -> Option<String>;

    /// What a stored body asks for.
    ///
    /// # Errors
    /// A description when the body is not an event of the shape its type requires.
    fn parse(&self, body: &str) -> Result<DirectoryEvent, String>;
}

/// Stores webhook events.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookEventRepo: Send + Sync {
    /// Inserts `event` unless its `svix_id` is already stored; returns whether
    /// it was inserted. With `job`, enqueues that job in the same transaction,
    /// so a stored event is never left without its processing job.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn insert_new(
        &self,
        event: &WebhookEvent,
        job: Option<crate::jobs::NewJob>,
    ) -> Result<bool, RepoError>;

    /// Finds an event by row id.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find(&self, id: Uuid) -> Result<Option<WebhookEvent>, RepoError>;

    /// Saves status, attempts, error and timestamps of an event.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn update(&self, event: &WebhookEvent) -> Result<(), RepoError>;

    /// Queues `event` again: in one transaction, sets it `pending` with
    /// `next_attempt_at = now` if it is still dead or retrying, and inserts
    /// `job`. Returns `false` (and changes nothing) when the event is gone or
    /// its status moved on meanwhile, so an event is never left pending
    /// without a job, nor queued twice.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn requeue(
        &self,
        id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
        job: crate::jobs::NewJob,
    ) -> Result<bool, RepoError>;

    /// Lists events, newest first, optionally of one status.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(
        &self,
        status: Option<WebhookStatus>,
        page: PageRequest,
    ) -> Result<Page<WebhookEvent>, RepoError>;
}
