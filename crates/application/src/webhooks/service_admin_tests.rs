//! `WebhookService::list` and `retry`: admins inspect and requeue events.

use std::sync::Arc;

use keel_domain::identity::Role;
use keel_domain::jobs::NewJob;
use keel_domain::webhooks::ports::{
    MockWebhookEventRepo, MockWebhookPayloadReader, MockWebhookVerifier,
};
use keel_domain::webhooks::{WebhookEvent, WebhookStatus};
use keel_domain::{Page, PageRequest};
use mockall::predicate::eq;
use serde_json::Value;
use uuid::Uuid;

use super::WebhooksError;
use super::test_support::{clock, now, principal, stored_event};
use super::{CLERK_WEBHOOK_JOB, WebhookService};

const BODY: &str = r#"{"type":"user.updated","data":{"id":"user_1"}}"#;

/// A service whose verifier is never used; `events` carries the test's
/// expectations.
fn service(events: MockWebhookEventRepo) -> WebhookService {
    let mut verifier = MockWebhookVerifier::new();
    verifier.expect_verify().never();
    let mut payloads = MockWebhookPayloadReader::new();
    payloads.expect_event_type().never();
    WebhookService::new(
        Arc::new(verifier),
        Arc::new(payloads),
        Arc::new(events),
        Arc::new(clock()),
    )
}

/// An event store whose `find(event.id)` answers `event` once.
fn events_holding(event: &WebhookEvent) -> MockWebhookEventRepo {
    let mut events = MockWebhookEventRepo::new();
    let found = event.clone();
    events
        .expect_find()
        .with(eq(event.id))
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
    events
}

#[tokio::test]
async fn listing_events_is_forbidden_to_staff_and_customers() {
    for role in [Role::Staff, Role::Customer] {
        let mut events = MockWebhookEventRepo::new();
        events.expect_list().never();

        let result = service(events)
            .list(&principal(role), None, PageRequest::default())
            .await;

        assert_eq!(result.unwrap_err(), WebhooksError::Forbidden, "{role}");
    }
}

#[tokio::test]
async fn an_admin_lists_events_with_the_status_filter_and_page_passed_through() {
    let page = PageRequest::parse(Some(2), Some(5)).expect("a valid page");
    let listed = Page {
        items: vec![stored_event("user.updated", BODY, WebhookStatus::Dead)],
        total: 6,
        request: page,
    };
    let answer = listed.clone();
    let mut events = MockWebhookEventRepo::new();
    events
        .expect_list()
        .with(eq(Some(WebhookStatus::Dead)), eq(page))
        .times(1)
        .returning(move |_, _| Ok(answer.clone()));

    let result = service(events)
        .list(&principal(Role::Admin), Some(WebhookStatus::Dead), page)
        .await;

    assert_eq!(result, Ok(listed));
}

#[tokio::test]
async fn retrying_is_forbidden_to_non_admins_and_looks_nothing_up() {
    let mut events = MockWebhookEventRepo::new();
    events.expect_find().never();
    events.expect_update().never();

    let result = service(events)
        .retry(&principal(Role::Staff), Uuid::now_v7())
        .await;

    assert_eq!(result.unwrap_err(), WebhooksError::Forbidden);
}

#[tokio::test]
async fn retrying_an_unknown_event_is_not_found() {
    let id = Uuid::now_v7();
    let mut events = MockWebhookEventRepo::new();
    events
        .expect_find()
        .with(eq(id))
        .times(1)
        .returning(|_| Ok(None));
    events.expect_update().never();

    let result = service(events).retry(&principal(Role::Admin), id).await;

    assert_eq!(result.unwrap_err(), WebhooksError::NotFound);
}

#[tokio::test]
async fn only_dead_or_retrying_events_can_be_retried_the_rest_conflict_and_queue_nothing() {
    for status in [
        WebhookStatus::Processed,
        WebhookStatus::Ignored,
        WebhookStatus::Pending,
        WebhookStatus::Processing,
    ] {
        let event = stored_event("user.updated", BODY, status);
        let mut events = events_holding(&event);
        events.expect_requeue().never();

        let result = service(events)
            .retry(&principal(Role::Admin), event.id)
            .await;

        assert!(
            matches!(result, Err(WebhooksError::Conflict(_))),
            "{status:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_dead_or_retrying_event_is_requeued_with_its_job_in_one_call() {
    for status in [WebhookStatus::Dead, WebhookStatus::Retrying] {
        let mut event = stored_event("user.updated", BODY, status);
        event.attempts = 8;
        event.last_error = Some("transient: storage unavailable".into());
        let id = event.id;
        let mut events = events_holding(&event);
        events
            .expect_requeue()
            .withf(move |event_id, at, job: &NewJob| {
                let payload: Value = serde_json::from_str(&job.payload).expect("JSON payload");
                *event_id == id
                    && *at == now()
                    && job.kind == CLERK_WEBHOOK_JOB
                    && job.run_at == now()
                    && payload["event_id"] == Value::String(id.to_string())
            })
            .times(1)
            .returning(|_, _, _| Ok(true));
        events.expect_update().never();

        let retried = service(events)
            .retry(&principal(Role::Admin), id)
            .await
            .expect("requeued");

        assert_eq!(retried.status, WebhookStatus::Pending, "{status:?}");
        assert_eq!(retried.next_attempt_at, Some(now()));
        assert_eq!(retried.attempts, 8);
        assert_eq!(retried.id, id);
    }
}

#[tokio::test]
async fn an_event_that_moved_on_before_the_requeue_is_a_conflict() {
    let event = stored_event("user.updated", BODY, WebhookStatus::Dead);
    let mut events = events_holding(&event);
    events
        .expect_requeue()
        .times(1)
        .returning(|_, _, _| Ok(false));

    let result = service(events)
        .retry(&principal(Role::Admin), event.id)
        .await;

    assert!(
        matches!(result, Err(WebhooksError::Conflict(_))),
        "{result:?}"
    );
}
