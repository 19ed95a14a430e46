//! Keel's use cases. Written against the domain's ports only, so every rule
//! here is unit-tested with mocked ports.

pub mod identity;
pub mod shop;
pub mod webhooks;
