//! PostgreSQL LISTEN/NOTIFY: every instance on one database sees every
//! instance's events. One listening connection per instance feeds its
//! subscribers; a lost connection is re-established by sqlx's listener
//! (events sent meanwhile are lost, as NOTIFY does not queue for absent
//! listeners, so subscribers get a
//! [`keel_domain::events::GAP_TOPIC`] event first).

use std::time::Duration;

use async_trait::async_trait;
use keel_domain::events::{Event, EventBus, EventBusError, EventStream, MAX_EVENT_BYTES};
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::broadcast;

use super::{SUBSCRIBER_BUFFER, gap, receiver_stream};

/// The NOTIFY channel Keel uses.
pub const CHANNEL: &str = "keel_events";

/// [`EventBus`] over PostgreSQL's LISTEN/NOTIFY.
#[derive(Debug, Clone)]
pub struct PgEventBus {
    pool: PgPool,
    tx: broadcast::Sender<Event>,
}

impl PgEventBus {
    /// Starts listening on `db` (a PostgreSQL pool); the listener runs in
    /// the background for the life of the process.
    ///
    /// # Errors
    /// When `db` is not PostgreSQL or the first LISTEN fails.
    pub async fn start(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let pool = db.get_postgres_connection_pool().clone();
        let mut listener = PgListener::connect_with(&pool)
            .await
            .map_err(|e| DbErr::Custom(format!("event bus: {e}")))?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(|e| DbErr::Custom(format!("event bus: {e}")))?;
        let (tx, _) = broadcast::channel(SUBSCRIBER_BUFFER);
        let feed = tx.clone();
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    // The connection dropped; the next call reconnects. What
                    // was sent meanwhile is lost: say so.
                    Ok(None) => {
                        tracing::warn!(
                            "event bus: the listening connection was lost; reconnecting"
                        );
                        let _ = feed.send(gap());
                    }
                    Ok(Some(note)) => {
                        if let Some((topic, payload)) = note.payload().split_once('\n') {
                            let _ = feed.send(Event {
                                topic: topic.to_owned(),
                                payload: payload.to_owned(),
                            });
                        }
                    }
                    // The pool is closing (shutdown): give its connection back
                    // so the close can finish.
                    Err(sea_orm::sqlx::Error::PoolClosed) => break,
                    Err(e) => {
                        // The next call tries to reconnect and listen again.
                        tracing::warn!(error = %e, "event bus: the listening connection failed; reconnecting");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        Ok(Self { pool, tx })
    }
}

#[async_trait]
impl EventBus for PgEventBus {
    async fn publish(&self, event: &Event) -> Result<(), EventBusError> {
        if event.topic.len() + event.payload.len() > MAX_EVENT_BYTES || event.topic.contains('\n') {
            return Err(EventBusError::TooLarge);
        }
        sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{}\n{}", event.topic, event.payload))
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| EventBusError::Unavailable(e.to_string()))
    }

    fn subscribe(&self) -> EventStream {
        receiver_stream(self.tx.subscribe())
    }
}
