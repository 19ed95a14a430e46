//! Fixed-window hit counting in process memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use keel_domain::limits::{RateCounter, WindowCount};
use sha2::{Digest, Sha256};

/// Keys kept at most; past it, ended windows are swept and, if still full,
/// everything is dropped (a flood of distinct keys cannot grow memory).
pub const MAX_KEYS: usize = 100_000;

/// [`RateCounter`] for one instance.
pub struct MemoryRateCounter {
    max_keys: usize,
    windows: Mutex<HashMap<[u8; 32], (Instant, Duration, u64)>>,
}

impl Default for MemoryRateCounter {
    fn default() -> Self {
        Self::with_capacity(MAX_KEYS)
    }
}

impl MemoryRateCounter {
    /// Keeps at most `max_keys` windows.
    pub fn with_capacity(max_keys: usize) -> Self {
        Self {
            max_keys: max_keys.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit of `key` (synchronous: one short lock).
    pub fn count(&self, key: &str, window: Duration) -> WindowCount {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() >= self.max_keys && !windows.contains_key(&digest) {
            windows.retain(|_, (start, len, _)| now.duration_since(*start) < *len);
            if windows.len() >= self.max_keys {
                windows.clear();
            }
        }
        let slot = windows.entry(digest).or_insert((now, window, 0));
        if now.duration_since(slot.0) >= slot.1 {
            *slot = (now, window, 0);
        }
        slot.2 += 1;
        WindowCount {
            count: slot.2,
            resets_in: slot.1.saturating_sub(now.duration_since(slot.0)),
        }
    }
}

#[async_trait]
impl RateCounter for MemoryRateCounter {
    async fn hit(&self, key: &str, window: Duration) -> WindowCount {
        self.count(key, window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_count_per_key_until_the_window_ends() {
        let counter = MemoryRateCounter::default();
        let w = Duration::from_millis(50);
        assert_eq!(counter.count("a", w).count, 1);
        assert_eq!(counter.count("a", w).count, 2);
        assert_eq!(counter.count("b", w).count, 1);
        assert!(counter.count("a", w).resets_in <= w);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(counter.count("a", w).count, 1, "a new window");
    }

    #[test]
    fn a_flood_of_keys_stays_bounded() {
        let counter = MemoryRateCounter::with_capacity(10);
        for n in 0..100 {
            counter.count(&n.to_string(), Duration::from_secs(60));
        }
        assert!(counter.windows.lock().unwrap().len() <= 10);
    }
}
