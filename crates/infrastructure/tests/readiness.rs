//! Readiness probes against a real database and a real directory: a
//! database that answers reads but refuses writes is not ready.

mod common;

use keel_infrastructure::persistence::Database;
use keel_infrastructure::storage::LocalFileStorage;

#[tokio::test]
async fn a_writable_database_accepts_the_probe_and_keeps_no_row() {
    let db = common::fresh_db().await;
    Database::accepts_writes(&db).await.expect("writable");
    Database::accepts_writes(&db)
        .await
        .expect("and again: the row was rolled back");
}

#[tokio::test]
async fn a_read_only_database_fails_the_probe_but_still_answers_reads() {
    let _db = common::fresh_db().await;
    let url = common::last_url();
    let read_only = if url.starts_with("sqlite:") {
        url.replace("mode=rwc", "mode=ro")
    } else {
        format!("{url}?options=-c%20default_transaction_read_only%3Don")
    };
    let ro = Database::connect(&read_only, 1)
        .await
        .expect("connect read-only");
    assert!(Database::ping(&ro).await, "reads still answer");
    assert!(
        Database::accepts_writes(&ro).await.is_err(),
        "a read-only database is not ready"
    );
}

#[tokio::test]
async fn an_upload_directory_is_ready_only_while_writable() {
    let root = std::env::temp_dir().join(format!("keel-ready-{}", uuid::Uuid::new_v4().simple()));
    let storage = LocalFileStorage::new(&root).unwrap();
    storage.probe_writable().await.expect("writable");
    assert_eq!(
        std::fs::read_dir(&root).unwrap().count(),
        0,
        "no probe file left"
    );
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::write(&root, b"a file where the directory was").unwrap();
    assert!(storage.probe_writable().await.is_err());
    std::fs::remove_file(&root).unwrap();
}

/// PostgreSQL on loopback without an `sslmode` in the URL: no TLS (it
/// protects nothing on one machine and costs CPU per message); an explicit
/// `sslmode` is obeyed. SQLite has no connection to encrypt.
#[tokio::test]
async fn postgres_on_loopback_skips_tls_unless_the_url_asks_for_it() {
    use sea_orm::ConnectionTrait;
    let db = common::fresh_db().await;
    if !common::on_postgres() {
        assert_eq!(db.get_database_backend(), sea_orm::DatabaseBackend::Sqlite);
        return;
    }
    let url = common::last_url();
    assert!(
        url.contains("127.0.0.1") || url.contains("localhost"),
        "{url}"
    );
    let tls = |db: sea_orm::DatabaseConnection| async move {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<bool>(0).unwrap()
    };
    assert!(!tls(db).await, "loopback without sslmode uses no TLS");
    let server_has_tls = {
        let db = Database::connect(&url, 1).await.unwrap();
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SHOW ssl",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap() == "on"
    };
    if server_has_tls {
        let sep = if url.contains('?') { '&' } else { '?' };
        let asked = Database::connect(&format!("{url}{sep}sslmode=require"), 1)
            .await
            .unwrap();
        assert!(tls(asked).await, "an explicit sslmode=require is obeyed");
    }
}
