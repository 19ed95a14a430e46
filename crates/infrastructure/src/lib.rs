//! Keel's adapters: SeaORM repositories, the argon2 hasher, the HS256 token
//! service, the clock and the login throttle. Driver errors are translated
//! into port errors here and never leave this crate.

pub mod assistant;
pub mod cache;
pub mod clerk;
pub mod clock;
pub mod events;
pub mod invalidation;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod persistence;
pub mod redis;
pub mod security;
pub mod storage;
#[doc(hidden)]
pub mod test_support;
pub mod webhooks;

pub use clock::SystemClock;
