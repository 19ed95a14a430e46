//! A scripted HTTP server on loopback for adapter and end-to-end tests of
//! outside services (an OpenAI-compatible server, Bedrock): each request is
//! recorded and answered by a list of steps, so chunked streams, errors,
//! silence and cut connections can be played.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake does with one request.
#[derive(Clone)]
pub enum Step {
    /// Write these bytes.
    Write(Vec<u8>),
    /// Wait.
    Sleep(u64),
    /// Never answer (until the client gives up).
    Hang,
}

/// One HTTP/1.1 chunk of `data`.
pub fn chunk(data: &str) -> Step {
    Step::Write(format!("{:x}\r\n{data}\r\n", data.len()).into_bytes())
}

/// A 200 head for a chunked `text/event-stream`.
pub fn sse_head() -> Step {
    Step::Write(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec(),
    )
}

/// One OpenAI Chat Completions delta event as a chunk.
pub fn openai_delta(text: &str) -> Step {
    chunk(&format!(
        "data: {}\n\n",
        serde_json::json!({"choices": [{"delta": {"content": text}}]})
    ))
}

/// A whole streamed OpenAI reply made of `deltas`.
pub fn openai_reply(deltas: &[&str]) -> Vec<Step> {
    let mut steps = vec![sse_head()];
    steps.extend(deltas.iter().map(|d| openai_delta(d)));
    steps.push(chunk("data: [DONE]\n\n"));
    steps.push(chunk(""));
    steps
}

/// Reads one request (head and a `content-length` body).
async fn read_request(socket: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    loop {
        let n = socket.read(&mut tmp).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text;
            }
        }
    }
    String::from_utf8_lossy(&buf).to_string()
}

/// A server on loopback answering every request with `steps`: its base URL
/// (`http://127.0.0.1:PORT/v1`) and the requests it saw.
///
/// # Panics
/// When no loopback port can be bound.
pub async fn serve(steps: Vec<Step>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                break;
            };
            let (steps, keep) = (steps.clone(), keep.clone());
            tokio::spawn(async move {
                let request = read_request(&mut socket).await;
                keep.lock().unwrap().push(request);
                for step in steps {
                    match step {
                        Step::Write(bytes) => {
                            if socket.write_all(&bytes).await.is_err() {
                                return;
                            }
                            let _ = socket.flush().await;
                        }
                        Step::Sleep(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                        Step::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
                    }
                }
                // Dropping the socket closes the connection.
            });
        }
    });
    (base, seen)
}
