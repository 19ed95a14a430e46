//! `ClerkWebhookJob::handle`: applies one stored Clerk event, once.

use std::sync::Arc;

use keel_domain::RepoError;
use keel_domain::identity::{
    AccountProvider, Email, ExternalProfile, ExternalUserUpdate, Role, SessionId, User,
};
use keel_domain::jobs::{Job, JobError, JobHandler};
use keel_domain::webhooks::ports::{MockWebhookEventRepo, MockWebhookPayloadReader};
use keel_domain::webhooks::{DirectoryEvent, WebhookEvent, WebhookStatus};
use mockall::Sequence;
use mockall::predicate::eq;
use uuid::Uuid;

use super::test_support::{UserMocks, clock, now, stored_event};
use super::{CLERK_WEBHOOK_JOB, ClerkWebhookJob};

const SUBJECT: &str = "user_29w83sxm";
const UPDATED_AT: i64 = 1_700_000_000_000;
const CREATED: &str = r#"{"object":"event","type":"user.created","data":{
  "id":"user_29w83sxm","object":"user",
  "email_addresses":[{"id":"idn_1","email_address":"ada@example.com","verification":{"status":"verified"}}],
  "primary_email_address_id":"idn_1","first_name":"Ada","last_name":"Lovelace",
  "image_url":null,"username":null,"public_metadata":{"role":"staff"},"updated_at":1700000000000}}"#;
const DELETED: &str =
    r#"{"object":"event","type":"user.deleted","data":{"id":"user_29w83sxm","deleted":true}}"#;

/// The queued job for event `event_id`.
pub(super) fn job_for(event_id: Uuid) -> Job {
    Job {
        id: Uuid::now_v7(),
        kind: CLERK_WEBHOOK_JOB.into(),
        payload: serde_json::json!({ "event_id": event_id }).to_string(),
        attempt: 1,
        max_attempts: 8,
    }
}

/// What the payload reader makes of [`CREATED`].
fn created_update() -> ExternalUserUpdate {
    ExternalUserUpdate {
        subject: SUBJECT.into(),
        profile: ExternalProfile {
            email: Some("ada@example.com".into()),
            email_verified: true,
            name: Some("Ada Lovelace".into()),
            username: None,
            image_url: None,
        },
        role: Some(Role::Staff),
        updated_at_ms: UPDATED_AT,
    }
}

/// A payload reader (the port; Clerk's JSON is read in infrastructure) that
/// knows this file's bodies: [`CREATED`], [`DELETED`], a `session.created`
/// body; anything else is unreadable.
fn payloads() -> MockWebhookPayloadReader {
    let mut payloads = MockWebhookPayloadReader::new();
    payloads.expect_parse().returning(|body| match body {
        CREATED => Ok(DirectoryEvent::UserUpserted(created_update())),
        DELETED => Ok(DirectoryEvent::UserDeleted {
            subject: SUBJECT.into(),
        }),
        b if b.contains("session.created") => Ok(DirectoryEvent::Other("session.created".into())),
        _ => Err("bad user payload".into()),
    });
    payloads
}

/// The handler over `events` and `users`.
pub(super) fn handler(events: MockWebhookEventRepo, users: UserMocks) -> ClerkWebhookJob {
    ClerkWebhookJob::new(
        Arc::new(events),
        Arc::new(payloads()),
        users.service(),
        Arc::new(clock()),
    )
}

/// An event store whose `find(event.id)` answers `event` once.
pub(super) fn events_holding(event: &WebhookEvent) -> MockWebhookEventRepo {
    let mut events = MockWebhookEventRepo::new();
    let found = event.clone();
    events
        .expect_find()
        .with(eq(event.id))
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
    events
}

/// The first save: `processing`, one more attempt, nothing else changed.
fn expect_processing(events: &mut MockWebhookEventRepo, event: &WebhookEvent, seq: &mut Sequence) {
    let expected = WebhookEvent {
        status: WebhookStatus::Processing,
        attempts: event.attempts + 1,
        ..event.clone()
    };
    events
        .expect_update()
        .with(eq(expected))
        .times(1)
        .in_sequence(seq)
        .returning(|_| Ok(()));
}

/// The final save: `status`, stamped at [`now`], error and due time cleared.
fn expect_finished(
    events: &mut MockWebhookEventRepo,
    event: &WebhookEvent,
    status: WebhookStatus,
    seq: &mut Sequence,
) {
    let expected = WebhookEvent {
        status,
        attempts: event.attempts + 1,
        processed_at: Some(now()),
        next_attempt_at: None,
        last_error: None,
        ..event.clone()
    };
    events
        .expect_update()
        .with(eq(expected))
        .times(1)
        .in_sequence(seq)
        .returning(|_| Ok(()));
}

#[tokio::test]
async fn an_already_processed_or_ignored_event_is_done_without_applying_anything() {
    for status in [WebhookStatus::Processed, WebhookStatus::Ignored] {
        let event = stored_event("user.created", CREATED, status);
        let mut events = events_holding(&event);
        events.expect_update().never();

        let result = handler(events, UserMocks::untouched())
            .handle(&job_for(event.id))
            .await;

        assert_eq!(result, Ok(()), "{status:?}");
    }
}

