//! An OpenAI-compatible Chat Completions server (OpenAI, or a local Ollama,
//! vLLM or llama.cpp server): `POST {base}/chat/completions` with
//! `stream: true`, the reply read from its server-sent events.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Eventsource;
use futures_util::{StreamExt, stream};
use keel_domain::workspace::{Assistant, AssistantError, AssistantRequest, TextStream};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

/// The settings of one OpenAI-compatible server.
#[derive(Clone)]
pub struct OpenAiConfig {
    /// E.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    /// Bearer key; local servers need none.
    pub api_key: Option<String>,
    /// The model when the agent names none.
    pub model: Option<String>,
    /// The whole reply must arrive within this.
    pub timeout: Duration,
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// [`Assistant`] over an OpenAI-compatible Chat Completions endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiAssistant {
    client: reqwest::Client,
    config: OpenAiConfig,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

/// The provider's own words about a refusal, short and without the body.
fn provider_message(status: reqwest::StatusCode, body: &str) -> String {
    let said = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .map(|m| m.chars().take(200).collect::<String>());
    match said {
        Some(m) => format!("the provider answered {status}: {m}"),
        None => format!("the provider answered {status}"),
    }
}

impl OpenAiAssistant {
    /// An adapter with its own HTTP client (no redirects; the overall
    /// timeout is applied per reply).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client, config })
    }

    fn body(&self, request: &AssistantRequest, model: &str) -> Value {
        let mut messages = Vec::new();
        if let Some(system) = &request.instructions {
            messages.push(json!({"role": "system", "content": system}));
        }
        for turn in &request.history {
            messages.push(json!({"role": "user", "content": turn.user}));
            messages.push(json!({"role": "assistant", "content": turn.assistant}));
        }
        messages.push(json!({"role": "user", "content": request.message}));
        json!({"model": model, "stream": true, "messages": messages})
    }
}

#[async_trait]
impl Assistant for OpenAiAssistant {
    async fn reply(&self, request: &AssistantRequest) -> Result<TextStream, AssistantError> {
        let model = request
            .model
            .clone()
            .or_else(|| self.config.model.clone())
            .ok_or_else(|| {
                AssistantError::Provider(
                    "no model: set APP__ASSISTANT__OPENAI__MODEL or the agent's model".into(),
                )
            })?;
        let deadline = Instant::now() + self.config.timeout;
        let url = format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        );
        let mut call = self
            .client
            .post(url)
            .header("accept", "text/event-stream")
            .json(&self.body(request, &model));
        if let Some(key) = &self.config.api_key {
            call = call.bearer_auth(key);
        }
        let response = match tokio::time::timeout_at(deadline, call.send()).await {
            Err(_) => return Err(AssistantError::Timeout),
            Ok(Err(e)) if e.is_timeout() => return Err(AssistantError::Timeout),
            Ok(Err(e)) => {
                return Err(AssistantError::Provider(format!(
                    "the provider cannot be reached ({})",
                    e.without_url()
                )));
            }
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        if !status.is_success() {
            let body = tokio::time::timeout_at(deadline, response.text())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            return Err(AssistantError::Provider(provider_message(status, &body)));
        }
        let events = response.bytes_stream().eventsource();
        // Each delta, then `Ok(None)` at `[DONE]`; an error ends the reply.
        let deltas = stream::unfold((events, false), move |(mut events, finished)| async move {
            if finished {
                return None;
            }
            loop {
                let next = match tokio::time::timeout_at(deadline, events.next()).await {
                    Err(_) => return Some((Err(AssistantError::Timeout), (events, true))),
                    Ok(next) => next,
                };
                match next {
                    None => {
                        let cut =
                            AssistantError::Provider("the reply stream ended before [DONE]".into());
                        return Some((Err(cut), (events, true)));
                    }
                    Some(Err(e)) => {
                        let broken =
                            AssistantError::Provider(format!("the reply stream broke ({e})"));
                        return Some((Err(broken), (events, true)));
                    }
                    Some(Ok(event)) if event.data.trim() == "[DONE]" => return None,
                    Some(Ok(event)) => {
                        let Ok(chunk) = serde_json::from_str::<Chunk>(&event.data) else {
                            let bad = AssistantError::Provider(
                                "the provider sent an unreadable event".into(),
                            );
                            return Some((Err(bad), (events, true)));
                        };
                        let text: String = chunk
                            .choices
                            .into_iter()
                            .filter_map(|c| c.delta.content)
                            .collect();
                        if !text.is_empty() {
                            return Some((Ok(text), (events, false)));
                        }
                    }
                }
            }
        });
        Ok(Box::pin(deltas))
    }
}
