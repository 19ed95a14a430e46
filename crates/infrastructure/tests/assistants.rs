//! The network assistant adapters against fake servers on loopback: a
//! chunked SSE stream, a provider error, a timeout and a stream cut in the
//! middle.

use std::time::Duration;

use futures_util::StreamExt;
use keel_domain::workspace::{Assistant, AssistantError, AssistantRequest, Turn};
use keel_infrastructure::assistant::{
    AwsKeys, BedrockAssistant, BedrockConfig, OpenAiAssistant, OpenAiConfig,
};
use keel_infrastructure::test_support::fake_http::{
    Step, chunk, openai_delta as delta, serve as fake, sse_head,
};
use serde_json::Value;

fn openai(base: String, timeout_ms: u64) -> OpenAiAssistant {
    OpenAiAssistant::new(OpenAiConfig {
        base_url: base,
        api_key: Some("sk-test-secret".into()),
        model: Some("tiny-model".into()),
        timeout: Duration::from_millis(timeout_ms),
    })
    .unwrap()
}

fn request() -> AssistantRequest {
    AssistantRequest {
        model: None,
        instructions: Some("Be brief.".into()),
        history: vec![Turn {
            user: "hi".into(),
            assistant: "hello".into(),
        }],
        message: "what now?".into(),
    }
}

/// The deltas until the end, and the error that ended it, if any.
async fn collect(assistant: &OpenAiAssistant) -> (Vec<String>, Option<AssistantError>) {
    collect_any(assistant).await
}

