//! The open sockets of this instance and the fan-out of chat frames to every
//! socket of a user on every instance, through the event bus.
//!
//! Every frame about a user's chat (deltas while a reply streams, the stored
//! exchange at the end) is published once on the bus, topic `ws`; each
//! instance's dispatcher hands it to that user's sockets on the instance. A
//! stored exchange too large for the bus travels as its id and is loaded by
//! each receiving instance. A socket whose queue is full is disconnected
//! (the slow reader), never buffered without bound.
//!
//! The dispatcher also reads the bus's [`Invalidation`]s: a logout, a
//! password change or a deactivation on any instance closes the sockets of
//! the ended sessions here as soon as the event arrives. The socket's own
//! periodic token check stays as the backstop for lost events.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use keel_application::workspace::{ChatInput, ChatService, WorkspaceError};
use keel_domain::events::{Event, EventBus, Invalidation, MAX_EVENT_BYTES};
use keel_domain::identity::{Principal, SessionId, UserId};
use keel_domain::workspace::{Chat, ChatId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};

use super::super::dto::ChatResponse;

/// The bus topic of socket frames.
const TOPIC: &str = "ws";
/// Delta text per bus event, in bytes (the rest of the event is framing).
const DELTA_CHUNK: usize = 6_000;

/// Limits of the socket endpoint.
#[derive(Debug, Clone, Copy)]
pub struct WsLimits {
    /// A ping is sent this often.
    pub heartbeat: Duration,
    /// A socket silent this long (no frame, no pong) is closed.
    pub idle_timeout: Duration,
    /// Largest frame accepted from a client, in bytes.
    pub max_frame_bytes: usize,
    /// Open sockets per user on one instance.
    pub max_sockets_per_user: usize,
    /// Frames queued for one socket before it counts as a slow reader.
    pub send_queue: usize,
    /// How long one frame may take to be written before the reader counts as slow.
    pub send_timeout: Duration,
    /// The socket's token is checked again this often, so a revoked session
    /// (logout, password change, deactivation) closes it.
    pub auth_check: Duration,
    /// How long a closing socket waits for the peer's close frame.
    pub close_grace: Duration,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(45),
            max_frame_bytes: 64 * 1024,
            max_sockets_per_user: 8,
            send_queue: 256,
            send_timeout: Duration::from_secs(10),
            auth_check: Duration::from_secs(2),
            close_grace: Duration::from_secs(1),
        }
    }
}

/// What travels on the bus.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The user whose sockets get it.
    user: UserId,
    /// A frame to send as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    frame: Option<Value>,
    /// An exchange to load and send as `chat.response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chat: Option<ChatId>,
}

/// One open socket of this instance.
struct Local {
    id: u64,
    session: Option<SessionId>,
    queue: mpsc::Sender<String>,
    kick: Option<oneshot::Sender<&'static str>>,
}

/// What a socket gets when it registers.
pub(super) struct Registration {
    /// Its id in the hub.
    pub id: u64,
    /// Frames for it, in order.
    pub frames: mpsc::Receiver<String>,
    /// A reason when the hub disconnects it.
    pub kicked: oneshot::Receiver<&'static str>,
    /// Frames only this socket gets (errors about its own frames).
    pub own: mpsc::Sender<String>,
    /// Changes when the server shuts down (subscribed at registration, so a
    /// shutdown right after the handshake is not missed).
    pub shutdown: watch::Receiver<bool>,
}

/// The sockets of this instance and the bus between instances.
pub struct Hub {
    bus: Arc<dyn EventBus>,
    chats: Arc<ChatService>,
    limits: WsLimits,
    sockets: Mutex<HashMap<UserId, Vec<Local>>>,
    next_id: AtomicU64,
    shutdown: watch::Sender<bool>,
}

/// A `chat.delta` frame.
pub(super) fn delta_frame(chat: ChatId, text: &str) -> Value {
    json!({"type": "chat.delta", "chat_id": chat, "text": text})
}

/// A `chat.response` frame with the stored exchange.
pub(super) fn response_frame(chat: Chat) -> Value {
    let mut frame = serde_json::to_value(ChatResponse::from(chat)).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut frame {
        map.insert("type".into(), Value::String("chat.response".into()));
    }
    frame
}

/// An `error` frame.
pub(super) fn error_frame(detail: &str, chat: Option<ChatId>) -> String {
    let mut frame = json!({"type": "error", "detail": detail});
    if let Some(id) = chat {
        frame["chat_id"] = json!(id);
    }
    frame.to_string()
}

