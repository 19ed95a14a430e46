//! The job runner against a real database (SQLite by default, PostgreSQL with
//! `TEST_DATABASE_URL`).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use keel_domain::clock::{Clock, ManualClock};
use keel_domain::jobs::{Job, JobError, JobHandler, JobQueue, NewJob};
use keel_infrastructure::jobs::{JobRunner, JobRunnerConfig, SeaOrmJobQueue};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

/// A clock the test moves (at a whole microsecond, as stored).
fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc::now().trunc_subsecs(6)))
}

/// The real clock; tests that need to move time use [`manual_clock`].
fn clock() -> Arc<dyn Clock> {
    Arc::new(keel_infrastructure::SystemClock)
}

fn config(worker: &str) -> JobRunnerConfig {
    JobRunnerConfig {
        worker_id: worker.into(),
        poll_interval: Duration::from_millis(20),
        lock_timeout: Duration::from_secs(60),
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        shutdown_grace: Duration::from_millis(50),
    }
}

#[derive(Default)]
struct Recorder {
    runs: Mutex<HashMap<Uuid, u32>>,
    failures: Mutex<Vec<(u32, Option<DateTime<Utc>>)>>,
    fail_first: u32,
    permanent: bool,
    delay: Duration,
}

#[async_trait]
impl JobHandler for Recorder {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        *self.runs.lock().unwrap().entry(job.id).or_default() += 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if self.permanent {
            return Err(JobError::Permanent("nope".into()));
        }
        if job.attempt <= self.fail_first {
            return Err(JobError::Transient(format!("attempt {}", job.attempt)));
        }
        Ok(())
    }

    async fn on_failure(&self, job: &Job, _error: &JobError, retry_at: Option<DateTime<Utc>>) {
        self.failures.lock().unwrap().push((job.attempt, retry_at));
    }
}

async fn status_of(db: &DatabaseConnection, id: Uuid) -> (String, i64) {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, status, attempts FROM jobs",
        ))
        .await
        .unwrap();
    rows.iter()
        .find(|r| r.try_get::<Uuid>("", "id").unwrap() == id)
        .map(|r| {
            (
                r.try_get::<String>("", "status").unwrap(),
                i64::from(r.try_get::<i32>("", "attempts").unwrap()),
            )
        })
        .expect("job row")
}

async fn enqueue(db: &DatabaseConnection, kind: &str) -> Uuid {
    SeaOrmJobQueue::new(db.clone(), None, clock())
        .enqueue(NewJob::new(kind, "{}", Utc::now()))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_runs_once_and_succeeds() {
    let db = common::fresh_db().await;
    let handler = Arc::new(Recorder::default());
    let mut runner = JobRunner::new(db.clone(), config("a"), clock());
    runner.register("count", handler.clone());
    let id = enqueue(&db, "count").await;
    assert!(runner.run_once().await.unwrap());
    assert!(!runner.run_once().await.unwrap(), "nothing left");
    assert_eq!(status_of(&db, id).await, ("succeeded".into(), 1));
    assert_eq!(handler.runs.lock().unwrap()[&id], 1);
}

#[tokio::test]
async fn transient_failures_back_off_and_retry_until_success() {
    let db = common::fresh_db().await;
    let handler = Arc::new(Recorder {
        fail_first: 2,
        ..Recorder::default()
    });
    let time = manual_clock();
    let mut runner = JobRunner::new(
        db.clone(),
        JobRunnerConfig {
            base_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(60),
            ..config("a")
        },
        time.clone(),
    );
    runner.register("flaky", handler.clone());
    let id = SeaOrmJobQueue::new(db.clone(), None, time.clone())
        .enqueue(NewJob::new("flaky", "{}", time.now()))
        .await
        .unwrap();
    runner.run_once().await.unwrap();
    assert_eq!(status_of(&db, id).await, ("retrying".into(), 1));
    assert!(
        !runner.run_once().await.unwrap(),
        "not due before its backoff has passed"
    );
    time.advance(chrono::Duration::seconds(10));
    runner.run_once().await.unwrap();
    assert_eq!(status_of(&db, id).await, ("retrying".into(), 2));
    time.advance(chrono::Duration::seconds(60));
    assert!(runner.run_once().await.unwrap());
    assert_eq!(status_of(&db, id).await, ("succeeded".into(), 3));
    let failures = handler.failures.lock().unwrap().clone();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|(_, retry)| retry.is_some()));
}

