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
