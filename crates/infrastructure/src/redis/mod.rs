//! Redis as optional shared state between instances (`APP__REDIS__URL`):
//! the event bus over pub/sub, the login throttle and rate-limit counters.
//!
//! Redis is never required to serve: every adapter here falls back to its
//! per-instance twin while Redis does not answer (the bus delivers to this
//! instance's subscribers, the counters count on this instance) and uses
//! Redis again as soon as it answers; the connection manager reconnects by
//! itself. Each command is bounded by a short timeout so an outage costs a
//! request at most that, never a hung worker.

mod bus;
mod counters;

pub use bus::RedisEventBus;
pub use counters::{RedisLoginThrottle, RedisWindowCounter};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long one command may take before Redis counts as down for it.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// A Redis server: a self-reconnecting connection for commands and the
/// client to open subscriptions with. Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    prefix: String,
    conn: ConnectionManager,
    warned: Arc<AtomicU64>,
    born: Instant,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.write_str("Redis { .. }")
    }
}

impl Redis {
    /// A lazy connection to `url` (`redis://[:password@]host:port[/db]`):
    /// nothing is dialled until the first command, so an instance starts
    /// while Redis is down. Every key and the channel start with `prefix`
    /// (several deployments can share one Redis).
    ///
    /// # Errors
    /// A URL that does not parse.
    pub fn open(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("APP__REDIS__URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|e| format!("Redis: {e}"))?;
        Ok(Self {
            client,
            prefix: prefix.to_owned(),
            conn,
            warned: Arc::new(AtomicU64::new(0)),
            born: Instant::now(),
        })
    }

    /// `prefix:name`.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// Runs `cmd`, bounded by [`COMMAND_TIMEOUT`].
    pub(crate) async fn run<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> Result<T, String> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(COMMAND_TIMEOUT, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.failed(&e.to_string())),
            Err(_) => Err(self.failed("timed out")),
        }
    }

    /// Runs `script` with `keys` and `args`, bounded by [`COMMAND_TIMEOUT`].
    pub(crate) async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        keys: &[&str],
        args: &[u64],
    ) -> Result<T, String> {
        let mut invocation = script.prepare_invoke();
        for k in keys {
            invocation.key(*k);
        }
        for a in args {
            invocation.arg(*a);
        }
        let mut conn = self.conn.clone();
        match tokio::time::timeout(COMMAND_TIMEOUT, invocation.invoke_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.failed(&e.to_string())),
            Err(_) => Err(self.failed("timed out")),
        }
    }

    /// Whether Redis answers a `PING` now.
    pub async fn ping(&self) -> bool {
        self.run::<String>(&redis::cmd("PING")).await.is_ok()
    }

    /// Logs a failure at most once per ten seconds (an outage would
    /// otherwise log once per request) and returns its text.
    fn failed(&self, error: &str) -> String {
        let now = self.born.elapsed().as_secs();
        let last = self.warned.load(Ordering::Relaxed);
        if (last == 0 || now >= last + 10)
            && self
                .warned
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                error,
                "Redis does not answer; using per-instance fallbacks until it does"
            );
        }
        error.to_owned()
    }
}
