//! The webhook event log against a real database (SQLite by default,
//! PostgreSQL with `TEST_DATABASE_URL`): an event and its job are stored or
//! requeued together, never one without the other.

mod common;

use chrono::{DateTime, SubsecRound, Utc};
use keel_domain::jobs::NewJob;
use keel_domain::webhooks::{WebhookEvent, WebhookEventRepo, WebhookStatus};
use keel_infrastructure::persistence::SeaOrmWebhookEventRepo;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn event(svix_id: &str, status: WebhookStatus) -> WebhookEvent {
    WebhookEvent {
        id: Uuid::now_v7(),
        svix_id: svix_id.into(),
        event_type: "user.updated".into(),
        payload: "{}".into(),
        status,
        attempts: 3,
        last_error: Some("boom".into()),
        received_at: now(),
        processed_at: None,
        next_attempt_at: None,
    }
}

async fn jobs(db: &DatabaseConnection) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM jobs",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn job() -> NewJob {
    NewJob::new("clerk.webhook", "{}", now())
}

#[tokio::test]
async fn an_event_is_stored_once_with_its_job() {
    let db = common::fresh_db().await;
    let repo = SeaOrmWebhookEventRepo::new(db.clone());
    let first = event("msg_1", WebhookStatus::Pending);
    assert!(repo.insert_new(&first, Some(job())).await.unwrap());
    assert!(
        !repo
            .insert_new(&event("msg_1", WebhookStatus::Pending), Some(job()))
            .await
            .unwrap()
    );
    assert_eq!(jobs(&db).await, 1);
    assert_eq!(repo.find(first.id).await.unwrap().unwrap().svix_id, "msg_1");
}

#[tokio::test]
async fn a_dead_event_is_requeued_with_its_job_and_only_once() {
    let db = common::fresh_db().await;
    let repo = SeaOrmWebhookEventRepo::new(db.clone());
    let dead = event("msg_dead", WebhookStatus::Dead);
    repo.insert_new(&dead, None).await.unwrap();
    let at = now();

    assert!(repo.requeue(dead.id, at, job()).await.unwrap());
    let stored = repo.find(dead.id).await.unwrap().unwrap();
    assert_eq!(stored.status, WebhookStatus::Pending);
    assert_eq!(stored.next_attempt_at, Some(at));
    assert_eq!(stored.attempts, 3, "attempts are history, not reset");
    assert_eq!(jobs(&db).await, 1);

    // Pending now: a second requeue changes nothing and queues nothing.
    assert!(!repo.requeue(dead.id, at, job()).await.unwrap());
    assert_eq!(jobs(&db).await, 1);
}

#[tokio::test]
async fn requeueing_a_processed_or_unknown_event_changes_nothing() {
    let db = common::fresh_db().await;
    let repo = SeaOrmWebhookEventRepo::new(db.clone());
    let done = event("msg_done", WebhookStatus::Processed);
    repo.insert_new(&done, None).await.unwrap();
    assert!(!repo.requeue(done.id, now(), job()).await.unwrap());
    assert!(!repo.requeue(Uuid::now_v7(), now(), job()).await.unwrap());
    assert_eq!(
        repo.find(done.id).await.unwrap().unwrap().status,
        WebhookStatus::Processed
    );
    assert_eq!(jobs(&db).await, 0);
}

#[tokio::test]
async fn requeueing_a_retrying_event_moves_its_waiting_job_instead_of_adding_one() {
    let db = common::fresh_db().await;
    let repo = SeaOrmWebhookEventRepo::new(db.clone());
    let mut retrying = event("msg_retry", WebhookStatus::Pending);
    repo.insert_new(&retrying, Some(job())).await.unwrap();
    retrying.status = WebhookStatus::Retrying;
    repo.update(&retrying).await.unwrap();
    assert_eq!(jobs(&db).await, 1);

    assert!(repo.requeue(retrying.id, now(), job()).await.unwrap());

    assert_eq!(
        jobs(&db).await,
        1,
        "one job per event, never two retry chains"
    );
    assert_eq!(
        repo.find(retrying.id).await.unwrap().unwrap().status,
        WebhookStatus::Pending
    );
}
