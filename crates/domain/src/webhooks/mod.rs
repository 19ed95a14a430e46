//! Inbound webhooks (Clerk's, delivered by Svix): signature verification and
//! the durable event log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::RepoError;
use crate::pagination::{Page, PageRequest};

/// The delivery headers a signature covers (`svix-*` or `webhook-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHeaders {
    /// `svix-id`: the delivery's unique id.
    pub id: String,
    /// `svix-timestamp`: seconds since the epoch, as sent.
    pub timestamp: String,
    /// `svix-signature`: space-separated `v1,<base64>` entries.
    pub signature: String,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    /// Bad, missing or stale signature; the detail is for logs only.
    #[error("invalid webhook signature: {0}")]
    InvalidSignature(String),
}

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

/// Where a stored event is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookStatus {
    /// Stored, waiting for the worker.
    Pending,
    /// Being applied.
    Processing,
    /// Failed transiently; will be retried at `next_attempt_at`.
    Retrying,
    /// Applied.
    Processed,
    /// A type Keel does not handle; stored only.
    Ignored,
    /// Failed permanently or out of attempts.
    Dead,
}

impl WebhookStatus {
    /// Storage and wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Retrying => "retrying",
            Self::Processed => "processed",
            Self::Ignored => "ignored",
            Self::Dead => "dead",
        }
    }

    /// Parses a status name.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => Self::Pending,
            "processing" => Self::Processing,
            "retrying" => Self::Retrying,
            "processed" => Self::Processed,
            "ignored" => Self::Ignored,
            "dead" => Self::Dead,
            _ => return None,
        })
    }
}

/// One stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// Row id.
    pub id: Uuid,
    /// The delivery id (`svix-id`), unique.
    pub svix_id: String,
    /// Event type, e.g. `user.created`.
    pub event_type: String,
    /// The raw JSON body.
    pub payload: String,
    /// Processing state.
    pub status: WebhookStatus,
    /// Processing attempts so far.
    pub attempts: u32,
    /// The last failure, for admins.
    pub last_error: Option<String>,
    /// When it was stored.
    pub received_at: DateTime<Utc>,
    /// When it was applied (or ignored).
    pub processed_at: Option<DateTime<Utc>>,
    /// When the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
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
