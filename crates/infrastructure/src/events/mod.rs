//! Adapters of the [`keel_domain::events::EventBus`] port: in-process (one
//! instance, e.g. on SQLite) and PostgreSQL LISTEN/NOTIFY (every instance on
//! one database).

mod memory;
mod postgres;

pub use memory::MemoryEventBus;
pub use postgres::PgEventBus;

use futures_util::stream;
use keel_domain::events::{Event, EventStream};
use tokio::sync::broadcast;

/// Events buffered per subscriber; one that falls further behind skips the
/// oldest (and a warning is logged) instead of growing without bound.
pub const SUBSCRIBER_BUFFER: usize = 4_096;

/// A subscriber's stream over a broadcast receiver.
fn receiver_stream(rx: broadcast::Receiver<Event>) -> EventStream {
    Box::pin(stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(event) => return Some((event, rx)),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "an event-bus subscriber fell behind and skipped events"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}
