//! Stored webhook deliveries and their processing states.

use chrono::{DateTime, Utc};
use uuid::Uuid;

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

/// What a stored delivery asks for, as the provider's payload reader
/// understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryEvent {
    /// `user.created` or `user.updated`.
    UserUpserted(crate::identity::ExternalUserUpdate),
    /// `user.deleted`.
    UserDeleted {
        /// The provider's user id.
        subject: String,
    },
    /// Any other type, by name.
    Other(String),
}