/// `text` in pieces of at most `max` bytes, cut at character boundaries.
fn chunks(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

impl Hub {
    /// A hub over `bus`; its dispatcher runs in the background.
    pub fn start(bus: Arc<dyn EventBus>, chats: Arc<ChatService>, limits: WsLimits) -> Arc<Self> {
        let hub = Arc::new(Self {
            bus,
            chats,
            limits,
            sockets: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            shutdown: watch::channel(false).0,
        });
        let weak = Arc::downgrade(&hub);
        let mut events = hub.bus.subscribe();
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                let Some(hub) = weak.upgrade() else { break };
                if event.topic == TOPIC {
                    hub.dispatch(&event.payload).await;
                } else if let Some(what) = Invalidation::from_event(&event) {
                    hub.end_sessions(&what);
                }
            }
        });
        hub
    }

    /// The limits sockets follow.
    pub fn limits(&self) -> WsLimits {
        self.limits
    }

    /// Closes every socket of this instance with 1001 (going away) and
    /// waits (at most `wait`) until they have sent their close frames.
    pub async fn shut_down(&self, wait: Duration) {
        self.shutdown.send_replace(true);
        let deadline = tokio::time::Instant::now() + wait;
        while !self.lock().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Open sockets of `user` on this instance.
    pub fn open_sockets(&self, user: UserId) -> usize {
        self.lock().get(&user).map_or(0, Vec::len)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Vec<Local>>> {
        self.sockets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the sockets whose session `what` ended.
    fn end_sessions(&self, what: &Invalidation) {
        let user = match *what {
            Invalidation::Session { .. } => None,
            Invalidation::UserSessions { user, .. } => Some(user),
            Invalidation::User { .. } | Invalidation::Products => return,
        };
        let mut sockets = self.lock();
        let kick = |mine: &mut Vec<Local>, user: UserId| {
            for socket in mine.iter_mut() {
                if what.ends_session(user, socket.session)
                    && let Some(kick) = socket.kick.take()
                {
                    let _ = kick.send("the session has ended");
                }
            }
        };
        match user {
            Some(user) => {
                if let Some(mine) = sockets.get_mut(&user) {
                    kick(mine, user);
                }
            }
            None => {
                for (user, mine) in sockets.iter_mut() {
                    kick(mine, *user);
                }
            }
        }
    }

    /// Registers a socket of `user` on `session`; `None` when the user has
    /// as many as allowed.
    pub(super) fn register(
        &self,
        user: UserId,
        session: Option<SessionId>,
    ) -> Option<Registration> {
        let mut sockets = self.lock();
        let mine = sockets.entry(user).or_default();
        if mine.len() >= self.limits.max_sockets_per_user {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, frames) = mpsc::channel(self.limits.send_queue.max(1));
        let (kick, kicked) = oneshot::channel();
        crate::metrics::websocket_opened(1.0);
        mine.push(Local {
            id,
            session,
            queue: queue.clone(),
            kick: Some(kick),
        });
        Some(Registration {
            id,
            frames,
            kicked,
            own: queue,
            shutdown: self.shutdown.subscribe(),
        })
    }

    /// Forgets socket `id` of `user`.
    pub(super) fn unregister(&self, user: UserId, id: u64) {
        let mut sockets = self.lock();
        if let Some(mine) = sockets.get_mut(&user) {
            let before = mine.len();
            mine.retain(|s| s.id != id);
            if mine.len() < before {
                crate::metrics::websocket_opened(-1.0);
            }
            if mine.is_empty() {
                sockets.remove(&user);
            }
        }
    }

    /// Hands a bus payload to the user's sockets here.
    async fn dispatch(&self, payload: &str) {
        let Ok(envelope) = serde_json::from_str::<Envelope>(payload) else {
            tracing::warn!("ws: an unreadable event on the bus was dropped");
            return;
        };
        if self.open_sockets(envelope.user) == 0 {
            return;
        }
        let frame = match (envelope.frame, envelope.chat) {
            (Some(frame), _) => frame.to_string(),
            (None, Some(id)) => match self.chats.owned(envelope.user, id).await {
                Ok(chat) => response_frame(chat).to_string(),
                Err(e) => {
                    tracing::warn!(error = %e, "ws: a pushed exchange could not be loaded");
                    return;
                }
            },
            (None, None) => return,
        };
        let mut sockets = self.lock();
        if let Some(mine) = sockets.get_mut(&envelope.user) {
            for socket in mine.iter_mut() {
                if socket.queue.try_send(frame.clone()).is_err()
                    && let Some(kick) = socket.kick.take()
                {
                    // Full (a slow reader) or gone: disconnect, never buffer more.
                    let _ = kick.send("too slow: frames were not read in time");
                }
            }
        }
    }

    async fn publish(&self, envelope: &Envelope) {
        let payload = match serde_json::to_string(envelope) {
            Ok(p) => p,
            Err(_) => return,
        };
        let event = match Event::new(TOPIC, payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "ws: a frame was too large for the bus");
                return;
            }
        };
        if let Err(e) = self.bus.publish(&event).await {
            tracing::warn!(error = %e, "ws: a frame could not be published");
        }
    }

    /// Pushes a piece of a streaming reply to every socket of `user`.
    pub async fn push_delta(&self, user: UserId, chat: ChatId, text: &str) {
        for piece in chunks(text, DELTA_CHUNK) {
            self.publish(&Envelope {
                user,
                frame: Some(delta_frame(chat, piece)),
                chat: None,
            })
            .await;
        }
    }

    /// Pushes the stored exchange to every socket of `user`.
    pub async fn push_response(&self, chat: Chat) {
        let user = chat.owner_id;
        let id = chat.id;
        let frame = response_frame(chat);
        let inline = Envelope {
            user,
            frame: Some(frame),
            chat: None,
        };
        let fits =
            serde_json::to_string(&inline).is_ok_and(|p| p.len() + TOPIC.len() <= MAX_EVENT_BYTES);
        if fits {
            self.publish(&inline).await;
        } else {
            self.publish(&Envelope {
                user,
                frame: None,
                chat: Some(id),
            })
            .await;
        }
    }

    /// Sends a chat message for `principal` and pushes every frame about it
    /// to all the user's sockets: the deltas as they stream and the stored
    /// exchange at the end (a failed one too).
    ///
    /// # Errors
    /// The chat use case's errors.
    pub async fn chat(
        &self,
        principal: &Principal,
        input: ChatInput,
    ) -> Result<Chat, WorkspaceError> {
        let user = principal.user.id;
        let (tx, mut rx) = mpsc::unbounded_channel::<(ChatId, String)>();
        let send = async move {
            self.chats
                .send_streaming(principal, input, move |chat, delta| {
                    let _ = tx.send((chat.id, delta.to_owned()));
                })
                .await
        };
        let forward = async {
            while let Some((chat, text)) = rx.recv().await {
                self.push_delta(user, chat, &text).await;
            }
        };
        let (result, ()) = futures_util::join!(send, forward);
        match &result {
            Ok(chat) => self.push_response(chat.clone()).await,
            Err(WorkspaceError::Case(case)) => {
                if let Some(id) = failed_chat(case)
                    && let Ok(chat) = self.chats.owned(user, id).await
                {
                    self.push_response(chat).await;
                }
            }
            Err(_) => {}
        }
        result
    }
}

