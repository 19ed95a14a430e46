use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::clock::Clock;
use keel_domain::jobs::{Job, JobError, JobHandler};
use keel_domain::webhooks::{
    DirectoryEvent, WebhookEventRepo, WebhookPayloadReader, WebhookStatus,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::identity::{ExternalUserService, IdentityError};

/// The job kind that applies one stored Clerk event.
pub const CLERK_WEBHOOK_JOB: &str = "clerk.webhook";

#[derive(Deserialize)]
struct Payload {
    event_id: Uuid,
}

/// Applies stored Clerk events to local users, once each.
pub struct ClerkWebhookJob {
    events: Arc<dyn WebhookEventRepo>,
    payloads: Arc<dyn WebhookPayloadReader>,
    users: Arc<ExternalUserService>,
    clock: Arc<dyn Clock>,
}

impl ClerkWebhookJob {
    /// Wires the handler.
    pub fn new(
        events: Arc<dyn WebhookEventRepo>,
        payloads: Arc<dyn WebhookPayloadReader>,
        users: Arc<ExternalUserService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            events,
            payloads,
            users,
            clock,
        }
    }

    fn event_id(job: &Job) -> Result<Uuid, JobError> {
        serde_json::from_str::<Payload>(&job.payload)
            .map(|p| p.event_id)
            .map_err(|e| JobError::Permanent(format!("bad job payload: {e}")))
    }
}

fn transient(e: impl std::fmt::Display) -> JobError {
    JobError::Transient(e.to_string())
}

fn classify(e: IdentityError) -> JobError {
    match e {
        IdentityError::Unavailable(_) | IdentityError::Internal(_) => {
            JobError::Transient(e.to_string())
        }
        other => JobError::Permanent(other.to_string()),
    }
}

#[async_trait]
impl JobHandler for ClerkWebhookJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let id = Self::event_id(job)?;
        let mut event = self
            .events
            .find(id)
            .await
            .map_err(transient)?
            .ok_or_else(|| JobError::Permanent(format!("webhook event {id} not found")))?;
        if matches!(
            event.status,
            WebhookStatus::Processed | WebhookStatus::Ignored
        ) {
            return Ok(());
        }
        event.status = WebhookStatus::Processing;
        event.attempts += 1;
        self.events.update(&event).await.map_err(transient)?;

        let parsed = self
            .payloads
            .parse(&event.payload)
            .map_err(JobError::Permanent)?;
        let ignored = match parsed {
            DirectoryEvent::UserUpserted(update) => {
                self.users.apply_update(&update).await.map_err(classify)?;
                false
            }
            DirectoryEvent::UserDeleted { subject } => {
                self.users.deactivate(&subject).await.map_err(classify)?;
                false
            }
            DirectoryEvent::Other(_) => true,
        };
        let now = self.clock.now();
        event.status = if ignored {
            WebhookStatus::Ignored
        } else {
            WebhookStatus::Processed
        };
        event.processed_at = Some(now);
        event.next_attempt_at = None;
        event.last_error = None;
        self.events.update(&event).await.map_err(transient)
    }

    async fn on_failure(&self, job: &Job, error: &JobError, retry_at: Option<DateTime<Utc>>) {
        let Ok(id) = Self::event_id(job) else { return };
        if let Ok(Some(mut event)) = self.events.find(id).await {
            event.status = if retry_at.is_some() {
                WebhookStatus::Retrying
            } else {
                WebhookStatus::Dead
            };
            event.last_error = Some(error.to_string().chars().take(2000).collect());
            event.next_attempt_at = retry_at;
            let _ = self.events.update(&event).await;
        }
    }
}
