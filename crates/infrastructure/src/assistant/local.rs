//! The offline assistant: the default when no provider is configured, so a
//! fresh `make run` answers chats without a key or a network. It is
//! deterministic and says plainly that it is not a model.

use async_trait::async_trait;
use futures_util::stream;
use keel_domain::workspace::{Assistant, AssistantError, AssistantRequest, TextStream};

/// How much of the message the reply quotes, in characters.
const QUOTE_MAX: usize = 200;

/// Echoes and summarises; streams its reply word by word.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalAssistant;

impl LocalAssistant {
    /// The whole reply to `request`.
    pub fn compose(request: &AssistantRequest) -> String {
        let message = request.message.trim();
        let words = message.split_whitespace().count();
        let chars = message.chars().count();
        let mut quote: String = message.chars().take(QUOTE_MAX).collect();
        if chars > QUOTE_MAX {
            quote.push('…');
        }
        let mut reply = format!(
            "[offline assistant: no language model is configured] You wrote {words} word{} \
             ({chars} character{}): \"{quote}\".",
            plural(words),
            plural(chars),
        );
        if !request.history.is_empty() {
            let n = request.history.len();
            reply.push_str(&format!(
                " This conversation has {n} earlier exchange{}.",
                plural(n)
            ));
        }
        if request.instructions.is_some() {
            reply.push_str(" The agent's instructions are noted but not followed offline.");
        }
        reply.push_str(
            " Set APP__ASSISTANT__DEFAULT to openai or bedrock, or an agent's provider, for real replies.",
        );
        reply
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[async_trait]
impl Assistant for LocalAssistant {
    async fn reply(&self, request: &AssistantRequest) -> Result<TextStream, AssistantError> {
        let reply = Self::compose(request);
        // Word by word, each delta keeping its trailing space.
        let mut deltas = Vec::new();
        let mut start = 0;
        for (i, c) in reply.char_indices() {
            if c == ' ' {
                deltas.push(Ok(reply[start..=i].to_owned()));
                start = i + 1;
            }
        }
        if start < reply.len() {
            deltas.push(Ok(reply[start..].to_owned()));
        }
        Ok(Box::pin(stream::iter(deltas)))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;
    use keel_domain::workspace::Turn;

    use super::*;

    fn request(message: &str, history: usize) -> AssistantRequest {
        AssistantRequest {
            model: None,
            instructions: Some("Be brief.".into()),
            history: (0..history)
                .map(|i| Turn {
                    user: format!("q{i}"),
                    assistant: format!("a{i}"),
                })
                .collect(),
            message: message.into(),
        }
    }

    #[tokio::test]
    async fn it_streams_a_labelled_deterministic_summary_word_by_word() {
        let req = request("hello there world", 2);
        let deltas: Vec<String> = LocalAssistant
            .reply(&req)
            .await
            .unwrap()
            .map(Result::unwrap)
            .collect()
            .await;
        assert!(deltas.len() > 10, "streamed in pieces");
        let whole = deltas.concat();
        assert_eq!(whole, LocalAssistant::compose(&req), "deterministic");
        assert!(whole.starts_with("[offline assistant: no language model is configured]"));
        assert!(whole.contains("You wrote 3 words (17 characters): \"hello there world\""));
        assert!(whole.contains("2 earlier exchanges"));
        assert!(whole.contains("instructions are noted"));
    }

    #[test]
    fn a_long_message_is_quoted_in_part() {
        let reply = LocalAssistant::compose(&request(&"é".repeat(500), 0));
        assert!(reply.contains(&format!("\"{}…\"", "é".repeat(200))));
        assert!(reply.contains("1 word (500 characters)"));
        assert!(!reply.contains("earlier exchange"));
    }
}
