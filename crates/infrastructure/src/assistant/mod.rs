//! Adapters of the [`keel_domain::workspace::Assistant`] port.

mod bedrock;
mod local;
mod openai;

pub use bedrock::{AwsKeys, BedrockAssistant, BedrockConfig};
pub use local::LocalAssistant;
pub use openai::{OpenAiAssistant, OpenAiConfig};
