//! Counting hits per key in fixed windows: the store behind rate limits.
//! One adapter counts in process memory (one instance), another in Redis
//! (every instance shares the count).

use std::time::Duration;

use async_trait::async_trait;

/// The state of a key's window after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Hits in the current window, this one included.
    pub count: u64,
    /// Time until the window ends and the count starts over.
    pub resets_in: Duration,
}

/// Counts hits per key in fixed windows.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateCounter: Send + Sync {
    /// Counts one hit of `key` in its current window of length `window`.
    /// Never fails: an adapter whose store is away counts on its own.
    async fn hit(&self, key: &str, window: Duration) -> WindowCount;
}
