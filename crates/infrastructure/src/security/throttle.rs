//! Failed-login throttling kept in process memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use keel_domain::identity::LoginThrottle;

/// Entries kept before expired windows are swept.
const SWEEP_THRESHOLD: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    failures: u32,
}

/// [`LoginThrottle`] with a fixed window per key: after `max_failures`
/// failures within `window`, the key is locked until the window ends. State is
/// per process; several instances each count on their own (see docs).
pub struct InMemoryLoginThrottle {
    max_failures: u32,
    window: Duration,
    state: Mutex<HashMap<String, Window>>,
}

impl InMemoryLoginThrottle {
    /// Locks a key for the rest of `window` after `max_failures` failures in it.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window,
            state: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl LoginThrottle for InMemoryLoginThrottle {
    async fn check(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let state = self.lock();
        let w = state.get(key)?;
        let ends = w.started + self.window;
        (w.failures >= self.max_failures && ends > now).then(|| {
            u64::try_from((ends - now).num_seconds())
                .unwrap_or(0)
                .max(1)
        })
    }

    async fn record_failure(&self, key: &str, now: DateTime<Utc>) {
        let mut state = self.lock();
        if state.len() >= SWEEP_THRESHOLD {
            let window = self.window;
            state.retain(|_, w| w.started + window > now);
        }
        let w = state.entry(key.to_owned()).or_insert(Window {
            started: now,
            failures: 0,
        });
        if w.started + self.window <= now {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures += 1;
    }

    async fn reset(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn locks_after_max_failures_until_the_window_ends() {
        let t = InMemoryLoginThrottle::new(3, Duration::seconds(60));
        let now = Utc::now();
        for _ in 0..2 {
            t.record_failure("k", now).await;
        }
        assert_eq!(t.check("k", now).await, None);
        t.record_failure("k", now).await;
        assert_eq!(t.check("k", now + Duration::seconds(10)).await, Some(50));
        assert_eq!(t.check("other", now).await, None);
        assert_eq!(t.check("k", now + Duration::seconds(60)).await, None);
    }

    #[tokio::test]
    async fn reset_forgets_failures_and_old_windows_restart() {
        let t = InMemoryLoginThrottle::new(2, Duration::seconds(60));
        let now = Utc::now();
        t.record_failure("k", now).await;
        t.record_failure("k", now).await;
        t.reset("k").await;
        assert_eq!(t.check("k", now).await, None);
        t.record_failure("k", now).await;
        t.record_failure("k", now + Duration::seconds(61)).await;
        assert_eq!(t.check("k", now + Duration::seconds(61)).await, None);
    }
}
