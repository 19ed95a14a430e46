//! Figures read at scrape time for `/metrics`: the connection pool, the job
//! queue by state and webhook events by status (two grouped counts).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// Job states, so a state that empties reports 0 instead of vanishing.
pub const JOB_STATES: [&str; 5] = ["pending", "running", "retrying", "succeeded", "dead"];
/// Webhook event statuses.
pub const WEBHOOK_STATUSES: [&str; 6] = [
    "pending",
    "processing",
    "retrying",
    "processed",
    "ignored",
    "dead",
];

/// One scrape's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbSample {
    /// Open connections of the pool.
    pub pool_open: u32,
    /// Of which idle.
    pub pool_idle: u32,
    /// The pool's ceiling.
    pub pool_max: u32,
    /// Jobs per state, every state of [`JOB_STATES`] present.
    pub jobs: Vec<(&'static str, i64)>,
    /// Webhook events per status, every status of [`WEBHOOK_STATUSES`] present.
    pub webhooks: Vec<(&'static str, i64)>,
}

/// Reads the figures from `db`.
///
/// # Errors
/// When a count fails.
pub async fn sample(db: &DatabaseConnection, pool_max: u32) -> Result<DbSample, DbErr> {
    let (pool_open, pool_idle) = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
    };
    Ok(DbSample {
        pool_open,
        pool_idle,
        pool_max,
        jobs: grouped(db, "jobs", "status", &JOB_STATES).await?,
        webhooks: grouped(db, "webhook_events", "status", &WEBHOOK_STATUSES).await?,
    })
}

async fn grouped(
    db: &DatabaseConnection,
    table: &str,
    column: &str,
    known: &[&'static str],
) -> Result<Vec<(&'static str, i64)>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT {column} AS k, COUNT(*) AS n FROM {table} GROUP BY {column}"),
        ))
        .await?;
    let mut counts: Vec<(&'static str, i64)> = known.iter().map(|k| (*k, 0)).collect();
    for row in rows {
        let key: String = row.try_get("", "k")?;
        let n: i64 = row.try_get("", "n")?;
        if let Some(slot) = counts.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = n;
        }
    }
    Ok(counts)
}
