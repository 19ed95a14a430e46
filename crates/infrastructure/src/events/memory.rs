//! The in-process bus: one instance's subscribers see its own events.

use async_trait::async_trait;
use keel_domain::events::{Event, EventBus, EventBusError, EventStream, MAX_EVENT_BYTES};
use tokio::sync::broadcast;

use super::{SUBSCRIBER_BUFFER, receiver_stream};

/// [`EventBus`] within one process (SQLite: one process owns the database).
#[derive(Debug, Clone)]
pub struct MemoryEventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for MemoryEventBus {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(SUBSCRIBER_BUFFER).0,
        }
    }
}

#[async_trait]
impl EventBus for MemoryEventBus {
    async fn publish(&self, event: &Event) -> Result<(), EventBusError> {
        if event.topic.len() + event.payload.len() > MAX_EVENT_BYTES {
            return Err(EventBusError::TooLarge);
        }
        // No subscriber is not an error: nobody is listening yet.
        let _ = self.tx.send(event.clone());
        Ok(())
    }

    fn subscribe(&self) -> EventStream {
        receiver_stream(self.tx.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn every_subscriber_gets_every_event_in_order_and_oversize_is_refused() {
        let bus = MemoryEventBus::default();
        let mut a = bus.subscribe();
        let mut b = bus.subscribe();
        for n in 0..3 {
            bus.publish(&Event::new("t", format!("{n}")).unwrap())
                .await
                .unwrap();
        }
        for s in [&mut a, &mut b] {
            let got: Vec<String> = s.take(3).map(|e| e.payload).collect().await;
            assert_eq!(got, ["0", "1", "2"]);
        }
        let big = Event {
            topic: "t".into(),
            payload: "x".repeat(MAX_EVENT_BYTES),
        };
        assert_eq!(bus.publish(&big).await, Err(EventBusError::TooLarge));
        assert!(Event::new("t", "x".repeat(MAX_EVENT_BYTES)).is_err());
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_of_the_gap() {
        let bus = MemoryEventBus::default();
        let mut slow = bus.subscribe();
        for n in 0..super::SUBSCRIBER_BUFFER + 10 {
            bus.publish(&Event::new("t", n.to_string()).unwrap())
                .await
                .unwrap();
        }
        let first = slow.next().await.unwrap();
        assert_eq!(first.topic, keel_domain::events::GAP_TOPIC);
        let next = slow.next().await.unwrap();
        assert_eq!(next.payload, "10", "then the oldest event still buffered");
    }
}
