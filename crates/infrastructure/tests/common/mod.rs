//! A fresh, migrated database per test: SQLite in a temporary file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set (never skipped then).

use keel_infrastructure::persistence::Database;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

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
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.trim().is_empty() => {
            let name = format!("test_{}", Uuid::new_v4().simple());
            let admin = Database::connect(&base, 1)
                .await
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
            Database::execute(&admin, &format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            admin.close().await.ok();
            let prefix = base
                .split('?')
                .next()
                .unwrap()
                .rsplit_once('/')
                .unwrap()
                .0
                .to_owned();
            format!("{prefix}/{name}")
        }
        _ => {
            let path =
                std::env::temp_dir().join(format!("keel-adapter-{}.db", Uuid::new_v4().simple()));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    };
    LAST_URL.with(|u| *u.borrow_mut() = Some(url.clone()));
    let db = Database::connect(&url, 8).await.expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    db
}
