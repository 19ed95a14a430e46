//! Cache invalidation between instances, over the event bus.
//!
//! The caching decorators (sessions, users, product pages) drop what a write
//! touches on their own instance at once and publish an
//! [`Invalidation`] on the bus; every instance's listener hands it to the
//! caches it tracks, so a logout or a demotion on one instance is honoured
//! by every instance as soon as the event arrives (milliseconds on
//! PostgreSQL LISTEN/NOTIFY or Redis pub/sub), not when the TTL runs out.
//! When the bus reports a gap (a reconnect, a subscriber that fell behind)
//! every tracked cache is cleared. When publishing fails the write still
//! stands and the other instances catch up within their TTL (logged).

use std::sync::{Arc, Mutex, PoisonError, Weak};

use futures_util::StreamExt;
use keel_domain::events::{EventBus, GAP_TOPIC, Invalidation};

/// A per-instance cache that other instances' writes must reach.
pub trait SharedCache: Send + Sync {
    /// Drops what `what` made stale.
    fn invalidate(&self, what: &Invalidation);
    /// Drops everything (events may have been lost).
    fn clear(&self);
}

/// Publishes invalidations and applies every instance's to the tracked
/// caches. Cheap to clone.
#[derive(Clone, Default)]
pub struct Invalidations {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    bus: Option<Arc<dyn EventBus>>,
    caches: Mutex<Vec<Weak<dyn SharedCache>>>,
}

impl Invalidations {
    /// This instance only (a one-off command): nothing is published.
    pub fn local() -> Self {
        Self::default()
    }

    /// Publishes on `bus` and applies what arrives on it, from every
    /// instance, to the caches later [`track`](Self::track)ed. Needs a
    /// Tokio runtime (the listener is a task).
    pub fn over(bus: Arc<dyn EventBus>) -> Self {
        let mut events = bus.subscribe();
        let inner = Arc::new(Inner {
            bus: Some(bus),
            caches: Mutex::default(),
        });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                let Some(inner) = weak.upgrade() else { break };
                if event.topic == GAP_TOPIC {
                    tracing::info!("cache invalidation: the bus reported a gap; clearing caches");
                    inner.each(|c| c.clear());
                } else if let Some(what) = Invalidation::from_event(&event) {
                    inner.each(|c| c.invalidate(&what));
                }
            }
        });
        Self { inner }
    }

    /// Applies invalidations from the bus to `cache` from now on.
    pub fn track(&self, cache: Arc<dyn SharedCache>) {
        self.inner.lock().push(Arc::downgrade(&cache));
    }

    /// Tells every instance (this one included) that `what` is stale.
    pub async fn publish(&self, what: Invalidation) {
        let Some(bus) = &self.inner.bus else { return };
        if let Err(e) = bus.publish(&what.to_event()).await {
            tracing::warn!(
                error = %e,
                ?what,
                "cache invalidation could not be published; other instances catch up within their cache TTL"
            );
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<dyn SharedCache>>> {
        self.caches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn each(&self, f: impl Fn(&dyn SharedCache)) {
        let live: Vec<Arc<dyn SharedCache>> = {
            let mut caches = self.lock();
            caches.retain(|c| c.strong_count() > 0);
            caches.iter().filter_map(Weak::upgrade).collect()
        };
        for cache in live {
            f(cache.as_ref());
        }
    }
}
