//! A fresh, migrated database per test: SQLite in a temporary file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set (never skipped then).

use keel_infrastructure::persistence::Database;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

thread_local! {
    static LAST_URL: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Opens the database of the last `fresh_db` call of this thread again, as a
/// restarted process would.
#[allow(dead_code)]
pub async fn reopen() -> DatabaseConnection {
    let url = LAST_URL
        .with(|u| u.borrow().clone())
        .expect("fresh_db first");
    Database::connect(&url, 8).await.expect("reconnect")
}

/// The URL of the last `fresh_db` call of this thread.
#[allow(dead_code)]
pub fn last_url() -> String {
    LAST_URL
        .with(|u| u.borrow().clone())
        .expect("fresh_db first")
}

pub async fn fresh_db() -> DatabaseConnection {
    let url = keel_infrastructure::test_support::fresh_database_url().await;
    LAST_URL.with(|u| *u.borrow_mut() = Some(url.clone()));
    let db = Database::connect(&url, 8).await.expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    db
}

/// Whether the tests run on PostgreSQL.
#[allow(dead_code)]
pub fn on_postgres() -> bool {
    keel_infrastructure::test_support::on_postgres()
}
