//! The event bus over Redis pub/sub: every instance on one Redis sees every
//! instance's events. One subscription per instance feeds its subscribers;
//! a lost subscription is re-established with a `bus.gap` event first (pub/sub
//! keeps nothing for absent subscribers). While Redis does not answer, what
//! this instance publishes still reaches its own subscribers.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use keel_domain::events::{Event, EventBus, EventBusError, EventStream, MAX_EVENT_BYTES};
use tokio::sync::broadcast;

use super::{COMMAND_TIMEOUT, Redis};
use crate::events::{SUBSCRIBER_BUFFER, gap, receiver_stream};

/// [`EventBus`] over Redis pub/sub.
#[derive(Debug, Clone)]
pub struct RedisEventBus {
    redis: Redis,
    tx: broadcast::Sender<Event>,
    _alive: Arc<()>,
}

impl RedisEventBus {
    /// Subscribes in the background (retrying until Redis answers) and
    /// publishes through `redis`. Needs a Tokio runtime.
    pub fn start(redis: Redis) -> Self {
        let (tx, _) = broadcast::channel(SUBSCRIBER_BUFFER);
        let alive = Arc::new(());
        tokio::spawn(listen(
            redis.client.clone(),
            redis.key("events"),
            tx.clone(),
            Arc::downgrade(&alive),
        ));
        Self {
            redis,
            tx,
            _alive: alive,
        }
    }
}

async fn listen(
    client: redis::Client,
    channel: String,
    feed: broadcast::Sender<Event>,
    alive: Weak<()>,
) {
    let mut lost = false;
    while alive.strong_count() > 0 {
        let subscribed = tokio::time::timeout(COMMAND_TIMEOUT * 4, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        let Ok(Ok(pubsub)) = subscribed else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        if lost {
            // What was published while we were away is gone: say so.
            let _ = feed.send(gap());
        }
        let mut messages = pubsub.into_on_message();
        while let Some(msg) = messages.next().await {
            if alive.strong_count() == 0 {
                return;
            }
            let Ok(text) = std::str::from_utf8(msg.get_payload_bytes()) else {
                continue;
            };
            if let Some((topic, payload)) = text.split_once('\n') {
                let _ = feed.send(Event {
                    topic: topic.to_owned(),
                    payload: payload.to_owned(),
                });
            }
        }
        tracing::warn!("event bus: the Redis subscription was lost; reconnecting");
        lost = true;
        let _ = feed.send(gap());
    }
}

#[async_trait]
impl EventBus for RedisEventBus {
    async fn publish(&self, event: &Event) -> Result<(), EventBusError> {
        if event.topic.len() + event.payload.len() > MAX_EVENT_BYTES || event.topic.contains('\n') {
            return Err(EventBusError::TooLarge);
        }
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(self.redis.key("events"))
            .arg(format!("{}\n{}", event.topic, event.payload));
        match self.redis.run::<i64>(&cmd).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // This instance keeps working on its own.
                let _ = self.tx.send(event.clone());
                Err(EventBusError::Unavailable(e))
            }
        }
    }

    fn subscribe(&self) -> EventStream {
        receiver_stream(self.tx.subscribe())
    }
}
