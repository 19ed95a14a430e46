//! The one fresh-database-per-test harness, shared by this crate's adapter
//! tests and the end-to-end suite: SQLite in a temporary file, or, when
//! `TEST_DATABASE_URL` points at a PostgreSQL server, a new
//! `CREATE DATABASE test_<uuid>` there (never skipped when it was asked for).

pub mod fake_http;
pub mod smtp_sink;

use uuid::Uuid;

use crate::persistence::Database;

/// Whether tests run against PostgreSQL (`TEST_DATABASE_URL` is set).
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.trim().is_empty())
}

/// A URL naming a fresh, empty database for one test.
///
/// # Panics
/// When `TEST_DATABASE_URL` is set but PostgreSQL cannot be reached or the
/// database cannot be created: a database that was asked for is never
/// replaced by SQLite silently.
pub async fn fresh_database_url() -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.trim().is_empty() => {
            let name = format!("test_{}", Uuid::new_v4().simple());
            let admin = Database::connect(&base, 1)
                .await
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
            Database::execute(&admin, &format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
            admin.close().await.ok();
            with_database_name(&base, &name)
        }
        _ => {
            let path =
                std::env::temp_dir().join(format!("keel-test-{}.db", Uuid::new_v4().simple()));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    }
}

/// `url` with its database name replaced by `name`, query string kept.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database_name("postgres://u@h:5432/postgres?sslmode=disable", "test_1"),
            "postgres://u@h:5432/test_1?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://u@h/postgres", "test_2"),
            "postgres://u@h/test_2"
        );
    }
}
