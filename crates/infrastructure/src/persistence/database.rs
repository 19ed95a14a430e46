//! Connecting to SQLite or PostgreSQL with the same code.

use std::path::Path;
use std::time::Duration;

use keel_domain::{Cause, RepoError};
use sea_orm::sea_query::LikeExpr;
use sea_orm::sqlx::Error as SqlxError;
use sea_orm::sqlx::postgres::PgSslMode;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr,
    SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Which database engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Connection helpers.
#[derive(Debug)]
pub struct Database;

impl Database {
    /// The engine a URL selects, or `None` for an unsupported scheme.
    pub fn kind(url: &str) -> Option<DatabaseKind> {
        if url.starts_with("sqlite:") {
            Some(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(DatabaseKind::Postgres)
        } else {
            None
        }
    }

    /// Opens a pool; connections idle for a second or more are pinged
    /// before use, busy ones are not. SQLite files (and their folder) are created when
    /// missing and run in WAL mode with foreign keys on, a busy timeout and
    /// `synchronous=FULL`, so a committed write survives a power cut.
    ///
    /// # Errors
    /// The driver's error when the database cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            // A ping on every checkout doubled the round trips of each
            // query; a connection busy within the last second is used as it
            // is (if the server dropped it meanwhile, that one query fails
            // as 503 Unavailable and the pool replaces the connection).
            .test_before_acquire_if_idle_for(Duration::from_secs(1))
            .sqlx_logging(false);
        if Self::kind(url) == Some(DatabaseKind::Sqlite) {
            if let Some(parent) = sqlite_file(url).and_then(|f| Path::new(f).parent())
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    DbErr::Custom(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            opts.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        }
        if Self::kind(url) == Some(DatabaseKind::Postgres) && !url.contains("sslmode=") {
            opts.map_sqlx_postgres_opts(|o| {
                if is_loopback(o.get_host()) {
                    o.ssl_mode(PgSslMode::Disable)
                } else {
                    o
                }
            });
        }
        sea_orm::Database::connect(opts).await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(db: &DatabaseConnection) -> bool {
        db.ping().await.is_ok()
    }

    /// Whether the database accepts a write: a row goes into the
    /// always-empty `readiness_probe` table inside a transaction that is
    /// rolled back. A read-only file, replica or transaction fails it.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn accepts_writes(db: &DatabaseConnection) -> Result<(), DbErr> {
        let txn = begin_write(db).await?;
        txn.execute_unprepared("INSERT INTO readiness_probe (id) VALUES (1)")
            .await?;
        txn.rollback().await
    }

    /// Runs a statement that needs no result, e.g. `CREATE DATABASE`.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn execute(db: &DatabaseConnection, sql: &str) -> Result<(), DbErr> {
        db.execute_unprepared(sql).await.map(|_| ())
    }
}

/// Whether a PostgreSQL host never leaves this machine (loopback or a Unix
/// socket directory). Without an explicit `sslmode` such connections skip
/// TLS: it protects nothing there and costs CPU on both ends for every
/// message (docs/benchmarks.md measures it). Any other host keeps
/// the driver's default (`prefer`); set `sslmode=require` or stricter in
/// `DATABASE_URL` to insist.
fn is_loopback(host: &str) -> bool {
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The file path of a `sqlite:` URL, `None` for in-memory databases.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// One page of `query`, newest first (by `created`, then by `id` so rows
/// created in the same microsecond keep a stable order), with the total
/// number of matching rows.
///
/// One statement: the total rides on every row as `COUNT(*) OVER ()`, which
/// both engines compute over the filtered rows before `LIMIT`. Only a page
/// past the end (no rows to carry it) costs a second, counting statement.
///
/// # Errors
/// The driver's error.
pub(crate) async fn newest_first_page<E, C>(
    db: &DatabaseConnection,
    query: sea_orm::Select<E>,
    created: C,
    id: C,
    page: keel_domain::PageRequest,
) -> Result<(u64, Vec<E::Model>), RepoError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ColumnTrait,
{
    use sea_orm::sea_query::Expr;
    use sea_orm::{FromQueryResult, PaginatorTrait, QueryOrder, QuerySelect, QueryTrait};
    let select = query
        .clone()
        .expr_as(Expr::cust("COUNT(*) OVER ()"), TOTAL_COLUMN)
        .order_by_desc(created)
        .order_by_desc(id)
        .into_query();
    let stmt = with_page_bounds(
        db.get_database_backend(),
        &select,
        page.size(),
        page.offset(),
    );
    let rows = WithTotal::<E::Model>::find_by_statement(stmt)
        .all(db)
        .await
        .map_err(repo_err)?;
    let total = page_total(
        rows.first().map(|r| r.total),
        page.offset() == 0,
        query.count(db),
    )
    .await?;
    Ok((total, rows.into_iter().map(|r| r.model).collect()))
}

/// The total of a page whose rows carry it (`carried`, read off its first
/// row). A page without rows carries none: it is 0 when nothing came before
/// it (`from_the_start`), else a page past the end, counted on its own
/// (`count` is only awaited then).
///
/// # Errors
/// The driver's error from `count`.
pub(crate) async fn page_total(
    carried: Option<i64>,
    from_the_start: bool,
    count: impl std::future::Future<Output = Result<u64, DbErr>>,
) -> Result<u64, RepoError> {
    match carried {
        Some(total) => Ok(u64::try_from(total).unwrap_or_default()),
        None if from_the_start => Ok(0),
        None => count.await.map_err(repo_err),
    }
}

/// The alias of the window count [`newest_first_page`] adds to each row.
const TOTAL_COLUMN: &str = "keel_total";

/// A row of an entity with the window count beside it.
struct WithTotal<M> {
    model: M,
    total: i64,
}

impl<M: sea_orm::FromQueryResult> sea_orm::FromQueryResult for WithTotal<M> {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            model: M::from_query_result(res, pre)?,
            total: res.try_get(pre, TOTAL_COLUMN)?,
        })
    }
}

