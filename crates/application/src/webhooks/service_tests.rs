//! `WebhookService::receive`: verify first, store once, queue handled types.

use std::sync::{Arc, Mutex};

use keel_domain::RepoError;
use keel_domain::jobs::NewJob;
use keel_domain::webhooks::ports::{
    MockWebhookEventRepo, MockWebhookPayloadReader, MockWebhookVerifier,
};
use keel_domain::webhooks::{WebhookError, WebhookEvent, WebhookHeaders, WebhookStatus};
use mockall::predicate::eq;
use serde_json::Value;

use super::test_support::{clock, now};
use super::{CLERK_WEBHOOK_JOB, Receipt, WebhookService};
use super::{WebhooksCase, WebhooksError};

const CREATED: &str = r#"{"object":"event","type":"user.created","data":{"id":"user_1"}}"#;
const SESSION: &str = r#"{"object":"event","type":"session.created","data":{}}"#;

fn headers() -> WebhookHeaders {
    WebhookHeaders {
        id: "msg_2abc".into(),
        timestamp: "1767225600".into(),
        signature: "v1,c2lnbmF0dXJl".into(),
    }
}

/// A payload reader (the port) that names the type of this file's bodies
/// and of nothing else.
fn payloads() -> MockWebhookPayloadReader {
    let mut payloads = MockWebhookPayloadReader::new();
    payloads.expect_event_type().returning(|body| match body {
        b if b == CREATED.as_bytes() => Some("user.created".into()),
        b if b == SESSION.as_bytes() => Some("session.created".into()),
        _ => None,
    });
    payloads
}

/// The mocks of one test; any call not expected panics.
struct Mocks {
    verifier: MockWebhookVerifier,
    events: MockWebhookEventRepo,
}

impl Mocks {
    fn new() -> Self {
        Self {
            verifier: MockWebhookVerifier::new(),
            events: MockWebhookEventRepo::new(),
        }
    }

    fn service(self) -> WebhookService {
        WebhookService::new(
            Arc::new(self.verifier),
            Arc::new(payloads()),
            Arc::new(self.events),
            Arc::new(clock()),
        )
    }

    /// `body` verifies against [`headers`] at [`now`].
    fn expect_verified(&mut self, body: &'static str) {
        self.verifier
            .expect_verify()
            .with(eq(headers()), eq(body.as_bytes()), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(()));
    }

    /// One `insert_new`, answering `inserted`; returns what it was given.
    fn expect_insert(&mut self, inserted: bool) -> Captured {
        let captured = Captured::default();
        let slot = Arc::clone(&captured.0);
        self.events
            .expect_insert_new()
            .times(1)
            .returning(move |event, job| {
                *slot.lock().expect("lock") = Some((event.clone(), job));
                Ok(inserted)
            });
        captured
    }
}

/// The event and job `insert_new` received.
type Inserted = (WebhookEvent, Option<NewJob>);

/// Where `insert_new`'s arguments land.
#[derive(Default)]
struct Captured(Arc<Mutex<Option<Inserted>>>);

impl Captured {
    fn take(&self) -> Inserted {
        self.0
            .lock()
            .expect("lock")
            .take()
            .expect("insert_new was called")
    }
}

#[tokio::test]
async fn a_delivery_failing_verification_is_rejected_before_storage_is_touched() {
    let mut m = Mocks::new();
    m.verifier
        .expect_verify()
        .times(1)
        .returning(|_, _, _| Err(WebhookError::InvalidSignature("no match".into())));
    m.events.expect_insert_new().never();

    let result = m
        .service()
        .receive(Some(headers()), CREATED.as_bytes())
        .await;

    assert_eq!(
        result.unwrap_err(),
        WebhooksError::Case(WebhooksCase::InvalidSignature)
    );
}

#[tokio::test]
async fn a_delivery_without_signature_headers_is_rejected_unverified_and_unstored() {
    let mut m = Mocks::new();
    m.verifier.expect_verify().never();
    m.events.expect_insert_new().never();

    let result = m.service().receive(None, CREATED.as_bytes()).await;

    assert_eq!(
        result.unwrap_err(),
        WebhooksError::Case(WebhooksCase::InvalidSignature)
    );
}

