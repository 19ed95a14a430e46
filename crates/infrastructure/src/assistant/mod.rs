//! Adapters of the [`keel_domain::workspace::Assistant`] port.

mod local;
mod openai;

pub use local::LocalAssistant;
pub use openai::{OpenAiAssistant, OpenAiConfig};