/// Begins a transaction that will write: `BEGIN IMMEDIATE` on SQLite, so the
/// write lock is taken up front and waits on the busy timeout instead of
/// failing on a lock upgrade; a plain `BEGIN` on PostgreSQL.
///
/// # Errors
/// The driver's error.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

/// Translates a driver error into the port error: unique and foreign-key
/// violations become [`RepoError::Conflict`] (portable through
/// `DbErr::sql_err`); transient failures (see [`is_transient`])
/// [`RepoError::Unavailable`]; everything else [`RepoError::Internal`]. The
/// driver error is kept whole as the cause.
pub fn repo_err(err: DbErr) -> RepoError {
    match err.sql_err() {
        Some(
            SqlErr::UniqueConstraintViolation(detail)
            | SqlErr::ForeignKeyConstraintViolation(detail),
        ) => RepoError::Conflict(detail),
        _ if is_transient(&err) => RepoError::Unavailable(Cause::new(err)),
        _ => RepoError::Internal(Cause::new(err)),
    }
}

/// PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock,
/// lock not available, too many connections, a read-only transaction (a
/// standby or a read-only switch), operator intervention (shutdown, crash
/// recovery) and the connection-exception class.
const TRANSIENT_PG_STATES: [&str; 6] = ["40001", "40P01", "55P03", "53300", "25006", "57P0"];

/// SQLite result codes worth retrying: BUSY (5), LOCKED (6) and READONLY
/// (8), with their extended codes (low byte).
const TRANSIENT_SQLITE_CODES: [i64; 3] = [5, 6, 8];

/// Whether retrying later may succeed: the pool timed out or closed, the
/// connection broke, or the database answered with a transient code.
pub fn is_transient(err: &DbErr) -> bool {
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return false;
    };
    match sqlx_err.as_ref() {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL's SQLSTATEs are five characters (some all digits,
            // e.g. 22021); SQLite's (extended) result codes are at most four digits.
            if code.len() == 5 {
                code.starts_with("08") || TRANSIENT_PG_STATES.iter().any(|s| code.starts_with(s))
            } else {
                code.parse::<i64>()
                    .is_ok_and(|n| TRANSIENT_SQLITE_CODES.contains(&(n & 0xff)))
            }
        }
        _ => false,
    }
}

/// A `%needle%` pattern with `%`, `_` and `\` escaped (escape character
/// `\`), so user input matches literally as a substring in LIKE.
pub(crate) fn like_pattern(needle: &str) -> LikeExpr {
    let escaped: String = needle
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `select` (without `LIMIT`/`OFFSET` of its own) rendered for `backend`
/// with ` LIMIT <limit> OFFSET <offset>` appended: the limit a literal, the
/// offset a parameter. PostgreSQL re-plans a prepared statement whose limit
/// is a parameter on every execution (a generic plan guesses `LIMIT $n` at
/// a tenth of the table and loses to a custom one), which cost a page as
/// much CPU again as running it (pgbench: 4,287 vs 8,104 pages/s); page
/// sizes are few (1..=100), so a literal limit adds a handful of prepared
/// shapes. The caller wraps the result as a subquery of statement text.
pub(crate) fn with_page_bounds(
    backend: sea_orm::DatabaseBackend,
    select: &sea_orm::sea_query::SelectStatement,
    limit: u64,
    offset: u64,
) -> sea_orm::Statement {
    let mut stmt = backend.build(select);
    let mut values = stmt.values.take().unwrap_or(sea_orm::Values(Vec::new()));
    values.0.push(sea_orm::Value::BigInt(Some(
        i64::try_from(offset).unwrap_or(i64::MAX),
    )));
    let placeholder = match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${}", values.0.len()),
        _ => "?".to_owned(),
    };
    stmt.sql = format!("{} LIMIT {limit} OFFSET {placeholder}", stmt.sql);
    stmt.values = Some(values);
    stmt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_and_socket_directories_are_local() {
        for host in [
            "127.0.0.1",
            "127.8.9.1",
            "localhost",
            "LOCALHOST",
            "::1",
            "[::1]",
            "/var/run/postgresql",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "10.0.0.5",
            "db.example.com",
            "postgres",
            "::2",
            "localhost.example.com",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn sqlite_file_is_taken_from_the_url() {
        assert_eq!(
            sqlite_file("sqlite://data/keel.db?mode=rwc"),
            Some("data/keel.db")
        );
        assert_eq!(sqlite_file("sqlite:./x.db"), Some("./x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }

    #[test]
    fn kind_follows_the_scheme() {
        assert_eq!(Database::kind("sqlite://a.db"), Some(DatabaseKind::Sqlite));
        assert_eq!(
            Database::kind("postgresql://x/y"),
            Some(DatabaseKind::Postgres)
        );
        assert_eq!(Database::kind("mysql://x/y"), None);
    }
}