#[tokio::test]
async fn a_handled_type_is_stored_pending_with_its_processing_job() {
    let mut m = Mocks::new();
    m.expect_verified(CREATED);
    let captured = m.expect_insert(true);

    let receipt = m
        .service()
        .receive(Some(headers()), CREATED.as_bytes())
        .await
        .expect("stored");

    let (event, job) = captured.take();
    assert_eq!(
        receipt,
        Receipt {
            id: Some(event.id),
            status: "pending"
        }
    );
    assert_eq!(event.svix_id, "msg_2abc");
    assert_eq!(event.event_type, "user.created");
    assert_eq!(event.payload, CREATED);
    assert_eq!(event.status, WebhookStatus::Pending);
    assert_eq!(event.attempts, 0);
    assert_eq!(event.last_error, None);
    assert_eq!(event.received_at, now());
    assert_eq!(event.processed_at, None);
    assert_eq!(event.next_attempt_at, Some(now()));
    let job = job.expect("a processing job in the same transaction");
    assert_eq!(job.kind, CLERK_WEBHOOK_JOB);
    assert_eq!(job.kind, "clerk.webhook");
    assert_eq!(job.run_at, now());
    let payload: Value = serde_json::from_str(&job.payload).expect("JSON payload");
    assert_eq!(payload["event_id"], Value::String(event.id.to_string()));
}

#[tokio::test]
async fn an_unhandled_type_is_stored_ignored_without_a_job() {
    let mut m = Mocks::new();
    m.expect_verified(SESSION);
    let captured = m.expect_insert(true);

    let receipt = m
        .service()
        .receive(Some(headers()), SESSION.as_bytes())
        .await
        .expect("stored");

    let (event, job) = captured.take();
    assert_eq!(receipt.status, "ignored");
    assert_eq!(receipt.id, Some(event.id));
    assert_eq!(event.event_type, "session.created");
    assert_eq!(event.status, WebhookStatus::Ignored);
    assert_eq!(event.processed_at, Some(now()));
    assert_eq!(event.next_attempt_at, None);
    assert_eq!(event.last_error, None);
    assert_eq!(job, None);
}

#[tokio::test]
async fn a_validly_signed_body_that_is_not_json_is_stored_ignored_as_malformed() {
    const GARBAGE: &str = "definitely { not json";
    let mut m = Mocks::new();
    m.expect_verified(GARBAGE);
    let captured = m.expect_insert(true);

    let receipt = m
        .service()
        .receive(Some(headers()), GARBAGE.as_bytes())
        .await
        .expect("stored");

    let (event, job) = captured.take();
    assert_eq!(receipt.status, "ignored");
    assert_eq!(event.event_type, "malformed");
    assert_eq!(event.status, WebhookStatus::Ignored);
    assert_eq!(event.payload, GARBAGE);
    assert!(event.last_error.is_some_and(|e| !e.is_empty()));
    assert_eq!(job, None);
}

#[tokio::test]
async fn a_redelivered_svix_id_is_a_duplicate_without_an_id() {
    let mut m = Mocks::new();
    m.expect_verified(CREATED);
    m.expect_insert(false);

    let receipt = m
        .service()
        .receive(Some(headers()), CREATED.as_bytes())
        .await
        .expect("acknowledged");

    assert_eq!(
        receipt,
        Receipt {
            id: None,
            status: "duplicate"
        }
    );
}

#[tokio::test]
async fn failing_storage_is_unavailable_so_svix_delivers_again() {
    let mut m = Mocks::new();
    m.expect_verified(CREATED);
    m.events
        .expect_insert_new()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("db down".into())));

    let result = m
        .service()
        .receive(Some(headers()), CREATED.as_bytes())
        .await;

    assert!(matches!(result, Err(WebhooksError::Unavailable(_))));
}
