//! The event bus of the configured database: PostgreSQL LISTEN/NOTIFY with
//! `TEST_DATABASE_URL` (two instances, each with its own pool), the
//! in-process bus on SQLite (one process owns the database).

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use keel_domain::events::{Event, EventBus, EventBusError, GAP_TOPIC, MAX_EVENT_BYTES};
use keel_infrastructure::events::{MemoryEventBus, PgEventBus};
use sea_orm::{ConnectionTrait, DatabaseBackend};

#[tokio::test]
async fn what_one_instance_publishes_every_instance_receives_in_order() {
    let db = common::fresh_db().await;
    let (a, b): (Arc<dyn EventBus>, Arc<dyn EventBus>) =
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let other = common::reopen().await;
            (
                Arc::new(PgEventBus::start(&db).await.unwrap()),
                Arc::new(PgEventBus::start(&other).await.unwrap()),
            )
        } else {
            let bus = MemoryEventBus::default();
            (Arc::new(bus.clone()), Arc::new(bus))
        };
    let mut on_a = a.subscribe();
    let mut on_b = b.subscribe();
    for n in 0..20 {
        a.publish(&Event::new("ws", format!("{{\"n\":{n}}}")).unwrap())
            .await
            .unwrap();
    }
    b.publish(&Event::new("cache", "from b".into()).unwrap())
        .await
        .unwrap();
    for stream in [&mut on_a, &mut on_b] {
        let got: Vec<Event> = tokio::time::timeout(
            Duration::from_secs(10),
            stream.by_ref().take(21).collect::<Vec<_>>(),
        )
        .await
        .expect("every event arrives");
        let expected: Vec<String> = (0..20).map(|n| format!("{{\"n\":{n}}}")).collect();
        let ws: Vec<String> = got
            .iter()
            .filter(|e| e.topic == "ws")
            .map(|e| e.payload.clone())
            .collect();
        assert_eq!(ws, expected, "in publication order");
        assert!(
            got.iter()
                .any(|e| e.topic == "cache" && e.payload == "from b")
        );
    }
    let big = Event {
        topic: "ws".into(),
        payload: "x".repeat(MAX_EVENT_BYTES + 1),
    };
    assert_eq!(a.publish(&big).await, Err(EventBusError::TooLarge));
}

/// PostgreSQL only (`make test-sqlite` skips `postgres_*`): the in-process
/// bus has no connection to lose.
#[tokio::test]
async fn postgres_a_lost_listening_connection_reports_a_gap_and_listens_again() {
    assert!(
        common::on_postgres(),
        "the LISTEN connection exists only on PostgreSQL: run with TEST_DATABASE_URL"
    );
    let db = common::fresh_db().await;
    let bus = PgEventBus::start(&db).await.unwrap();
    let mut events = bus.subscribe();
    // Cut the listening connection from the server side, as a failover or
    // an idle-connection reaper would.
    let admin = common::reopen().await;
    let killed = admin
        .query_all_raw(sea_orm::Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ))
        .await
        .unwrap();
    assert_eq!(killed.len(), 1, "one listening connection per bus");
    let first = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the gap is reported")
        .unwrap();
    assert_eq!(first.topic, GAP_TOPIC);
    // Listening again: a later event arrives (retried, as the reconnect
    // takes a moment and NOTIFY does not wait for it).
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            bus.publish(&Event::new("ws", "after".into()).unwrap())
                .await
                .unwrap();
            if let Ok(Some(e)) =
                tokio::time::timeout(Duration::from_millis(200), events.next()).await
                && e.topic == "ws"
            {
                return e.payload;
            }
        }
    })
    .await
    .expect("events flow again after the reconnect");
    assert_eq!(got, "after");
}
