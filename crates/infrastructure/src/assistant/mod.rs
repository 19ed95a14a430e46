//! Adapters of the [`keel_domain::workspace::Assistant`] port.

mod local;

pub use local::LocalAssistant;
