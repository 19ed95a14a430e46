//! One open socket: reads client frames, writes the user's frames in order,
//! pings, and closes on idleness, a slow reader, an ended session or
//! shutdown.

use std::sync::Arc;
use std::time::Instant;

use actix_ws::{AggregatedMessage, CloseCode, CloseReason, MessageStream, ProtocolError, Session};
use keel_application::workspace::{ChatInput, WorkspaceError};
use keel_domain::identity::{AuthError, IdentityProvider, Principal};
use keel_domain::workspace::AgentId;
use serde::Deserialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::hub::{Hub, Registration, error_frame, failed_chat};

/// What a socket task needs.
pub(super) struct Socket {
    pub hub: Arc<Hub>,
    pub identity: Arc<dyn IdentityProvider>,
    pub principal: Principal,
    pub token: String,
    pub session: Session,
    pub stream: MessageStream,
    pub registration: Registration,
}

/// A frame a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum ClientFrame {
    /// Ask the assistant.
    #[serde(rename = "chat")]
    Chat {
        message: String,
        #[serde(default)]
        agent_id: Option<Uuid>,
    },
}

fn close(code: CloseCode, why: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(why.to_owned()),
    })
}

/// Runs the socket until it closes.
pub(super) async fn run(socket: Socket) {
    let Socket {
        hub,
        identity,
        principal,
        token,
        mut session,
        stream,
        registration,
    } = socket;
    let limits = hub.limits();
    let user = principal.user.id;
    let id = registration.id;
    let mut frames = registration.frames;
    let mut kicked = registration.kicked;
    let own = registration.own;
    let mut stream = stream
        .max_frame_size(limits.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(limits.max_frame_bytes);
    let mut shutdown = registration.shutdown;
    let mut heartbeat = tokio::time::interval(limits.heartbeat);
    heartbeat.tick().await;
    let mut last_seen = Instant::now();
    let mut last_auth = Instant::now();
    let principal = Arc::new(principal);

    let reason = loop {
        tokio::select! {
            message = stream.recv() => match message {
                Some(Ok(AggregatedMessage::Text(text))) => {
                    last_seen = Instant::now();
                    on_text(&hub, &principal, &own, &text);
                }
                Some(Ok(AggregatedMessage::Binary(_))) => {
                    last_seen = Instant::now();
                    let _ = own.try_send(error_frame("binary frames are not accepted; send JSON text", None));
                }
                Some(Ok(AggregatedMessage::Ping(bytes))) => {
                    last_seen = Instant::now();
                    if session.pong(&bytes).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => last_seen = Instant::now(),
                Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                Some(Err(ProtocolError::Overflow)) => {
                    break close(CloseCode::Size, "frame too large");
                }
                Some(Err(_)) => break close(CloseCode::Protocol, "protocol error"),
            },
            frame = frames.recv() => {
                let Some(frame) = frame else { break None };
                match tokio::time::timeout(limits.send_timeout, session.text(frame)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break None,
                    Err(_) => break close(CloseCode::Policy, "too slow: frames were not read in time"),
                }
            }
            why = &mut kicked => break close(CloseCode::Policy, why.unwrap_or("closed")),
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > limits.idle_timeout {
                    break close(CloseCode::Normal, "idle");
                }
                if session.ping(b"keel").await.is_err() {
                    break None;
                }
                if last_auth.elapsed() >= limits.auth_check {
                    last_auth = Instant::now();
                    if let Err(AuthError::InvalidToken | AuthError::Forbidden(_)) =
                        identity.authenticate(&token).await
                    {
                        break close(CloseCode::Policy, "the session has ended");
                    }
                }
            }
            _ = shutdown.wait_for(|closing| *closing) => break close(CloseCode::Away, "the server is shutting down"),
        }
    };
    // Close, give the peer a moment to answer the closing handshake (so the
    // close frame is on the wire), then leave the hub: shutdown waits for
    // the hub to empty before the server stops.
    let _ = session.close(reason).await;
    let _ = tokio::time::timeout(limits.close_grace, async {
        while let Some(Ok(_)) = stream.recv().await {}
    })
    .await;
    hub.unregister(user, id);
}

/// A text frame: a chat runs in its own task so the socket keeps reading.
fn on_text(hub: &Arc<Hub>, principal: &Arc<Principal>, own: &mpsc::Sender<String>, text: &str) {
    let frame = match serde_json::from_str::<ClientFrame>(text) {
        Ok(frame) => frame,
        Err(e) => {
            let _ = own.try_send(error_frame(
                &format!(
                    "unreadable frame ({e}); send {{\"type\":\"chat\",\"message\":\"...\",\"agent_id\":null}}"
                ),
                None,
            ));
            return;
        }
    };
    let ClientFrame::Chat { message, agent_id } = frame;
    let (hub, principal, own) = (hub.clone(), principal.clone(), own.clone());
    actix_web::rt::spawn(async move {
        let input = ChatInput {
            message,
            agent_id: agent_id.map(AgentId::from_uuid),
        };
        if let Err(e) = hub.chat(&principal, input).await {
            let chat = match &e {
                WorkspaceError::Case(case) => failed_chat(case),
                _ => None,
            };
            let detail = match &e {
                WorkspaceError::Validation(errors) => errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                WorkspaceError::Internal(_) => "an unexpected error occurred".into(),
                WorkspaceError::Unavailable(_) => {
                    "a backing service is unavailable; retry later".into()
                }
                other => other.to_string(),
            };
            let _ = own.try_send(error_frame(&detail, chat));
        }
    });
}
