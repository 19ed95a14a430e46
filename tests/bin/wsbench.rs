//! WebSocket load for `make bench`.
//!
//! `wsbench chat URL TOKENS CONNECTIONS SECONDS`: each connection (with
//! the next of the comma-separated tokens, one user each: every socket of a
//! user receives all of that user's frames) sends a chat frame, waits for
//! its `chat.response`, and repeats; prints
//! `messages_per_s p50_ms p99_ms errors`.
//!
//! `wsbench idle URL TOKEN SOCKETS PID`: opens that many sockets, waits for
//! the server to settle, and prints the server's resident memory before and
//! after in KiB and the growth per socket in bytes:
//! `rss_before_kib rss_after_kib bytes_per_socket`.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws = keel_e2e::Ws;

async fn open(url: &str, token: &str) -> anyhow::Result<Ws> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

/// Sends one chat and waits for its stored exchange.
async fn round_trip(ws: &mut Ws, n: u64) -> anyhow::Result<()> {
    let frame = serde_json::json!({"type": "chat", "message": format!("bench message {n}")});
    ws.send(Message::text(frame.to_string())).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if let Message::Close(frame) = &message {
            anyhow::bail!("the socket closed: {frame:?}");
        }
        if let Message::Text(text) = message {
            let value: serde_json::Value = serde_json::from_str(&text)?;
            match value["type"].as_str() {
                Some("chat.response") => return Ok(()),
                Some("error") => anyhow::bail!("error frame: {text}"),
                _ => {}
            }
        }
    }
    anyhow::bail!("the socket closed")
}

fn rss_kib(pid: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS"))
}

async fn chat(url: String, token: String, connections: u64, seconds: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    let tokens: Vec<String> = token.split(',').map(str::to_owned).collect();
    for c in 0..connections {
        let url = url.clone();
        let token = tokens[(c as usize) % tokens.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut ws = open(&url, &token).await?;
            let mut n = c * 1_000_000;
            while Instant::now() < deadline {
                let started = Instant::now();
                match round_trip(&mut ws, n).await {
                    Ok(()) => latencies.push(started.elapsed()),
                    Err(e) => {
                        if errors == 0 {
                            eprintln!("wsbench: {e}");
                        }
                        errors += 1;
                        ws = open(&url, &token).await?;
                    }
                }
                n += 1;
            }
            anyhow::Ok((latencies, errors))
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await??;
        all.extend(l);
        errors += e;
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{:.0} {:.2} {:.2} {errors}",
        all.len() as f64 / seconds as f64,
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}

async fn idle(url: String, token: String, sockets: u64, pid: String) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(&pid)?;
    let mut open_sockets = Vec::new();
    for _ in 0..sockets {
        open_sockets.push(open(&url, &token).await?);
    }
    // Let the server settle (its tasks start, buffers shrink).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(&pid)?;
    println!(
        "{before} {after} {:.0}",
        (after.saturating_sub(before) * 1024) as f64 / sockets as f64
    );
    drop(open_sockets);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: wsbench chat URL TOKEN CONNECTIONS SECONDS | wsbench idle URL TOKEN SOCKETS PID";
    let arg = |i: usize| args.get(i).cloned().ok_or_else(|| anyhow::anyhow!(usage));
    match arg(1)?.as_str() {
        "chat" => chat(arg(2)?, arg(3)?, arg(4)?.parse()?, arg(5)?.parse()?).await,
        "idle" => idle(arg(2)?, arg(3)?, arg(4)?.parse()?, arg(5)?).await,
        _ => anyhow::bail!(usage),
    }
}
