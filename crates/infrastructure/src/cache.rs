//! A small time-bounded map for read-through caches of hot lookups.
//!
//! A read-through cache loads outside its lock, so a load that began before
//! an invalidation could store what the invalidation removed. Every removal
//! therefore moves an epoch, and [`TtlCache::insert_since`] stores a loaded
//! value only when no removal happened since its load began.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Entries kept before expired ones are swept (and, if still full, all dropped).
const DEFAULT_CAPACITY: usize = 100_000;

/// A map whose entries expire `ttl` after insertion. A zero `ttl` disables it.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
    epoch: AtomicU64,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A cache whose entries live for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            capacity: DEFAULT_CAPACITY,
            entries: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
        }
    }

    /// Whether caching is on (`ttl > 0`).
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live value under `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        if !self.enabled() {
            return None;
        }
        let mut entries = self.lock();
        match entries.get(key) {
            Some((at, v)) if at.elapsed() < self.ttl => Some(v.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Where removals stand; take it before loading a value to cache.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores `value` under `key` for `ttl`.
    pub fn insert(&self, key: K, value: V) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.lock();
        Self::store(self.ttl, self.capacity, &mut entries, key, value);
    }

    /// Stores `value` (loaded after [`Self::epoch`] returned `since`) unless
    /// something was removed meanwhile: it may be what was removed.
    pub fn insert_since(&self, since: u64, key: K, value: V) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.lock();
        if self.epoch() == since {
            Self::store(self.ttl, self.capacity, &mut entries, key, value);
        }
    }

    fn store(
        ttl: Duration,
        capacity: usize,
        entries: &mut HashMap<K, (Instant, V)>,
        key: K,
        value: V,
    ) {
        if entries.len() >= capacity {
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Drops `key`.
    pub fn remove(&self, key: &K) {
        let mut entries = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.remove(key);
    }

    /// Drops every entry whose value matches `pred`.
    pub fn remove_where(&self, pred: impl Fn(&V) -> bool) {
        let mut entries = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, (_, v)| !pred(v));
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut entries = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let long = TtlCache::new(Duration::from_secs(60));
        long.insert(1, "a");
        assert_eq!(long.get(&1), Some("a"));
        let short = TtlCache::new(Duration::from_millis(5));
        short.insert(1, "a");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(short.get(&1), None);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = TtlCache::new(Duration::ZERO);
        cache.insert(1, "a");
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn entries_can_be_removed_by_key_and_by_value() {
        let cache = TtlCache::new(Duration::from_secs(60));
        cache.insert(1, "a");
        cache.insert(2, "b");
        cache.insert(3, "b");
        cache.remove(&1);
        cache.remove_where(|v| *v == "b");
        assert_eq!(
            (cache.get(&1), cache.get(&2), cache.get(&3)),
            (None, None, None)
        );
    }

    #[test]
    fn a_load_that_began_before_a_removal_is_not_stored() {
        let cache = TtlCache::new(Duration::from_secs(60));
        let before = cache.epoch();
        cache.remove(&1);
        cache.insert_since(before, 1, "stale");
        assert_eq!(cache.get(&1), None);
        let now = cache.epoch();
        cache.insert_since(now, 1, "fresh");
        assert_eq!(cache.get(&1), Some("fresh"));
        cache.clear();
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn a_full_cache_makes_room() {
        let mut cache = TtlCache::new(Duration::from_secs(60));
        cache.capacity = 2;
        cache.insert(1, 1);
        cache.insert(2, 2);
        cache.insert(3, 3);
        assert_eq!(cache.get(&3), Some(3));
    }
}
