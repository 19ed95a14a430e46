use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use keel_domain::RepoError;
use keel_domain::clock::Clock;
use keel_domain::jobs::{Job, JobError, JobHandler};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter,
    Statement, Value,
};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::persistence::entities::jobs;
use crate::persistence::repo_err;

/// How a runner polls, locks and backs off.
#[derive(Debug, Clone)]
pub struct JobRunnerConfig {
    /// Identifies this runner in `locked_by` (unique per process).
    pub worker_id: String,
    /// Sleep between polls when no job is due (an enqueue in this process wakes it early).
    pub poll_interval: Duration,
    /// A `running` job locked longer than this is presumed abandoned and reclaimed.
    pub lock_timeout: Duration,
    /// Delay before the first retry; each further retry waits 4x longer.
    pub base_backoff: Duration,
    /// Upper bound of the retry delay.
    pub max_backoff: Duration,
    /// On shutdown, how long the job in hand may still run before it is released.
    pub shutdown_grace: Duration,
}

impl Default for JobRunnerConfig {
    fn default() -> Self {
        Self {
            worker_id: format!("keel-{}", uuid::Uuid::new_v4().simple()),
            poll_interval: Duration::from_secs(1),
            lock_timeout: Duration::from_secs(300),
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(6 * 3600),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The delay before retry number `attempt` (1-based): `base × 4^(attempt-1)`,
/// capped at `max`, before jitter.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let factor = 4u32
        .checked_pow(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(max).min(max)
}

/// "Equal jitter": a random delay in `[d/2, d]`, so retries of many jobs spread out.
fn jittered(d: Duration) -> Duration {
    let half = d / 2;
    half + half.mul_f64(rand::thread_rng().r#gen::<f64>())
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Claims and runs jobs from the `jobs` table.
pub struct JobRunner {
    db: DatabaseConnection,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    config: JobRunnerConfig,
    wake: Arc<Notify>,
    clock: Arc<dyn Clock>,
}

impl JobRunner {
    /// A runner over `db` with no handlers yet; due times, lock ages and
    /// backoffs are read off `clock`.
    pub fn new(db: DatabaseConnection, config: JobRunnerConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            handlers: HashMap::new(),
            config,
            wake: Arc::new(Notify::new()),
            clock,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn register(&mut self, kind: &str, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(kind.to_owned(), handler);
    }

    /// The notifier an in-process queue pokes after an enqueue.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Atomically takes the oldest due job (or an abandoned one) and locks it
    /// for this runner.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    pub async fn claim(&self) -> Result<Option<Job>, RepoError> {
        let at = self.now();
        let stale_before = at - to_chrono(self.config.lock_timeout);
        let backend = self.db.get_database_backend();
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "UPDATE jobs SET status = 'running', locked_by = $1, locked_at = $2, \
                 attempts = attempts + 1, updated_at = $2 \
                 WHERE id = (SELECT id FROM jobs \
                   WHERE (status IN ('pending', 'retrying') AND run_at <= $2) \
                      OR (status = 'running' AND locked_at < $3) \
                   ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            }
            _ => {
                "UPDATE jobs SET status = 'running', locked_by = ?1, locked_at = ?2, \
                 attempts = attempts + 1, updated_at = ?2 \
                 WHERE id = (SELECT id FROM jobs \
                   WHERE (status IN ('pending', 'retrying') AND run_at <= ?2) \
                      OR (status = 'running' AND locked_at < ?3) \
                   ORDER BY run_at, id LIMIT 1) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            }
        };
        let values: Vec<Value> = vec![
            self.config.worker_id.clone().into(),
            at.into(),
            stale_before.into(),
        ];
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .map_err(repo_err)?;
        let Some(row) = row else { return Ok(None) };
        let get_i32 = |col: &str| row.try_get::<i32>("", col).map_err(repo_err);
        Ok(Some(Job {
            id: row.try_get("", "id").map_err(repo_err)?,
            kind: row.try_get("", "kind").map_err(repo_err)?,
            payload: row.try_get("", "payload").map_err(repo_err)?,
            attempt: u32::try_from(get_i32("attempts")?).unwrap_or(0),
            max_attempts: u32::try_from(get_i32("max_attempts")?).unwrap_or(1),
        }))
    }

    /// Claims and runs one job; `false` when none was due.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    pub async fn run_once(&self) -> Result<bool, RepoError> {
        match self.claim().await? {
            Some(job) => {
                self.execute(&job).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn execute(&self, job: &Job) -> Result<(), RepoError> {
        let handler = self.handlers.get(&job.kind).cloned();
        let result = match &handler {
            None => Err(JobError::Permanent(format!(
                "no handler for job kind {}",
                job.kind
            ))),
            Some(_) if job.attempt > job.max_attempts => Err(JobError::Permanent(
                "attempts exhausted (the last one was abandoned)".into(),
            )),
            Some(h) => h.handle(job).await,
        };
        let at = self.now();
        let mine = jobs::Column::Id.eq(job.id);
        let locked = jobs::Column::LockedBy.eq(self.config.worker_id.clone());
        let update = jobs::Entity::update_many()
            .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(
                jobs::Column::LockedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(jobs::Column::UpdatedAt, Expr::value(at))
            .filter(mine)
            .filter(locked);
        match result {
            Ok(()) => {
                update
                    .col_expr(jobs::Column::Status, Expr::value("succeeded"))
                    .col_expr(jobs::Column::FinishedAt, Expr::value(at))
                    .exec(&self.db)
                    .await
                    .map_err(repo_err)?;
            }
            Err(error) => {
                let retry_at = match &error {
                    JobError::Transient(_) if job.attempt < job.max_attempts => {
                        let delay = backoff(
                            job.attempt,
                            self.config.base_backoff,
                            self.config.max_backoff,
                        );
                        Some(at + to_chrono(jittered(delay)))
                    }
                    _ => None,
                };
                let (status, run_at) = match retry_at {
                    Some(t) => ("retrying", t),
                    None => ("dead", at),
                };
                tracing::warn!(job_id = %job.id, kind = %job.kind, attempt = job.attempt, %error, status, "job failed");
                update
                    .col_expr(jobs::Column::Status, Expr::value(status))
                    .col_expr(jobs::Column::RunAt, Expr::value(run_at))
                    .col_expr(jobs::Column::LastError, Expr::value(error.to_string()))
                    .col_expr(
                        jobs::Column::FinishedAt,
                        Expr::value(retry_at.is_none().then_some(at)),
                    )
                    .exec(&self.db)
                    .await
                    .map_err(repo_err)?;
                if let Some(h) = handler {
                    h.on_failure(job, &error, retry_at).await;
                }
            }
        }
        Ok(())
    }

    /// Gives a claimed job back (shutdown before it finished): due now, the
    /// interrupted attempt not counted.
    async fn release(&self, job: &Job) -> Result<(), RepoError> {
        jobs::Entity::update_many()
            .col_expr(jobs::Column::Status, Expr::value("retrying"))
            .col_expr(jobs::Column::RunAt, Expr::value(self.now()))
            .col_expr(
                jobs::Column::Attempts,
                Expr::col(jobs::Column::Attempts).sub(1),
            )
            .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(
                jobs::Column::LockedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(jobs::Column::Id.eq(job.id))
            .filter(jobs::Column::LockedBy.eq(self.config.worker_id.clone()))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    /// Runs until `shutdown` turns true. The job in hand then gets
    /// `shutdown_grace` to finish; if it does not, it is released for
    /// another runner.
    pub fn spawn(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if *shutdown.borrow() {
                    break;
                }
                match self.claim().await {
                    Ok(Some(job)) => {
                        let work = self.execute(&job);
                        tokio::pin!(work);
                        tokio::select! {
                            result = &mut work => {
                                if let Err(e) = result {
                                    tracing::warn!(error = %e, "job bookkeeping failed");
                                }
                            }
                            () = stop_requested(&mut shutdown) => {
                                if tokio::time::timeout(self.config.shutdown_grace, &mut work).await.is_err() {
                                    tracing::warn!(job_id = %job.id, "releasing unfinished job at shutdown");
                                    if let Err(e) = self.release(&job).await {
                                        tracing::warn!(error = %e, "could not release job");
                                    }
                                }
                                break;
                            }
                        }
                    }
                    Ok(None) => {
                        tokio::select! {
                            () = tokio::time::sleep(self.config.poll_interval) => {}
                            () = self.wake.notified() => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming a job failed");
                        tokio::select! {
                            () = tokio::time::sleep(self.config.poll_interval) => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                }
            }
        })
    }
}

/// Resolves once `shutdown` is (or was) set to true.
async fn stop_requested(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_four_fold_and_is_capped() {
        let (base, max) = (Duration::from_secs(5), Duration::from_secs(6 * 3600));
        assert_eq!(backoff(1, base, max), Duration::from_secs(5));
        assert_eq!(backoff(2, base, max), Duration::from_secs(20));
        assert_eq!(backoff(4, base, max), Duration::from_secs(320));
        assert_eq!(backoff(9, base, max), max);
        assert_eq!(backoff(40, base, max), max);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        for _ in 0..100 {
            let j = jittered(Duration::from_secs(10));
            assert!(j >= Duration::from_secs(5) && j <= Duration::from_secs(10));
        }
    }
}
