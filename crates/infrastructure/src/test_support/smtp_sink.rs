//! A small SMTP server on loopback for tests: it speaks enough ESMTP for a
//! real client (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT),
//! keeps what it received, and can be told to refuse recipients or
//! STARTTLS. Shared by the adapter tests and the end-to-end suite.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How the sink behaves.
#[derive(Debug, Clone, Default)]
pub struct SinkConfig {
    /// When set, AUTH is offered and must succeed with these before MAIL.
    pub credentials: Option<(String, String)>,
    /// Advertise STARTTLS, then refuse it with 454 when asked.
    pub offer_starttls: bool,
    /// The reply to every RCPT TO (e.g. `450 4.2.1 busy`); `250` when unset.
    pub rcpt_reply: Option<String>,
}

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The user that authenticated on the connection, if any.
    pub auth_user: Option<String>,
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message as sent (dot-unstuffed, CRLF line ends).
    pub data: String,
}

/// A running sink; it stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// Starts a sink on a free loopback port.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start(config: SinkConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().expect("sink address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let config = Arc::new(config);
        let (store, count) = (received.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(session(stream, config.clone(), store.clone()));
            }
        });
        Self {
            port,
            received,
            connections,
            task,
        }
    }

    /// Every message accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("sink lock").clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn decode(b64: &str) -> String {
    STANDARD
        .decode(b64.trim())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// `user` and `password` of an AUTH PLAIN response (`\0user\0password`).
fn plain(b64: &str) -> (String, String) {
    let text = decode(b64);
    let mut parts = text.split('\0').skip(1);
    (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    )
}

fn address(arg: &str) -> String {
    arg.split_once(':')
        .map(|(_, a)| a.trim().trim_start_matches('<'))
        .and_then(|a| a.split('>').next())
        .unwrap_or_default()
        .to_owned()
}

async fn session(stream: TcpStream, config: Arc<SinkConfig>, store: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 sink ESMTP ready\r\n").await.is_err() {
        return;
    }
    let mut auth_user: Option<String> = None;
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let answer: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let mut a = String::from("250-sink\r\n");
            if config.offer_starttls {
                a.push_str("250-STARTTLS\r\n");
            }
            if config.credentials.is_some() {
                a.push_str("250-AUTH PLAIN LOGIN\r\n");
            }
            a.push_str("250 8BITMIME");
            a
        } else if upper.starts_with("STARTTLS") {
            "454 4.7.0 TLS not available".into()
        } else if upper.starts_with("AUTH PLAIN") {
            let arg = command[10..].trim().to_owned();
            let arg = if arg.is_empty() {
                let _ = write.write_all(b"334 \r\n").await;
                line.clear();
                let _ = lines.read_line(&mut line).await;
                line.trim().to_owned()
            } else {
                arg
            };
            let (user, password) = plain(&arg);
            check(&config, &mut auth_user, user, &password)
        } else if upper.starts_with("AUTH LOGIN") {
            let _ = write.write_all(b"334 VXNlcm5hbWU6\r\n").await;
            line.clear();
            let _ = lines.read_line(&mut line).await;
            let user = decode(&line);
            let _ = write.write_all(b"334 UGFzc3dvcmQ6\r\n").await;
            line.clear();
            let _ = lines.read_line(&mut line).await;
            let password = decode(&line);
            check(&config, &mut auth_user, user, &password)
        } else if upper.starts_with("MAIL FROM") {
            if config.credentials.is_some() && auth_user.is_none() {
                "530 5.7.0 Authentication required".into()
            } else {
                from = address(&command);
                to.clear();
                "250 2.1.0 OK".into()
            }
        } else if upper.starts_with("RCPT TO") {
            match &config.rcpt_reply {
                Some(r) => r.clone(),
                None => {
                    to.push(address(&command));
                    "250 2.1.5 OK".into()
                }
            }
        } else if upper == "DATA" {
            if to.is_empty() {
                "554 5.5.1 No valid recipients".into()
            } else {
                let _ = write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await;
                let mut data = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                store.lock().expect("sink lock").push(Received {
                    auth_user: auth_user.clone(),
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                "250 2.0.0 queued".into()
            }
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            "250 2.0.0 OK".into()
        } else if upper == "NOOP" {
            "250 2.0.0 OK".into()
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
            return;
        } else {
            "502 5.5.2 Command not recognized".into()
        };
        if write
            .write_all(format!("{answer}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

fn check(
    config: &SinkConfig,
    auth_user: &mut Option<String>,
    user: String,
    password: &str,
) -> String {
    match &config.credentials {
        Some((u, p)) if *u == user && p == password => {
            *auth_user = Some(user);
            "235 2.7.0 Authentication successful".into()
        }
        _ => "535 5.7.8 Authentication credentials invalid".into(),
    }
}
