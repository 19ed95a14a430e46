use keel_bootstrap::cli::{self, Cli, Command, MigrateAction};
use keel_e2e::{fresh_database_url, test_settings};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};
use sea_orm_migration::MigrationStatus;

async fn table_exists(db: &sea_orm::DatabaseConnection, table: &str) -> bool {
    let sql = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            format!("SELECT name FROM sqlite_master WHERE type='table' AND name='{table}'")
        }
        _ => format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public' AND table_name='{table}'"
        ),
    };
    db.query_all_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .unwrap()
    .len()
        == 1
}

#[tokio::test]
async fn migrations_run_up_then_down_then_up_again() {
    let url = fresh_database_url().await;
    let db = Database::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    for table in [
        "users",
        "accounts",
        "sessions",
        "verifications",
        "jobs",
        "webhook_events",
    ] {
        assert!(table_exists(&db, table).await, "{table} after up");
    }
    let statuses = Migrator::get_migration_with_status(&db).await.unwrap();
    assert!(
        statuses
            .iter()
            .all(|m| m.status() == MigrationStatus::Applied)
    );

    Migrator::down(&db, None).await.unwrap();
    for table in [
        "users",
        "accounts",
        "sessions",
        "verifications",
        "jobs",
        "webhook_events",
    ] {
        assert!(!table_exists(&db, table).await, "{table} after down");
    }
    Migrator::up(&db, None).await.unwrap();
    assert!(table_exists(&db, "sessions").await);
}

#[tokio::test]
async fn keel_migrate_commands_work() {
    let settings = test_settings(fresh_database_url().await);
    let run = |action| {
        cli::run(
            Cli {
                command: Some(Command::Migrate { action }),
            },
            settings.clone(),
        )
    };
    run(MigrateAction::Up).await.unwrap();
    run(MigrateAction::Status).await.unwrap();
    // Down to just before the webhook events table, however many come after.
    let webhook_events = Migrator::migrations()
        .iter()
        .position(|m| m.name().contains("create_webhook_events"))
        .expect("listed");
    let steps = u32::try_from(Migrator::migrations().len() - webhook_events).unwrap();
    run(MigrateAction::Down { steps }).await.unwrap();
    let db = Database::connect(&settings.database.url).await.unwrap();
    assert!(!table_exists(&db, "webhook_events").await);
    assert!(table_exists(&db, "jobs").await);
    run(MigrateAction::Fresh).await.unwrap();
    assert!(table_exists(&db, "webhook_events").await);
    let pending = Migrator::get_pending_migrations(&db).await.unwrap();
    assert!(pending.is_empty());
}

#[tokio::test]
async fn image_urls_written_before_become_storage_keys_and_back() {
    let url = fresh_database_url().await;
    let db = Database::connect(&url).await.unwrap();
    let before_keys = Migrator::migrations()
        .iter()
        .position(|m| m.name().contains("alter_product_images_url_to_storage_key"))
        .expect("the migration is listed");
    Migrator::up(&db, Some(u32::try_from(before_keys).unwrap()))
        .await
        .unwrap();
    let product = "0190a8e2-0000-7000-8000-000000000001";
    for sql in [
        format!(
            "INSERT INTO products (id, name, slug, price_cents, currency, stock, is_active, created_at, updated_at) \
             VALUES ('{product}', 'Mug', 'mug', 100, 'EUR', 1, true, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        ),
        format!(
            "INSERT INTO product_images (id, product_id, url, created_at) \
             VALUES ('0190a8e2-0000-7000-8000-000000000002', '{product}', '/api/v1/images/abc123.png', '2026-01-01T00:00:00Z')"
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    let column = |name: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT {name} AS v FROM product_images"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<String>("", "v").unwrap()
        }
    };
    Migrator::up(&db, Some(1)).await.unwrap();
    assert_eq!(column("storage_key").await, "abc123.png");
    Migrator::down(&db, Some(1)).await.unwrap();
    assert_eq!(column("url").await, "/api/v1/images/abc123.png");
}
