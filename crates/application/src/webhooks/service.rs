use std::sync::Arc;

use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::jobs::NewJob;
use keel_domain::webhooks::{
    WebhookEvent, WebhookEventRepo, WebhookHeaders, WebhookPayloadReader, WebhookStatus,
    WebhookVerifier,
};
use keel_domain::{Page, PageRequest};
use uuid::Uuid;

use super::clerk_job::CLERK_WEBHOOK_JOB;
use super::error::{WebhooksCase, WebhooksError};

/// The event types Keel applies; others are stored as ignored.
pub const HANDLED_TYPES: [&str; 3] = ["user.created", "user.updated", "user.deleted"];

/// What `receive` did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The stored event's id (`None` for a duplicate).
    pub id: Option<Uuid>,
    /// `pending` (queued), `ignored` (stored only) or `duplicate`.
    pub status: &'static str,
}

/// Receives Clerk's deliveries and lets admins inspect and retry them.
pub struct WebhookService {
    verifier: Arc<dyn WebhookVerifier>,
    payloads: Arc<dyn WebhookPayloadReader>,
    events: Arc<dyn WebhookEventRepo>,
    clock: Arc<dyn Clock>,
}

fn job_for(event_id: Uuid, now: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob::new(
        CLERK_WEBHOOK_JOB,
        serde_json::json!({ "event_id": event_id }).to_string(),
        now,
    )
}

impl WebhookService {
    /// Wires the service.
    pub fn new(
        verifier: Arc<dyn WebhookVerifier>,
        payloads: Arc<dyn WebhookPayloadReader>,
        events: Arc<dyn WebhookEventRepo>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            payloads,
            events,
            clock,
        }
    }

    /// Verifies a delivery before touching storage, then stores it once
    /// (keyed by `svix-id`) together with its processing job.
    ///
    /// # Errors
    /// `Validation`-free by design: `InvalidToken` (→ 400) for missing or bad
    /// signatures, `Unavailable` when storage fails (→ 503, Svix retries).
    pub async fn receive(
        &self,
        headers: Option<WebhookHeaders>,
        body: &[u8],
    ) -> Result<Receipt, WebhooksError> {
        let now = self.clock.now();
        let headers = headers.ok_or(WebhooksError::Case(WebhooksCase::InvalidSignature))?;
        self.verifier
            .verify(&headers, body, now)
            .map_err(|_| WebhooksError::Case(WebhooksCase::InvalidSignature))?;
        let kind = self.payloads.event_type(body);
        let handled = kind.as_deref().is_some_and(|k| HANDLED_TYPES.contains(&k));
        let event = WebhookEvent {
            id: Uuid::now_v7(),
            svix_id: headers.id,
            event_type: kind
                .clone()
                .unwrap_or_else(|| "malformed".into())
                .chars()
                .take(128)
                .collect(),
            payload: String::from_utf8_lossy(body).into_owned(),
            status: if handled {
                WebhookStatus::Pending
            } else {
                WebhookStatus::Ignored
            },
            attempts: 0,
            last_error: kind
                .is_none()
                .then(|| "the body is not a JSON event with a type".into()),
            received_at: now,
            processed_at: (!handled).then_some(now),
            next_attempt_at: handled.then_some(now),
        };
        let job = handled.then(|| job_for(event.id, now));
        if self.events.insert_new(&event, job).await? {
            Ok(Receipt {
                id: Some(event.id),
                status: event.status.as_str(),
            })
        } else {
            Ok(Receipt {
                id: None,
                status: "duplicate",
            })
        }
    }

    /// Lists stored events (admin only).
    ///
    /// # Errors
    /// `Forbidden` for non-admins, storage errors.
    pub async fn list(
        &self,
        principal: &Principal,
        status: Option<WebhookStatus>,
        page: PageRequest,
    ) -> Result<Page<WebhookEvent>, WebhooksError> {
        principal.require_admin()?;
        Ok(self.events.list(status, page).await?)
    }

    /// Queues a dead or retrying event again at once (admin only).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict` when the event is not dead or retrying.
    pub async fn retry(
        &self,
        principal: &Principal,
        id: Uuid,
    ) -> Result<WebhookEvent, WebhooksError> {
        principal.require_admin()?;
        let mut event = self.events.find(id).await?.ok_or(WebhooksError::NotFound)?;
        if !matches!(event.status, WebhookStatus::Dead | WebhookStatus::Retrying) {
            return Err(WebhooksError::Conflict(format!(
                "only dead or retrying events can be retried; this one is {}",
                event.status.as_str()
            )));
        }
        let now = self.clock.now();
        if !self
            .events
            .requeue(event.id, now, job_for(event.id, now))
            .await?
        {
            return Err(WebhooksError::Conflict(
                "the event changed meanwhile; list it again".into(),
            ));
        }
        event.status = WebhookStatus::Pending;
        event.next_attempt_at = Some(now);
        Ok(event)
    }
}