#[tokio::test]
async fn permanent_failures_and_exhausted_attempts_are_dead() {
    let db = common::fresh_db().await;
    let permanent = Arc::new(Recorder {
        permanent: true,
        ..Recorder::default()
    });
    let always = Arc::new(Recorder {
        fail_first: u32::MAX,
        ..Recorder::default()
    });
    let mut runner = JobRunner::new(db.clone(), config("a"), clock());
    runner.register("permanent", permanent.clone());
    let p = enqueue(&db, "permanent").await;
    runner.run_once().await.unwrap();
    assert_eq!(status_of(&db, p).await, ("dead".into(), 1));
    assert_eq!(permanent.failures.lock().unwrap()[0], (1, None));

    let time = manual_clock();
    let mut runner = JobRunner::new(db.clone(), config("a"), time.clone());
    runner.register("always", always.clone());
    let queue = SeaOrmJobQueue::new(db.clone(), None, time.clone());
    let mut job = NewJob::new("always", "{}", time.now());
    job.max_attempts = 3;
    let a = queue.enqueue(job).await.unwrap();
    for _ in 0..3 {
        assert!(runner.run_once().await.unwrap());
        time.advance(chrono::Duration::seconds(1));
    }
    assert!(!runner.run_once().await.unwrap(), "nothing left to run");
    assert_eq!(status_of(&db, a).await, ("dead".into(), 3));
    assert_eq!(always.failures.lock().unwrap().last().unwrap(), &(3, None));
}

#[tokio::test]
async fn unknown_kinds_are_dead_not_retried_forever() {
    let db = common::fresh_db().await;
    let runner = JobRunner::new(db.clone(), config("a"), clock());
    let id = enqueue(&db, "nobody-handles-this").await;
    runner.run_once().await.unwrap();
    assert_eq!(status_of(&db, id).await.0, "dead");
}

#[tokio::test]
async fn two_runners_racing_over_the_same_jobs_run_each_exactly_once() {
    let db = common::fresh_db().await;
    let handler = Arc::new(Recorder {
        delay: Duration::from_millis(2),
        ..Recorder::default()
    });
    let mut ids = Vec::new();
    for _ in 0..60 {
        ids.push(enqueue(&db, "count").await);
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for worker in ["runner-1", "runner-2"] {
        let mut runner = JobRunner::new(db.clone(), config(worker), clock());
        runner.register("count", handler.clone());
        tasks.push(Arc::new(runner).spawn(stop_rx.clone()));
    }
    for _ in 0..500 {
        if handler.runs.lock().unwrap().len() == ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop_tx.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let runs = handler.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), ids.len(), "every job ran");
    assert!(runs.values().all(|n| *n == 1), "no job ran twice: {runs:?}");
    for id in ids {
        assert_eq!(status_of(&db, id).await.0, "succeeded");
    }
}

#[tokio::test]
async fn a_job_abandoned_by_a_dead_runner_is_reclaimed_after_the_lock_timeout() {
    let db = common::fresh_db().await;
    let time = manual_clock();
    let id = SeaOrmJobQueue::new(db.clone(), None, time.clone())
        .enqueue(NewJob::new("count", "{}", time.now()))
        .await
        .unwrap();
    let crashed = JobRunner::new(db.clone(), config("crashed"), time.clone());
    assert_eq!(crashed.claim().await.unwrap().unwrap().id, id);
    let handler = Arc::new(Recorder::default());
    let mut patient = JobRunner::new(
        db.clone(),
        JobRunnerConfig {
            lock_timeout: Duration::from_secs(300),
            ..config("patient")
        },
        time.clone(),
    );
    patient.register("count", handler.clone());
    assert!(!patient.run_once().await.unwrap(), "still locked");
    time.advance(chrono::Duration::seconds(299));
    assert!(
        !patient.run_once().await.unwrap(),
        "locked until the timeout"
    );
    time.advance(chrono::Duration::seconds(2));
    assert!(patient.run_once().await.unwrap());
    assert_eq!(status_of(&db, id).await, ("succeeded".into(), 2));
}

#[tokio::test]
async fn a_job_enqueued_before_a_restart_runs_after_it() {
    let db = common::fresh_db().await;
    let id = enqueue(&db, "count").await;
    drop(db);
    let db = common::reopen().await;
    let handler = Arc::new(Recorder::default());
    let mut runner = JobRunner::new(db.clone(), config("after-restart"), clock());
    runner.register("count", handler.clone());
    assert!(runner.run_once().await.unwrap());
    assert_eq!(handler.runs.lock().unwrap()[&id], 1);
}

#[tokio::test]
async fn shutdown_releases_an_unfinished_job_for_the_next_runner() {
    let db = common::fresh_db().await;
    let slow = Arc::new(Recorder {
        delay: Duration::from_secs(30),
        ..Recorder::default()
    });
    let mut runner = JobRunner::new(db.clone(), config("slow"), clock());
    runner.register("count", slow.clone());
    let id = enqueue(&db, "count").await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = Arc::new(runner).spawn(stop_rx);
    for _ in 0..100 {
        if !slow.runs.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("runner stops within the grace")
        .unwrap();
    assert_eq!(status_of(&db, id).await, ("retrying".into(), 0));
    let fast = Arc::new(Recorder::default());
    let mut next = JobRunner::new(db.clone(), config("next"), clock());
    next.register("count", fast.clone());
    assert!(next.run_once().await.unwrap());
    assert_eq!(status_of(&db, id).await, ("succeeded".into(), 1));
}
