//! Adapters of the [`keel_domain::events::EventBus`] port: in-process (one
//! instance, e.g. on SQLite) and PostgreSQL LISTEN/NOTIFY (every instance on
//! one database).

mod memory;
mod postgres;

pub use memory::MemoryEventBus;
pub use postgres::PgEventBus;

use futures_util::stream;
use keel_domain::events::{Event, EventStream, GAP_TOPIC};
use tokio::sync::broadcast;

/// Events buffered per subscriber; one that falls further behind skips the
/// oldest (a warning is logged and it gets a [`GAP_TOPIC`] event) instead of
/// growing without bound.
pub const SUBSCRIBER_BUFFER: usize = 4_096;

/// A subscriber's stream over a broadcast receiver.
pub(crate) fn receiver_stream(rx: broadcast::Receiver<Event>) -> EventStream {
    Box::pin(stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(event) => Some((event, rx)),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "an event-bus subscriber fell behind and skipped events"
                );
                Some((gap(), rx))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }))
}

/// The event that tells subscribers some events may have been lost.
pub(crate) fn gap() -> Event {
    Event {
        topic: GAP_TOPIC.to_owned(),
        payload: String::new(),
    }
}
