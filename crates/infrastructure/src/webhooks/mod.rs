//! Inbound webhook adapters: Svix signature verification for Clerk deliveries.

mod svix;

pub use svix::{SvixConfigError, SvixVerifier};
