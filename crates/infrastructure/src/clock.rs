//! The real clock.

use chrono::{DateTime, SubsecRound, Utc};
use keel_domain::clock::Clock;

/// [`Clock`] backed by the system time, truncated to microseconds (what
/// PostgreSQL stores), so a value reads back as it was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