/// The exchange a failure kept, if any.
pub(super) fn failed_chat(case: &keel_application::workspace::WorkspaceCase) -> Option<ChatId> {
    use keel_application::workspace::WorkspaceCase;
    match case {
        WorkspaceCase::AssistantFailed { chat_id, .. }
        | WorkspaceCase::AssistantTimeout { chat_id } => Some(*chat_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;
    use keel_application::workspace::{Assistants, ChatService, ChatSettings};
    use keel_domain::clock::Clock;
    use keel_domain::events::Invalidation;
    use keel_domain::events::{Event, EventBus, EventBusError, EventStream};
    use keel_domain::identity::{SessionId, UserId};
    use keel_domain::workspace::{Agent, AgentId, AgentRepo, Chat, ChatId, ChatRepo, Provider};
    use keel_domain::{Page, PageRequest, RepoError};
    use serde_json::json;

    use super::{Envelope, Hub, WsLimits, chunks};

    /// Ports the hub never touches in these tests.
    struct Unused;

    #[async_trait]
    impl ChatRepo for Unused {
        async fn find(&self, _: ChatId) -> Result<Option<Chat>, RepoError> {
            unreachable!()
        }
        async fn list(
            &self,
            _: Option<UserId>,
            _: Option<AgentId>,
            _: PageRequest,
        ) -> Result<Page<Chat>, RepoError> {
            unreachable!()
        }
        async fn recent(
            &self,
            _: UserId,
            _: Option<AgentId>,
            _: u64,
        ) -> Result<Vec<Chat>, RepoError> {
            unreachable!()
        }
        async fn save(&self, _: &Chat) -> Result<(), RepoError> {
            unreachable!()
        }
    }

    #[async_trait]
    impl AgentRepo for Unused {
        async fn find(&self, _: AgentId) -> Result<Option<Agent>, RepoError> {
            unreachable!()
        }
        async fn list(&self, _: Option<UserId>, _: PageRequest) -> Result<Page<Agent>, RepoError> {
            unreachable!()
        }
        async fn save(&self, _: &Agent) -> Result<(), RepoError> {
            unreachable!()
        }
        async fn delete(&self, _: AgentId) -> Result<bool, RepoError> {
            unreachable!()
        }
    }

    #[async_trait]
    impl EventBus for Unused {
        async fn publish(&self, _: &Event) -> Result<(), EventBusError> {
            Ok(())
        }
        fn subscribe(&self) -> EventStream {
            Box::pin(futures_util::stream::pending())
        }
    }

    impl Clock for Unused {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            chrono::Utc::now()
        }
    }

    fn hub(send_queue: usize) -> Arc<Hub> {
        let chats = ChatService::new(
            Arc::new(Unused),
            Arc::new(Unused),
            Assistants::new(Provider::Local),
            Arc::new(Unused),
            ChatSettings {
                context_exchanges: 0,
                max_in_flight: 1,
            },
        );
        Hub::start(
            Arc::new(Unused),
            Arc::new(chats),
            WsLimits {
                send_queue,
                max_sockets_per_user: 2,
                ..WsLimits::default()
            },
        )
    }

    fn frame_for(user: UserId, n: u32) -> String {
        serde_json::to_string(&Envelope {
            user,
            frame: Some(json!({"type": "chat.delta", "n": n})),
            chat: None,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn a_socket_whose_queue_is_full_is_kicked_and_the_others_keep_their_frames() {
        let hub = hub(2);
        let user = UserId::generate();
        let mut slow = hub.register(user, None).expect("first socket");
        let mut quick = hub.register(user, None).expect("second socket");
        assert!(
            hub.register(user, None).is_none(),
            "two sockets per user here"
        );
        for n in 0..2 {
            hub.dispatch(&frame_for(user, n)).await;
        }
        // The quick socket drains; the slow one does not.
        assert!(quick.frames.try_recv().unwrap().contains("\"n\":0"));
        assert!(quick.frames.try_recv().unwrap().contains("\"n\":1"));
        assert!(
            slow.kicked.try_recv().is_err(),
            "not kicked while it keeps up"
        );
        hub.dispatch(&frame_for(user, 2)).await;
        assert_eq!(
            slow.kicked.try_recv().unwrap(),
            "too slow: frames were not read in time"
        );
        assert!(quick.frames.try_recv().unwrap().contains("\"n\":2"));
        assert!(quick.kicked.try_recv().is_err());
        // Another user's frames never reach these sockets.
        hub.dispatch(&frame_for(UserId::generate(), 3)).await;
        assert!(quick.frames.try_recv().is_err());
    }

    #[tokio::test]
    async fn shutdown_reaches_registered_sockets_and_waits_for_them_to_leave() {
        let hub = hub(4);
        let user = UserId::generate();
        let socket = hub.register(user, None).unwrap();
        let mut signal = socket.shutdown.clone();
        let waiting = {
            let hub = hub.clone();
            tokio::spawn(async move { hub.shut_down(std::time::Duration::from_secs(5)).await })
        };
        signal.wait_for(|closing| *closing).await.unwrap();
        assert!(
            !waiting.is_finished(),
            "waits while the socket is registered"
        );
        hub.unregister(user, socket.id);
        waiting.await.unwrap();
        assert_eq!(hub.open_sockets(user), 0);
    }

    #[tokio::test]
    async fn an_ended_session_kicks_its_sockets_and_no_others() {
        let hub = hub(4);
        let (user, other) = (UserId::generate(), UserId::generate());
        let (one, two) = (SessionId::generate(), SessionId::generate());
        let mut on_one = hub.register(user, Some(one)).unwrap();
        let mut on_two = hub.register(user, Some(two)).unwrap();
        let mut theirs = hub.register(other, Some(SessionId::generate())).unwrap();
        hub.end_sessions(&Invalidation::Session { family: one });
        assert_eq!(on_one.kicked.try_recv().unwrap(), "the session has ended");
        assert!(on_two.kicked.try_recv().is_err());
        hub.unregister(user, on_one.id);
        // A password change keeps the caller's own session.
        hub.end_sessions(&Invalidation::UserSessions {
            user,
            keep: Some(two),
        });
        assert!(on_two.kicked.try_recv().is_err());
        hub.end_sessions(&Invalidation::User { user });
        assert!(
            on_two.kicked.try_recv().is_err(),
            "a user change ends nothing"
        );
        // A deactivation ends them all, external tokens' sockets included.
        let mut external = hub.register(user, None).unwrap();
        hub.end_sessions(&Invalidation::UserSessions { user, keep: None });
        assert_eq!(on_two.kicked.try_recv().unwrap(), "the session has ended");
        assert_eq!(external.kicked.try_recv().unwrap(), "the session has ended");
        assert!(theirs.kicked.try_recv().is_err());
    }

    #[test]
    fn chunks_cut_at_character_boundaries_within_the_limit() {
        let text = "aé".repeat(10);
        let pieces: Vec<&str> = chunks(&text, 4).collect();
        assert!(pieces.iter().all(|p| p.len() <= 4));
        assert_eq!(pieces.concat(), text);
        assert_eq!(chunks("", 4).count(), 0);
    }
}
