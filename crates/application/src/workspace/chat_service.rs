use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::StreamExt;
use keel_domain::clock::Clock;
use keel_domain::identity::{Principal, UserId};
use keel_domain::workspace::{
    AgentId, AgentRepo, Assistant, AssistantError, AssistantRequest, Chat, ChatId, ChatRepo,
    ChatStatus, Provider, long_text,
};
use keel_domain::{Page, PageRequest};

use super::error::{WorkspaceCase, WorkspaceError};
use super::{list_scope, owns};

/// Longest message, in characters.
pub const MESSAGE_MAX: usize = 8_000;
/// Longest reply kept, in characters: a provider that streams more fails
/// the exchange instead of growing memory without bound.
pub const REPLY_MAX: usize = 200_000;

/// The assistant adapters of this instance, by provider, and the default.
pub struct Assistants {
    default: Provider,
    adapters: HashMap<Provider, Arc<dyn Assistant>>,
}

impl Assistants {
    /// No adapters yet; `default` answers chats without an agent and agents
    /// without a provider.
    pub fn new(default: Provider) -> Self {
        Self {
            default,
            adapters: HashMap::new(),
        }
    }

    /// Adds the adapter of `provider`.
    #[must_use]
    pub fn with(mut self, provider: Provider, assistant: Arc<dyn Assistant>) -> Self {
        self.adapters.insert(provider, assistant);
        self
    }

    /// The provider answering when none is named.
    pub fn default_provider(&self) -> Provider {
        self.default
    }

    fn pick(&self, provider: Option<Provider>) -> Result<&Arc<dyn Assistant>, AssistantError> {
        let provider = provider.unwrap_or(self.default);
        self.adapters
            .get(&provider)
            .ok_or_else(|| AssistantError::NotConfigured(provider.as_str().to_owned()))
    }
}

/// Limits of the chat use case.
#[derive(Debug, Clone, Copy)]
pub struct ChatSettings {
    /// Completed exchanges given to the assistant as context.
    pub context_exchanges: u64,
    /// Replies one user may wait for at once (on this instance).
    pub max_in_flight: usize,
}

/// A message to an agent (or to the default assistant).
#[derive(Debug, Clone, Default)]
pub struct ChatInput {
    /// 1..=8,000 characters.
    pub message: String,
    /// One of the caller's agents.
    pub agent_id: Option<AgentId>,
}

/// Chat: store the message, ask the assistant with the agent's instructions
/// and the last exchanges as context, store the reply (or the failure).
pub struct ChatService {
    chats: Arc<dyn ChatRepo>,
    agents: Arc<dyn AgentRepo>,
    assistants: Assistants,
    clock: Arc<dyn Clock>,
    settings: ChatSettings,
    in_flight: Arc<Mutex<HashMap<UserId, usize>>>,
}

/// One reply in flight for a user; dropping it frees the slot, also when
/// the request is abandoned half-way.
struct Slot {
    map: Arc<Mutex<HashMap<UserId, usize>>>,
    user: UserId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.user);
            }
        }
    }
}

impl ChatService {
    /// Wires the service.
    pub fn new(
        chats: Arc<dyn ChatRepo>,
        agents: Arc<dyn AgentRepo>,
        assistants: Assistants,
        clock: Arc<dyn Clock>,
        settings: ChatSettings,
    ) -> Self {
        Self {
            chats,
            agents,
            assistants,
            clock,
            settings,
            in_flight: Arc::default(),
        }
    }

