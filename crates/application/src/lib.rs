//! Keel's use cases. Written against the domain's ports only, so every rule
//! here is unit-tested with mocked ports.

pub mod catalog;
pub mod error;
pub mod identity;
pub mod mail;
pub mod ordering;
pub mod profiles;
pub mod webhooks;
pub mod workspace;

#[cfg(test)]
mod test_support;
