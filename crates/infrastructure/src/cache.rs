//! A small time-bounded map for read-through caches of hot lookups.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Entries kept before expired ones are swept (and, if still full, all dropped).
const DEFAULT_CAPACITY: usize = 100_000;

/// A map whose entries expire `ttl` after insertion. A zero `ttl` disables it.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A cache whose entries live for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            capacity: DEFAULT_CAPACITY,
            entries: Mutex::new(HashMap::new()),
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

    /// Stores `value` under `key` for `ttl`.
    pub fn insert(&self, key: K, value: V) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Drops `key`.
    pub fn remove(&self, key: &K) {
        self.lock().remove(key);
    }

    /// Drops every entry whose value matches `pred`.
    pub fn remove_where(&self, pred: impl Fn(&V) -> bool) {
        self.lock().retain(|_, (_, v)| !pred(v));
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
    fn a_full_cache_makes_room() {
        let mut cache = TtlCache::new(Duration::from_secs(60));
        cache.capacity = 2;
        cache.insert(1, 1);
        cache.insert(2, 2);
        cache.insert(3, 3);
        assert_eq!(cache.get(&3), Some(3));
    }
}