    /// A page of the caller's exchanges (an admin's: everyone's), with one
    /// agent only when `agent` is given.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list(
        &self,
        principal: &Principal,
        agent: Option<AgentId>,
        page: PageRequest,
    ) -> Result<Page<Chat>, WorkspaceError> {
        Ok(self.chats.list(list_scope(principal), agent, page).await?)
    }

    /// Exchange `id` when the caller may see it.
    ///
    /// # Errors
    /// `NotFound` for a missing exchange or someone else's; storage errors.
    pub async fn get(&self, principal: &Principal, id: ChatId) -> Result<Chat, WorkspaceError> {
        match self.chats.find(id).await? {
            Some(chat) if owns(principal, chat.owner_id) => Ok(chat),
            _ => Err(WorkspaceError::NotFound),
        }
    }

    /// Exchange `id` when `owner` owns it (to push it to the owner's open
    /// sockets).
    ///
    /// # Errors
    /// `NotFound`; storage errors.
    pub async fn owned(&self, owner: UserId, id: ChatId) -> Result<Chat, WorkspaceError> {
        match self.chats.find(id).await? {
            Some(chat) if chat.owner_id == owner => Ok(chat),
            _ => Err(WorkspaceError::NotFound),
        }
    }

    /// Sends a message and waits for the whole reply.
    ///
    /// # Errors
    /// See [`ChatService::send_streaming`].
    pub async fn send(
        &self,
        principal: &Principal,
        input: ChatInput,
    ) -> Result<Chat, WorkspaceError> {
        self.send_streaming(principal, input, |_, _| {}).await
    }

    /// Sends a message; `on_delta` sees the stored (pending) exchange and
    /// each piece of the reply as it arrives. The exchange is stored
    /// `pending` before the assistant is asked, then `completed` with the
    /// reply or `failed` with the reason (and what arrived before it).
    ///
    /// # Errors
    /// `Validation` for a bad message, `NotFound` for an agent the caller
    /// does not own, `AgentInactive`, `TooManyReplies` when the caller
    /// already waits for `max_in_flight` replies, `AssistantFailed` /
    /// `AssistantTimeout` (the exchange is kept as `failed`); storage errors.
    pub async fn send_streaming<F>(
        &self,
        principal: &Principal,
        input: ChatInput,
        mut on_delta: F,
    ) -> Result<Chat, WorkspaceError>
    where
        F: FnMut(&Chat, &str) + Send,
    {
        let message = long_text(&input.message, "message", MESSAGE_MAX, true)
            .map_err(|e| WorkspaceError::Validation(vec![e]))?
            .unwrap_or_default();
        let agent = match input.agent_id {
            Some(id) => match self.agents.find(id).await? {
                Some(agent) if owns(principal, agent.owner_id) => Some(agent),
                _ => return Err(WorkspaceError::NotFound),
            },
            None => None,
        };
        if agent.as_ref().is_some_and(|a| !a.answers()) {
            return Err(WorkspaceError::Case(WorkspaceCase::AgentInactive));
        }
        let _slot = self.take_slot(principal.user.id)?;
        let history = self
            .chats
            .recent(
                principal.user.id,
                input.agent_id,
                self.settings.context_exchanges,
            )
            .await?
            .iter()
            .filter_map(Chat::turn)
            .collect();
        let now = self.clock.now();
        let mut chat = Chat {
            id: ChatId::generate(),
            owner_id: principal.user.id,
            agent_id: input.agent_id,
            message: message.clone(),
            response: None,
            status: ChatStatus::Pending,
            error: None,
            created_at: now,
            updated_at: now,
        };
        self.chats.save(&chat).await?;
        let request = AssistantRequest {
            model: agent.as_ref().and_then(|a| a.model.clone()),
            instructions: agent.as_ref().and_then(|a| a.instructions.clone()),
            history,
            message,
        };
        let assistant = match self
            .assistants
            .pick(agent.as_ref().and_then(|a| a.provider))
        {
            Ok(a) => a,
            Err(e) => return self.fail(chat, String::new(), e).await,
        };
        let mut stream = match assistant.reply(&request).await {
            Ok(s) => s,
            Err(e) => return self.fail(chat, String::new(), e).await,
        };
        let mut reply = String::new();
        while let Some(next) = stream.next().await {
            match next {
                Ok(delta) if reply.len() + delta.len() <= REPLY_MAX => {
                    reply.push_str(&delta);
                    on_delta(&chat, &delta);
                }
                Ok(_) => {
                    let e = AssistantError::Provider("the reply is too long".into());
                    return self.fail(chat, reply, e).await;
                }
                Err(e) => return self.fail(chat, reply, e).await,
            }
        }
        chat.response = Some(reply);
        chat.status = ChatStatus::Completed;
        chat.updated_at = self.clock.now();
        self.chats.save(&chat).await?;
        Ok(chat)
    }

    fn take_slot(&self, user: UserId) -> Result<Slot, WorkspaceError> {
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(user).or_default();
        if *n >= self.settings.max_in_flight {
            return Err(WorkspaceError::Case(WorkspaceCase::TooManyReplies));
        }
        *n += 1;
        Ok(Slot {
            map: self.in_flight.clone(),
            user,
        })
    }

    /// Keeps the exchange as `failed` with what arrived, then reports `err`.
    async fn fail(
        &self,
        mut chat: Chat,
        partial: String,
        err: AssistantError,
    ) -> Result<Chat, WorkspaceError> {
        chat.response = (!partial.is_empty()).then_some(partial);
        chat.status = ChatStatus::Failed;
        chat.error = Some(err.to_string());
        chat.updated_at = self.clock.now();
        self.chats.save(&chat).await?;
        Err(WorkspaceError::Case(WorkspaceCase::assistant(
            &err, chat.id,
        )))
    }
}
