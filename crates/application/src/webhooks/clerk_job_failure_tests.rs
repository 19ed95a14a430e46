//! `ClerkWebhookJob::on_failure`: records the outcome of a failed attempt.

use chrono::Duration;
use keel_domain::RepoError;
use keel_domain::jobs::{Job, JobError, JobHandler};
use keel_domain::webhooks::ports::MockWebhookEventRepo;
use keel_domain::webhooks::{WebhookEvent, WebhookStatus};
use uuid::Uuid;

use super::clerk_job_tests::{events_holding, handler, job_for};
use super::test_support::{UserMocks, now, stored_event};

const BODY: &str = r#"{"type":"user.updated","data":{"id":"user_1"}}"#;

/// An event that has been tried three times and is now being processed.
fn processing_event() -> WebhookEvent {
    let mut event = stored_event("user.updated", BODY, WebhookStatus::Processing);
    event.attempts = 3;
    event
}

/// `events` expects exactly `expected` to be saved once.
fn expect_saved(events: &mut MockWebhookEventRepo, expected: WebhookEvent) {
    events
        .expect_update()
        .withf(move |saved| *saved == expected)
        .times(1)
        .returning(|_| Ok(()));
}

#[tokio::test]
async fn a_failure_with_a_next_attempt_marks_the_event_retrying_with_its_due_time_and_error() {
    let event = processing_event();
    let retry_at = now() + Duration::seconds(80);
    let error = JobError::Transient("storage unavailable: db down".into());
    let mut events = events_holding(&event);
    expect_saved(
        &mut events,
        WebhookEvent {
            status: WebhookStatus::Retrying,
            next_attempt_at: Some(retry_at),
            last_error: Some(error.to_string()),
            ..event.clone()
        },
    );

    handler(events, UserMocks::untouched())
        .on_failure(&job_for(event.id), &error, Some(retry_at))
        .await;
}

#[tokio::test]
async fn a_failure_without_a_next_attempt_marks_the_event_dead_keeping_its_attempts() {
    let event = processing_event();
    let error = JobError::Permanent("bad user payload: missing field `id`".into());
    let mut events = events_holding(&event);
    expect_saved(
        &mut events,
        WebhookEvent {
            status: WebhookStatus::Dead,
            next_attempt_at: None,
            last_error: Some(error.to_string()),
            attempts: 3,
            ..event.clone()
        },
    );

    handler(events, UserMocks::untouched())
        .on_failure(&job_for(event.id), &error, None)
        .await;
}

#[tokio::test]
async fn a_very_long_error_is_stored_cut_to_two_thousand_characters() {
    let event = processing_event();
    let error = JobError::Transient("é".repeat(5000));
    let mut events = events_holding(&event);
    events
        .expect_update()
        .withf(|saved| {
            saved
                .last_error
                .as_deref()
                .is_some_and(|e| e.chars().count() == 2000 && e.starts_with("transient: é"))
        })
        .times(1)
        .returning(|_| Ok(()));

    handler(events, UserMocks::untouched())
        .on_failure(&job_for(event.id), &error, None)
        .await;
}

#[tokio::test]
async fn a_failure_of_a_job_with_a_bad_payload_or_a_missing_event_saves_nothing() {
    let mut events = MockWebhookEventRepo::new();
    events.expect_find().never();
    events.expect_update().never();
    let bad = Job {
        payload: "not json".into(),
        ..job_for(Uuid::now_v7())
    };
    let error = JobError::Permanent("bad job payload".into());
    handler(events, UserMocks::untouched())
        .on_failure(&bad, &error, None)
        .await;

    for found in [Ok(None), Err(RepoError::Unavailable("db down".into()))] {
        let id = Uuid::now_v7();
        let mut events = MockWebhookEventRepo::new();
        let answer = std::sync::Mutex::new(Some(found));
        events
            .expect_find()
            .times(1)
            .returning(move |_| answer.lock().expect("lock").take().expect("one call"));
        events.expect_update().never();

        handler(events, UserMocks::untouched())
            .on_failure(&job_for(id), &error, Some(now()))
            .await;
    }
}

#[tokio::test]
async fn a_failing_save_of_the_failure_is_swallowed() {
    let event = processing_event();
    let mut events = events_holding(&event);
    events
        .expect_update()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("db down".into())));

    handler(events, UserMocks::untouched())
        .on_failure(
            &job_for(event.id),
            &JobError::Transient("x".into()),
            Some(now()),
        )
        .await;
}
