//! `APP__ASSISTANT__*`.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__ASSISTANT__*`: which assistant answers chats and its limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AssistantSettings {
    /// `local` (offline, the default), `openai` or `bedrock`: answers chats
    /// without an agent and agents without a provider.
    pub default: String,
    /// Seconds a reply may take before it fails with 504.
    pub timeout_secs: u64,
    /// Replies one user may wait for at once, per instance (more: 429).
    pub max_in_flight: usize,
    /// Completed exchanges of the conversation sent as context.
    pub context_exchanges: u64,
    /// An OpenAI-compatible server.
    pub openai: OpenAiSettings,
    /// AWS Bedrock.
    pub bedrock: BedrockSettings,
}

impl Default for AssistantSettings {
    fn default() -> Self {
        Self {
            default: "local".into(),
            timeout_secs: 60,
            max_in_flight: 2,
            context_exchanges: 10,
            openai: OpenAiSettings::default(),
            bedrock: BedrockSettings::default(),
        }
    }
}

/// `APP__ASSISTANT__OPENAI__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct OpenAiSettings {
    /// Requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// Bearer key (alias `OPENAI_API_KEY`); local servers need none.
    pub api_key: Option<SecretString>,
    /// Model when the agent names none.
    pub model: Option<String>,
}

impl Default for OpenAiSettings {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: None,
            model: None,
        }
    }
}

/// `APP__ASSISTANT__BEDROCK__*` (credentials from the usual `AWS_*` variables).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BedrockSettings {
    /// AWS region (default: `AWS_REGION`, then `AWS_DEFAULT_REGION`).
    pub region: Option<String>,
    /// Model id when the agent names none.
    pub model: Option<String>,
    /// Another endpoint than `https://bedrock-runtime.{region}.amazonaws.com`
    /// (a VPC endpoint, or a fake in tests).
    pub endpoint: Option<String>,
}
