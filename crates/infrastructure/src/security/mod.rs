//! Credential adapters: password hashing, Keel's tokens and login throttling.

mod argon2_hasher;
mod jwt;
mod throttle;

pub use argon2_hasher::Argon2Hasher;
pub use jwt::{JwtConfig, JwtTokenService};
pub use throttle::InMemoryLoginThrottle;
