//! The event bus: how one instance tells every instance (itself included)
//! that something happened, e.g. a frame for a user's open sockets. One port
//! with an in-process adapter (one instance) and PostgreSQL LISTEN/NOTIFY
//! (several instances on one database); Redis pub/sub joins them with the
//! operations work.

use std::pin::Pin;

use async_trait::async_trait;
use futures_core::Stream;

/// The largest payload every adapter carries (PostgreSQL's `NOTIFY` limit is
/// 8,000 bytes; the rest is left for the channel framing).
pub const MAX_EVENT_BYTES: usize = 7_000;

/// One message on the bus: a topic and a small text payload (JSON by
/// convention). Large data travels as a reference the receiver loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What it is about, e.g. `ws`.
    pub topic: String,
    /// The payload, at most [`MAX_EVENT_BYTES`] bytes with the topic.
    pub payload: String,
}

/// Events as they arrive; a subscriber that falls too far behind misses
/// some (see each adapter) rather than holding memory without bound.
pub type EventStream = Pin<Box<dyn Stream<Item = Event> + Send>>;

/// Why an event could not be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventBusError {
    /// Topic and payload exceed [`MAX_EVENT_BYTES`].
    #[error("the event is larger than {MAX_EVENT_BYTES} bytes")]
    TooLarge,
    /// The bus cannot be reached now.
    #[error("the event bus is unavailable: {0}")]
    Unavailable(String),
}

/// Publishes to every instance and subscribes to what every instance
/// publishes, in publication order per publisher.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Sends `event` to every subscriber of every instance, this one
    /// included.
    ///
    /// # Errors
    /// [`EventBusError`] when it is too large or the bus is down.
    async fn publish(&self, event: &Event) -> Result<(), EventBusError>;

    /// Everything published from now on.
    fn subscribe(&self) -> EventStream;
}

impl Event {
    /// An event, checked against [`MAX_EVENT_BYTES`].
    ///
    /// # Errors
    /// [`EventBusError::TooLarge`].
    pub fn new(topic: &str, payload: String) -> Result<Self, EventBusError> {
        if topic.len() + payload.len() > MAX_EVENT_BYTES {
            return Err(EventBusError::TooLarge);
        }
        Ok(Self {
            topic: topic.to_owned(),
            payload,
        })
    }
}
