//! Counters every instance shares in Redis: the failed-login throttle and
//! rate-limit windows. Each update is one Lua script, atomic in Redis, so
//! parallel requests on any instances cannot overshoot a limit. While Redis
//! does not answer, each falls back to its per-instance twin (the throttle
//! then allows its maximum per instance, as without Redis).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::identity::LoginThrottle;
use keel_domain::limits::{RateCounter, WindowCount};
use sha2::{Digest, Sha256};

use super::Redis;
use crate::security::{InMemoryLoginThrottle, MemoryRateCounter};

/// Reserve one attempt unless the key holds the maximum: -1 when reserved,
/// else the milliseconds until the window ends.
const ACQUIRE: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return ttl
end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return -1
";

/// Give back one reserved attempt.
const RELEASE: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
";

/// Count one hit: the count and the milliseconds left in the window.
const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

/// A fixed-size Redis key for a caller's key (an attacker's long email
/// costs 64 hex characters).
fn key(redis: &Redis, kind: &str, raw: &str) -> String {
    let digest = Sha256::digest(raw.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    redis.key(&format!("{kind}:{hex}"))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// [`LoginThrottle`] shared by every instance on one Redis.
pub struct RedisLoginThrottle {
    redis: Redis,
    fallback: InMemoryLoginThrottle,
    max_failures: u32,
    window: Duration,
    acquire: redis::Script,
    release: redis::Script,
}

impl RedisLoginThrottle {
    /// Locks a key for the rest of `window` after `max_failures` attempts
    /// in it, counted in Redis by every instance.
    pub fn new(redis: Redis, max_failures: u32, window: chrono::Duration) -> Self {
        Self {
            redis,
            fallback: InMemoryLoginThrottle::new(max_failures, window),
            max_failures: max_failures.max(1),
            window: window.to_std().unwrap_or(Duration::from_secs(1)),
            acquire: redis::Script::new(ACQUIRE),
            release: redis::Script::new(RELEASE),
        }
    }
}

#[async_trait]
impl LoginThrottle for RedisLoginThrottle {
    async fn acquire(&self, raw: &str, now: DateTime<Utc>) -> Option<u64> {
        let k = key(&self.redis, "login", raw);
        let args = [u64::from(self.max_failures), millis(self.window)];
        match self.redis.eval::<i64>(&self.acquire, &[&k], &args).await {
            Ok(ms) if ms < 0 => None,
            Ok(ms) => Some(u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1)),
            Err(_) => self.fallback.acquire(raw, now).await,
        }
    }

    async fn release(&self, raw: &str) {
        let k = key(&self.redis, "login", raw);
        if self
            .redis
            .eval::<i64>(&self.release, &[&k], &[])
            .await
            .is_err()
        {
            self.fallback.release(raw).await;
        }
    }

    async fn reset(&self, raw: &str) {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(key(&self.redis, "login", raw));
        let _ = self.redis.run::<i64>(&cmd).await;
        self.fallback.reset(raw).await;
    }
}

/// [`RateCounter`] shared by every instance on one Redis.
pub struct RedisWindowCounter {
    redis: Redis,
    fallback: MemoryRateCounter,
    hit: redis::Script,
}

impl RedisWindowCounter {
    /// Counts in `redis`.
    pub fn new(redis: Redis) -> Self {
        Self {
            redis,
            fallback: MemoryRateCounter::default(),
            hit: redis::Script::new(HIT),
        }
    }
}

#[async_trait]
impl RateCounter for RedisWindowCounter {
    async fn hit(&self, raw: &str, window: Duration) -> WindowCount {
        let k = key(&self.redis, "rate", raw);
        match self
            .redis
            .eval::<(u64, i64)>(&self.hit, &[&k], &[millis(window)])
            .await
        {
            Ok((count, ms)) => WindowCount {
                count,
                resets_in: Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
            },
            Err(_) => self.fallback.count(raw, window),
        }
    }
}
