//! AWS Bedrock's Converse API, requests signed with SigV4 (aws-sigv4, not
//! the whole SDK). The reply comes whole and is given as one delta:
//! ConverseStream answers in AWS's binary event-stream framing, which this
//! adapter does not parse (see docs/workspace.md).

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use futures_util::stream;
use keel_domain::workspace::{Assistant, AssistantError, AssistantRequest, TextStream};
use serde_json::{Value, json};

/// AWS credentials (from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`).
#[derive(Clone)]
pub struct AwsKeys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for AwsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl AwsKeys {
    /// The keys in the usual environment variables, if both are set.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        Some(Self {
            access_key_id: get("AWS_ACCESS_KEY_ID")?,
            secret_access_key: get("AWS_SECRET_ACCESS_KEY")?,
            session_token: get("AWS_SESSION_TOKEN"),
        })
    }
}

/// The settings of the Bedrock adapter.
#[derive(Debug, Clone)]
pub struct BedrockConfig {
    /// E.g. `us-east-1`.
    pub region: String,
    /// The model id when the agent names none.
    pub model: Option<String>,
    /// `https://bedrock-runtime.{region}.amazonaws.com` unless set (tests,
    /// VPC endpoints).
    pub endpoint: Option<String>,
    /// Credentials.
    pub keys: AwsKeys,
    /// The whole reply must arrive within this.
    pub timeout: Duration,
}

/// [`Assistant`] over Bedrock's Converse API.
#[derive(Debug, Clone)]
pub struct BedrockAssistant {
    client: reqwest::Client,
    config: BedrockConfig,
}

/// `raw` percent-encoded for one path segment.
fn segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl BedrockAssistant {
    /// An adapter with its own HTTP client.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: BedrockConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client, config })
    }

    fn body(request: &AssistantRequest) -> Value {
        let text = |t: &str| json!([{"text": t}]);
        let mut messages = Vec::new();
        for turn in &request.history {
            messages.push(json!({"role": "user", "content": text(&turn.user)}));
            messages.push(json!({"role": "assistant", "content": text(&turn.assistant)}));
        }
        messages.push(json!({"role": "user", "content": text(&request.message)}));
        let mut body = json!({"messages": messages});
        if let Some(system) = &request.instructions {
            body["system"] = text(system);
        }
        body
    }

    /// The SigV4 headers for a POST of `body` to `url`.
    fn signature(&self, url: &str, body: &[u8]) -> Result<Vec<(String, String)>, AssistantError> {
        let keys = &self.config.keys;
        let identity = Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            keys.session_token.clone(),
            None,
            "keel-settings",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.config.region)
            .name("bedrock")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| AssistantError::Provider(format!("cannot sign the request ({e})")))?
            .into();
        let headers = [("content-type", "application/json")];
        let signable =
            SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(body))
                .map_err(|e| AssistantError::Provider(format!("cannot sign the request ({e})")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| AssistantError::Provider(format!("cannot sign the request ({e})")))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

#[async_trait]
impl Assistant for BedrockAssistant {
    async fn reply(&self, request: &AssistantRequest) -> Result<TextStream, AssistantError> {
        let model = request
            .model
            .clone()
            .or_else(|| self.config.model.clone())
            .ok_or_else(|| {
                AssistantError::Provider(
                    "no model: set APP__ASSISTANT__BEDROCK__MODEL or the agent's model".into(),
                )
            })?;
        let endpoint = self.config.endpoint.clone().unwrap_or_else(|| {
            format!(
                "https://bedrock-runtime.{}.amazonaws.com",
                self.config.region
            )
        });
        let url = format!(
            "{}/model/{}/converse",
            endpoint.trim_end_matches('/'),
            segment(&model)
        );
        let body = serde_json::to_vec(&Self::body(request))
            .map_err(|e| AssistantError::Provider(e.to_string()))?;
        let mut call = self
            .client
            .post(&url)
            .header("content-type", "application/json")
            .timeout(self.config.timeout);
        for (name, value) in self.signature(&url, &body)? {
            call = call.header(name, value);
        }
        let response = match call.body(body).send().await {
            Err(e) if e.is_timeout() => return Err(AssistantError::Timeout),
            Err(e) => {
                return Err(AssistantError::Provider(format!(
                    "Bedrock cannot be reached ({})",
                    e.without_url()
                )));
            }
            Ok(r) => r,
        };
        let status = response.status();
        let answer: Value = match response.json().await {
            Ok(v) => v,
            Err(e) if e.is_timeout() => return Err(AssistantError::Timeout),
            Err(_) if !status.is_success() => Value::Null,
            Err(_) => {
                return Err(AssistantError::Provider(
                    "Bedrock sent an unreadable answer".into(),
                ));
            }
        };
        if !status.is_success() {
            let said: Option<String> = answer["message"]
                .as_str()
                .or_else(|| answer["Message"].as_str())
                .map(|m| m.chars().take(200).collect());
            return Err(AssistantError::Provider(match said {
                Some(m) => format!("Bedrock answered {status}: {m}"),
                None => format!("Bedrock answered {status}"),
            }));
        }
        let text: String = answer["output"]["message"]["content"]
            .as_array()
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("")
            })
            .unwrap_or_default();
        if text.is_empty() {
            return Err(AssistantError::Provider(
                "Bedrock answered without text".into(),
            ));
        }
        Ok(Box::pin(stream::iter([Ok(text)])))
    }
}

#[cfg(test)]
mod tests {
    use super::{AwsKeys, segment};

    #[test]
    fn model_ids_are_one_encoded_path_segment() {
        assert_eq!(
            segment("anthropic.claude-3-haiku-20240307-v1:0"),
            "anthropic.claude-3-haiku-20240307-v1%3A0"
        );
        assert_eq!(segment("a/b"), "a%2Fb");
    }

    #[test]
    fn keys_come_from_the_environment_and_never_print() {
        let env = |k: &str| match k {
            "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("very-secret".to_owned()),
            _ => None,
        };
        let keys = AwsKeys::from_env(env).unwrap();
        assert_eq!(keys.session_token, None);
        assert!(!format!("{keys:?}").contains("very-secret"));
        assert!(AwsKeys::from_env(|_| None).is_none());
    }
}