#[tokio::test]
async fn a_user_created_event_is_marked_processing_applied_then_marked_processed() {
    let mut event = stored_event("user.created", CREATED, WebhookStatus::Retrying);
    event.attempts = 2;
    event.last_error = Some("transient: storage unavailable".into());
    let mut seq = Sequence::new();
    let mut events = events_holding(&event);
    expect_processing(&mut events, &event, &mut seq);
    let mut u = UserMocks::new();
    u.accounts
        .expect_synced_at()
        .with(eq(AccountProvider::Clerk), eq(SUBJECT))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(None));
    u.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .returning(|_| Ok(None));
    u.users
        .expect_find_by_email()
        .with(eq(Email::parse("ada@example.com").expect("a valid email")))
        .times(1)
        .returning(|_| Ok(None));
    u.users
        .expect_create()
        .withf(|user: &User, _| {
            user.clerk_id.as_deref() == Some(SUBJECT)
                && user.email.as_str() == "ada@example.com"
                && user.email_verified
                && user.name.as_deref() == Some("Ada Lovelace")
                && user.role == Role::Staff
        })
        .times(1)
        .returning(|_, _| Ok(()));
    u.accounts
        .expect_link()
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    u.accounts
        .expect_mark_synced()
        .with(
            eq(AccountProvider::Clerk),
            eq(SUBJECT),
            eq(UPDATED_AT),
            eq(now()),
        )
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(()));
    expect_finished(&mut events, &event, WebhookStatus::Processed, &mut seq);

    let result = handler(events, u).handle(&job_for(event.id)).await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn a_user_deleted_event_deactivates_the_user_and_revokes_its_sessions() {
    let mut user = User::new(Email::parse("ada@example.com").expect("email"), now());
    user.clerk_id = Some(SUBJECT.into());
    let id = user.id;
    let event = stored_event("user.deleted", DELETED, WebhookStatus::Pending);
    let mut seq = Sequence::new();
    let mut events = events_holding(&event);
    expect_processing(&mut events, &event, &mut seq);
    let mut u = UserMocks::new();
    u.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .returning(move |_| Ok(Some(user.clone())));
    u.users
        .expect_set_active()
        .with(eq(id), eq(false), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    u.sessions
        .expect_revoke_all_for_user()
        .with(eq(id), eq(None::<SessionId>), eq(now()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(1));
    expect_finished(&mut events, &event, WebhookStatus::Processed, &mut seq);

    let result = handler(events, u).handle(&job_for(event.id)).await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn a_stored_event_of_another_type_ends_ignored_without_touching_users() {
    let body = r#"{"type":"session.created","data":{}}"#;
    let event = stored_event("session.created", body, WebhookStatus::Pending);
    let mut seq = Sequence::new();
    let mut events = events_holding(&event);
    expect_processing(&mut events, &event, &mut seq);
    expect_finished(&mut events, &event, WebhookStatus::Ignored, &mut seq);

    let result = handler(events, UserMocks::untouched())
        .handle(&job_for(event.id))
        .await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn a_job_payload_without_an_event_id_is_permanent() {
    let mut events = MockWebhookEventRepo::new();
    events.expect_find().never();
    let job = Job {
        payload: r#"{"event":"nope"}"#.into(),
        ..job_for(Uuid::now_v7())
    };

    let result = handler(events, UserMocks::untouched()).handle(&job).await;

    assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
}

#[tokio::test]
async fn a_missing_event_is_permanent() {
    let id = Uuid::now_v7();
    let mut events = MockWebhookEventRepo::new();
    events
        .expect_find()
        .with(eq(id))
        .times(1)
        .returning(|_| Ok(None));
    events.expect_update().never();

    let result = handler(events, UserMocks::untouched())
        .handle(&job_for(id))
        .await;

    assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
}

#[tokio::test]
async fn failing_to_read_the_event_is_transient() {
    let mut events = MockWebhookEventRepo::new();
    events
        .expect_find()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("db down".into())));

    let result = handler(events, UserMocks::untouched())
        .handle(&job_for(Uuid::now_v7()))
        .await;

    assert!(matches!(result, Err(JobError::Transient(_))), "{result:?}");
}

#[tokio::test]
async fn a_malformed_event_body_is_permanent_and_applies_nothing() {
    let body = r#"{"type":"user.updated","data":{"object":"user"}}"#;
    let event = stored_event("user.updated", body, WebhookStatus::Pending);
    let mut seq = Sequence::new();
    let mut events = events_holding(&event);
    expect_processing(&mut events, &event, &mut seq);

    let result = handler(events, UserMocks::untouched())
        .handle(&job_for(event.id))
        .await;

    assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
}

#[tokio::test]
async fn storage_failing_while_applying_is_transient_and_the_event_is_not_finished() {
    let event = stored_event("user.created", CREATED, WebhookStatus::Pending);
    let mut seq = Sequence::new();
    let mut events = events_holding(&event);
    expect_processing(&mut events, &event, &mut seq);
    let mut u = UserMocks::new();
    u.users.expect_create().never();
    u.accounts
        .expect_synced_at()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("db down".into())));
    u.accounts.expect_mark_synced().never();

    let result = handler(events, u).handle(&job_for(event.id)).await;

    assert!(matches!(result, Err(JobError::Transient(_))), "{result:?}");
}

#[tokio::test]
async fn a_conflict_while_applying_is_permanent() {
    let event = stored_event("user.deleted", DELETED, WebhookStatus::Pending);
    let mut user = User::new(Email::parse("ada@example.com").expect("email"), now());
    user.clerk_id = Some(SUBJECT.into());
    let mut seq = Sequence::new();
    let mut events = events_holding(&event);
    expect_processing(&mut events, &event, &mut seq);
    let mut u = UserMocks::new();
    u.users
        .expect_find_by_clerk_id()
        .times(1)
        .returning(move |_| Ok(Some(user.clone())));
    u.sessions
        .expect_revoke_all_for_user()
        .times(1)
        .returning(|_, _, _| Ok(1));
    u.users
        .expect_set_active()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Conflict("users_email_key".into())));

    let result = handler(events, u).handle(&job_for(event.id)).await;

    assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
}
