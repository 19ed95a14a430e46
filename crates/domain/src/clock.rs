//! Time as a port, so expiry and rotation are unit-testable.

use chrono::{DateTime, Utc};

/// The source of the current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}
