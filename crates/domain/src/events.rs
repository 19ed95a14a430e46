//! The event bus: how one instance tells every instance (itself included)
//! that something happened, e.g. a frame for a user's open sockets. One port
//! with an in-process adapter (one instance) and PostgreSQL LISTEN/NOTIFY
//! (several instances on one database); Redis pub/sub joins them with the
//! operations work.
//!
//! Besides free-form events the bus carries [`Invalidation`]s: what a write
//! on one instance made stale in every instance's caches (a logout, a
//! demotion, a product edit), so no instance serves it after the event
//! arrives.

use std::pin::Pin;

use async_trait::async_trait;
use futures_core::Stream;
use serde::{Deserialize, Serialize};

use crate::identity::{SessionId, UserId};

/// The topic of [`Invalidation`]s.
pub const INVALIDATION_TOPIC: &str = "invalidate";

/// The topic of the event an adapter hands its own subscribers (it never
/// travels between instances) when events may have been lost: its
/// connection dropped and came back, or a subscriber fell behind. Whoever
/// keeps state derived from events starts over (caches drop everything).
pub const GAP_TOPIC: &str = "bus.gap";

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

/// What a write made stale in every instance's per-instance caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Invalidation {
    /// One session (its whole refresh family) ended: logout, revocation,
    /// refresh-token reuse.
    Session {
        /// The family.
        family: SessionId,
    },
    /// Every session of `user` ended except `keep`: password change,
    /// deactivation, sign-out everywhere.
    UserSessions {
        /// Whose sessions.
        user: UserId,
        /// The one left (the caller's own on a password change).
        keep: Option<SessionId>,
    },
    /// The stored user changed (role, state, email, names).
    User {
        /// Who.
        user: UserId,
    },
    /// The product catalogue changed.
    Products,
}

impl Invalidation {
    /// The event that carries it.
    pub fn to_event(&self) -> Event {
        Event {
            topic: INVALIDATION_TOPIC.to_owned(),
            payload: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    /// The invalidation `event` carries, if it is one.
    pub fn from_event(event: &Event) -> Option<Self> {
        (event.topic == INVALIDATION_TOPIC)
            .then(|| serde_json::from_str(&event.payload).ok())
            .flatten()
    }

    /// Whether it ends the session `session` of `user`.
    pub fn ends_session(&self, user: UserId, session: Option<SessionId>) -> bool {
        match *self {
            Self::Session { family } => session == Some(family),
            Self::UserSessions { user: u, keep } => {
                u == user && (keep.is_none() || keep != session)
            }
            Self::User { .. } | Self::Products => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidations_round_trip_through_events_and_other_topics_are_not_read() {
        let user = UserId::generate();
        let all = [
            Invalidation::Session {
                family: SessionId::generate(),
            },
            Invalidation::UserSessions { user, keep: None },
            Invalidation::User { user },
            Invalidation::Products,
        ];
        for inv in all {
            let event = inv.to_event();
            assert!(event.payload.len() < MAX_EVENT_BYTES);
            assert_eq!(Invalidation::from_event(&event), Some(inv));
        }
        let other = Event::new("ws", Invalidation::Products.to_event().payload).unwrap();
        assert_eq!(Invalidation::from_event(&other), None);
        let garbled = Event::new(INVALIDATION_TOPIC, "{".into()).unwrap();
        assert_eq!(Invalidation::from_event(&garbled), None);
    }

    #[test]
    fn which_sessions_an_invalidation_ends() {
        let (user, other) = (UserId::generate(), UserId::generate());
        let (mine, kept) = (SessionId::generate(), SessionId::generate());
        let one = Invalidation::Session { family: mine };
        assert!(one.ends_session(user, Some(mine)));
        assert!(!one.ends_session(user, Some(kept)));
        assert!(
            !one.ends_session(user, None),
            "external tokens have no session"
        );
        let but_one = Invalidation::UserSessions {
            user,
            keep: Some(kept),
        };
        assert!(but_one.ends_session(user, Some(mine)));
        assert!(!but_one.ends_session(user, Some(kept)));
        assert!(but_one.ends_session(user, None));
        assert!(!but_one.ends_session(other, Some(mine)));
        let all = Invalidation::UserSessions { user, keep: None };
        assert!(all.ends_session(user, None) && all.ends_session(user, Some(kept)));
        assert!(!Invalidation::User { user }.ends_session(user, Some(mine)));
        assert!(!Invalidation::Products.ends_session(user, Some(mine)));
    }
}
