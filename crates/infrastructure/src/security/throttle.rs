//! Failed-login throttling kept in process memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use keel_domain::identity::LoginThrottle;
use sha2::{Digest, Sha256};

/// Keys kept at most; past it, expired windows are swept and then the
/// oldest tenth is evicted, so a flood of distinct keys cannot grow memory.
pub const MAX_KEYS: usize = 100_000;

/// A fixed-size key: the SHA-256 of the caller's key, so an attacker's
/// 64 KiB email costs 32 bytes here.
type KeyDigest = [u8; 32];

#[derive(Debug, Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    attempts: u32,
}

/// [`LoginThrottle`] with a fixed window per key: each attempt is reserved
/// under one lock before the password is checked, and after `max_failures`
/// reserved attempts within `window` the key is locked until the window
/// ends. State is per process; several instances each count on their own.
pub struct InMemoryLoginThrottle {
    max_failures: u32,
    window: Duration,
    max_keys: usize,
    state: Mutex<HashMap<KeyDigest, Window>>,
}

impl InMemoryLoginThrottle {
    /// Locks a key for the rest of `window` after `max_failures` attempts in it.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self::with_capacity(max_failures, window, MAX_KEYS)
    }

    /// As [`Self::new`], keeping at most `max_keys` keys.
    pub fn with_capacity(max_failures: u32, window: Duration, max_keys: usize) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window,
            max_keys: max_keys.max(10),
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Keys currently held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<KeyDigest, Window>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn digest(key: &str) -> KeyDigest {
        Sha256::digest(key.as_bytes()).into()
    }

    fn make_room(&self, state: &mut HashMap<KeyDigest, Window>, now: DateTime<Utc>) {
        if state.len() < self.max_keys {
            return;
        }
        let window = self.window;
        state.retain(|_, w| w.started + window > now);
        if state.len() < self.max_keys {
            return;
        }
        let mut starts: Vec<DateTime<Utc>> = state.values().map(|w| w.started).collect();
        let cut = starts.len() / 10;
        let (_, oldest_kept, _) = starts.select_nth_unstable(cut);
        let oldest_kept = *oldest_kept;
        state.retain(|_, w| w.started >= oldest_kept);
        if state.len() >= self.max_keys {
            let victims: Vec<KeyDigest> = state.keys().take(cut.max(1)).copied().collect();
            for k in victims {
                state.remove(&k);
            }
        }
    }
}

#[async_trait]
impl LoginThrottle for InMemoryLoginThrottle {
    async fn acquire(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let digest = Self::digest(key);
        let mut state = self.lock();
        if !state.contains_key(&digest) {
            self.make_room(&mut state, now);
        }
        let w = state.entry(digest).or_insert(Window {
            started: now,
            attempts: 0,
        });
        let ends = w.started + self.window;
        if ends <= now {
            *w = Window {
                started: now,
                attempts: 0,
            };
        } else if w.attempts >= self.max_failures {
            return Some(
                u64::try_from((ends - now).num_seconds())
                    .unwrap_or(0)
                    .max(1),
            );
        }
        w.attempts += 1;
        None
    }

    async fn release(&self, key: &str) {
        if let Some(w) = self.lock().get_mut(&Self::digest(key)) {
            w.attempts = w.attempts.saturating_sub(1);
        }
    }

    async fn reset(&self, key: &str) {
        self.lock().remove(&Self::digest(key));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn locks_after_max_attempts_until_the_window_ends() {
        let t = InMemoryLoginThrottle::new(3, Duration::seconds(60));
        let now = Utc::now();
        for _ in 0..3 {
            assert_eq!(t.acquire("k", now).await, None);
        }
        assert_eq!(t.acquire("k", now + Duration::seconds(10)).await, Some(50));
        assert_eq!(t.acquire("other", now).await, None);
        assert_eq!(t.acquire("k", now + Duration::seconds(60)).await, None);
    }

    #[tokio::test]
    async fn reset_forgets_attempts_and_release_returns_one() {
        let t = InMemoryLoginThrottle::new(2, Duration::seconds(60));
        let now = Utc::now();
        assert_eq!(t.acquire("k", now).await, None);
        assert_eq!(t.acquire("k", now).await, None);
        t.reset("k").await;
        assert_eq!(t.acquire("k", now).await, None);
        assert_eq!(t.acquire("k", now).await, None);
        assert!(t.acquire("k", now).await.is_some());
        t.release("k").await;
        assert_eq!(
            t.acquire("k", now).await,
            None,
            "a released attempt is free again"
        );
    }

    #[tokio::test]
    async fn a_hundred_parallel_attempts_reserve_at_most_the_limit() {
        let t = Arc::new(InMemoryLoginThrottle::new(5, Duration::seconds(900)));
        let now = Utc::now();
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let t = Arc::clone(&t);
            tasks.push(tokio::spawn(async move { t.acquire("ip|ada", now).await }));
        }
        let mut admitted = 0;
        for task in tasks {
            if task.await.unwrap().is_none() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 5);
    }

    #[tokio::test]
    async fn keys_are_bounded_in_size_and_in_number() {
        let t = InMemoryLoginThrottle::with_capacity(5, Duration::seconds(900), 1_000);
        let now = Utc::now();
        let huge = "x".repeat(64 * 1024);
        for i in 0..5_000 {
            t.acquire(&format!("{i}|{huge}"), now + Duration::milliseconds(i))
                .await;
        }
        assert!(t.len() <= 1_000, "{} keys held", t.len());
        let newest = format!("4999|{huge}");
        assert_eq!(t.acquire(&newest, now + Duration::seconds(5)).await, None);
        assert_eq!(
            std::mem::size_of::<KeyDigest>(),
            32,
            "a key costs 32 bytes whatever its length"
        );
    }
}
