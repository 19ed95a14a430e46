//! Keel's domain: entities, validated value types and the ports (traits) that
//! the application layer is written against. Nothing here knows about HTTP,
//! SQL, JWT libraries or hashing crates.

pub mod catalog;
pub mod clock;
pub mod error;
pub mod events;
pub mod identity;
mod ids;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod money;
pub mod ordering;
pub mod pagination;
pub mod profiles;
pub mod webhooks;
pub mod workspace;

pub use error::{Cause, FieldError, Forbidden, RepoError};
pub use pagination::{Page, PageRequest};
