use async_trait::async_trait;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use keel_domain::RepoError;
use keel_domain::clock::Clock;
use keel_domain::jobs::{JobQueue, NewJob};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::persistence::entities::jobs;
use crate::persistence::repo_err;

/// [`JobQueue`] on the `jobs` table; wakes this process's runner on enqueue.
#[derive(Clone)]
pub struct SeaOrmJobQueue {
    db: DatabaseConnection,
    wake: Option<Arc<Notify>>,
    clock: Arc<dyn Clock>,
}

impl SeaOrmJobQueue {
    /// A queue over `db`; `wake` is the local runner's notifier, if any;
    /// rows are stamped with `clock`'s time.
    pub fn new(db: DatabaseConnection, wake: Option<Arc<Notify>>, clock: Arc<dyn Clock>) -> Self {
        Self { db, wake, clock }
    }
}

/// Inserts `job` through `conn` (a pool or an open transaction).
pub(crate) async fn insert_job<C: ConnectionTrait>(
    conn: &C,
    job: &NewJob,
    now: DateTime<Utc>,
) -> Result<Uuid, RepoError> {
    let id = Uuid::now_v7();
    jobs::Entity::insert(jobs::ActiveModel {
        id: Set(id),
        kind: Set(job.kind.clone()),
        payload: Set(job.payload.clone()),
        status: Set("pending".into()),
        attempts: Set(0),
        max_attempts: Set(i32::try_from(job.max_attempts.max(1)).unwrap_or(i32::MAX)),
        run_at: Set(job.run_at),
        locked_by: Set(None),
        locked_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    })
    .exec_without_returning(conn)
    .await
    .map_err(repo_err)?;
    Ok(id)
}

/// Schedules `job` through `conn`: a job of the same kind and payload still
/// waiting (pending, or retrying after a failure) is moved to `job.run_at`
/// with a fresh attempt count instead of a second one being inserted.
pub(crate) async fn schedule_job<C: ConnectionTrait>(
    conn: &C,
    job: &NewJob,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let moved = jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value("pending"))
        .col_expr(jobs::Column::RunAt, Expr::value(job.run_at))
        .col_expr(jobs::Column::Attempts, Expr::value(0))
        .col_expr(jobs::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(jobs::Column::Kind.eq(job.kind.as_str()))
        .filter(jobs::Column::Payload.eq(job.payload.as_str()))
        .filter(jobs::Column::Status.is_in(["pending", "retrying"]))
        .exec(conn)
        .await
        .map_err(repo_err)?
        .rows_affected;
    if moved == 0 {
        insert_job(conn, job, now).await?;
    }
    Ok(())
}

#[async_trait]
impl JobQueue for SeaOrmJobQueue {
    async fn enqueue(&self, job: NewJob) -> Result<Uuid, RepoError> {
        let id = insert_job(&self.db, &job, self.clock.now().trunc_subsecs(6)).await?;
        if let Some(wake) = &self.wake {
            wake.notify_one();
        }
        Ok(id)
    }
}