#[tokio::test]
async fn openai_streams_chunked_server_sent_events_until_done() {
    let (base, seen) = fake(vec![
        sse_head(),
        delta("Hel"),
        Step::Sleep(30),
        delta("lo"),
        // Two events in one chunk, and a role-only event without content.
        chunk(&format!(
            "data: {}\n\ndata: {}\n\n",
            serde_json::json!({"choices": [{"delta": {"role": "assistant"}}]}),
            serde_json::json!({"choices": [{"delta": {"content": " there"}}]})
        )),
        chunk("data: [DONE]\n\n"),
        chunk(""),
    ])
    .await;
    let (deltas, error) = collect(&openai(base, 5_000)).await;
    assert_eq!(error, None);
    assert_eq!(deltas, ["Hel", "lo", " there"]);
    let sent = seen.lock().unwrap()[0].clone();
    assert!(sent.starts_with("POST /v1/chat/completions HTTP/1.1"));
    assert!(
        sent.to_lowercase()
            .contains("authorization: bearer sk-test-secret")
    );
    let body: Value = serde_json::from_str(&sent[sent.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["model"], "tiny-model");
    assert_eq!(body["stream"], true);
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(body["messages"][3]["content"], "what now?");
}

#[tokio::test]
async fn a_provider_error_is_reported_with_its_message_but_not_its_body() {
    let body =
        r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#;
    let (base, _) = fake(vec![Step::Write(
        format!(
            "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )])
    .await;
    let (deltas, error) = collect(&openai(base, 5_000)).await;
    assert!(deltas.is_empty());
    let Some(AssistantError::Provider(message)) = error else {
        panic!("expected a provider error, got {error:?}")
    };
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("Incorrect API key provided"));
    assert!(
        !message.contains("invalid_request_error"),
        "not the raw body"
    );
}

#[tokio::test]
async fn a_silent_provider_times_out_before_and_during_the_stream() {
    let (base, _) = fake(vec![Step::Hang]).await;
    let (_, error) = collect(&openai(base, 300)).await;
    assert_eq!(error, Some(AssistantError::Timeout));

    let (base, _) = fake(vec![sse_head(), delta("slow"), Step::Hang]).await;
    let (deltas, error) = collect(&openai(base, 500)).await;
    assert_eq!(deltas, ["slow"]);
    assert_eq!(error, Some(AssistantError::Timeout));
}

#[tokio::test]
async fn a_stream_cut_in_the_middle_is_a_provider_error_after_what_arrived() {
    let (base, _) = fake(vec![sse_head(), delta("half a"), Step::Sleep(20)]).await;
    let (deltas, error) = collect(&openai(base, 5_000)).await;
    assert_eq!(deltas, ["half a"]);
    assert!(
        matches!(error, Some(AssistantError::Provider(ref m)) if m.contains("ended") || m.contains("broke")),
        "{error:?}"
    );
}

#[tokio::test]
async fn without_any_model_the_reply_fails_before_calling() {
    let (base, seen) = fake(vec![Step::Hang]).await;
    let assistant = OpenAiAssistant::new(OpenAiConfig {
        base_url: base,
        api_key: None,
        model: None,
        timeout: Duration::from_secs(1),
    })
    .unwrap();
    let (_, error) = collect(&assistant).await;
    assert!(matches!(error, Some(AssistantError::Provider(ref m)) if m.contains("no model")));
    assert!(seen.lock().unwrap().is_empty());
}

fn json_response(status: &str, body: &str) -> Step {
    Step::Write(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

fn bedrock(endpoint: String, timeout_ms: u64, session: Option<&str>) -> BedrockAssistant {
    BedrockAssistant::new(BedrockConfig {
        region: "eu-west-1".into(),
        model: Some("anthropic.claude-3-haiku-20240307-v1:0".into()),
        endpoint: Some(endpoint.trim_end_matches("/v1").to_owned()),
        keys: AwsKeys {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: session.map(str::to_owned),
        },
        timeout: Duration::from_millis(timeout_ms),
    })
    .unwrap()
}

async fn collect_any(assistant: &dyn Assistant) -> (Vec<String>, Option<AssistantError>) {
    let mut stream = match assistant.reply(&request()).await {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Some(e)),
    };
    let mut deltas = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(d) => deltas.push(d),
            Err(e) => return (deltas, Some(e)),
        }
    }
    (deltas, None)
}

#[tokio::test]
async fn bedrock_sends_a_sigv4_signed_converse_request_and_reads_the_reply() {
    let answer = r#"{"output":{"message":{"role":"assistant","content":[{"text":"Bonjour"},{"text":" !"}]}},"stopReason":"end_turn"}"#;
    let (base, seen) = fake(vec![json_response("200 OK", answer)]).await;
    let (deltas, error) = collect_any(&bedrock(base, 5_000, Some("session-token"))).await;
    assert_eq!(error, None);
    assert_eq!(deltas, ["Bonjour !"]);
    let sent = seen.lock().unwrap()[0].clone();
    assert!(
        sent.starts_with("POST /model/anthropic.claude-3-haiku-20240307-v1%3A0/converse HTTP/1.1"),
        "{sent}"
    );
    let lower = sent.to_lowercase();
    assert!(lower.contains("authorization: aws4-hmac-sha256 credential=akidexample/"));
    assert!(lower.contains("/eu-west-1/bedrock/aws4_request"));
    assert!(lower.contains("signedheaders="));
    assert!(lower.contains("x-amz-date: "));
    assert!(lower.contains("x-amz-security-token: session-token"));
    assert!(!sent.contains("wJalrXUtnFEMI"), "the secret never travels");
    let body: Value = serde_json::from_str(&sent[sent.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["system"][0]["text"], "Be brief.");
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(body["messages"][2]["content"][0]["text"], "what now?");
}

#[tokio::test]
async fn bedrock_refusals_and_silence_are_provider_errors_and_timeouts() {
    let (base, _) = fake(vec![json_response(
        "403 Forbidden",
        r#"{"message":"The security token included in the request is invalid."}"#,
    )])
    .await;
    let (_, error) = collect_any(&bedrock(base, 5_000, None)).await;
    assert!(
        matches!(error, Some(AssistantError::Provider(ref m)) if m.contains("403") && m.contains("security token")),
        "{error:?}"
    );
    let (base, _) = fake(vec![Step::Hang]).await;
    let (_, error) = collect_any(&bedrock(base, 300, None)).await;
    assert_eq!(error, Some(AssistantError::Timeout));
    // A cut connection before any answer.
    let (base, _) = fake(vec![]).await;
    let (_, error) = collect_any(&bedrock(base, 5_000, None)).await;
    assert!(
        matches!(error, Some(AssistantError::Provider(_))),
        "{error:?}"
    );
}
