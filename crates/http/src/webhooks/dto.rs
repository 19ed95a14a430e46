//! Webhook request and response bodies.

use chrono::{DateTime, Utc};
use keel_domain::webhooks::{WebhookEvent, WebhookStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A stored event's processing state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatusDto {
    /// Stored, waiting for the worker.
    Pending,
    /// Being applied.
    Processing,
    /// Failed; retried at `next_attempt_at`.
    Retrying,
    /// Applied.
    Processed,
    /// Stored only (type not handled).
    Ignored,
    /// Failed for good; an admin may retry it.
    Dead,
}

impl From<WebhookStatusDto> for WebhookStatus {
    fn from(s: WebhookStatusDto) -> Self {
        match s {
            WebhookStatusDto::Pending => Self::Pending,
            WebhookStatusDto::Processing => Self::Processing,
            WebhookStatusDto::Retrying => Self::Retrying,
            WebhookStatusDto::Processed => Self::Processed,
            WebhookStatusDto::Ignored => Self::Ignored,
            WebhookStatusDto::Dead => Self::Dead,
        }
    }
}

impl From<WebhookStatus> for WebhookStatusDto {
    fn from(s: WebhookStatus) -> Self {
        match s {
            WebhookStatus::Pending => Self::Pending,
            WebhookStatus::Processing => Self::Processing,
            WebhookStatus::Retrying => Self::Retrying,
            WebhookStatus::Processed => Self::Processed,
            WebhookStatus::Ignored => Self::Ignored,
            WebhookStatus::Dead => Self::Dead,
        }
    }
}

/// The answer to a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptResponse {
    /// The stored event (absent for a duplicate delivery).
    pub id: Option<Uuid>,
    /// `pending`, `ignored` or `duplicate`.
    pub status: String,
}

/// A stored event, for admins.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEventResponse {
    /// Row id.
    pub id: Uuid,
    /// The delivery id (`svix-id`).
    pub svix_id: String,
    /// Event type.
    pub event_type: String,
    /// Processing state.
    pub status: WebhookStatusDto,
    /// Attempts so far.
    pub attempts: u32,
    /// Last failure.
    pub last_error: Option<String>,
    /// Receipt time.
    pub received_at: DateTime<Utc>,
    /// When it was applied or ignored.
    pub processed_at: Option<DateTime<Utc>>,
    /// When the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<WebhookEvent> for WebhookEventResponse {
    fn from(e: WebhookEvent) -> Self {
        Self {
            id: e.id,
            svix_id: e.svix_id,
            event_type: e.event_type,
            status: e.status.into(),
            attempts: e.attempts,
            last_error: e.last_error,
            received_at: e.received_at,
            processed_at: e.processed_at,
            next_attempt_at: e.next_attempt_at,
        }
    }
}

/// `GET /admin/webhook-events` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEventsQuery {
    /// Only this status.
    pub status: Option<WebhookStatusDto>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// A page of [`WebhookEventResponse`].
pub type WebhookEventPage = crate::page::PageResponse<WebhookEventResponse>;
