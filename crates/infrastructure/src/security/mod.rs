//! Credential adapters: password hashing, Keel's tokens, login throttling
//! and rate-limit counting.

mod argon2_hasher;
mod jwt;
mod rate;
mod throttle;

pub use argon2_hasher::Argon2Hasher;
pub use jwt::{JwtConfig, JwtTokenService};
pub use rate::MemoryRateCounter;
pub use throttle::InMemoryLoginThrottle;
