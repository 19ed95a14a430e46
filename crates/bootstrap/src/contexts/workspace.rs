//! Workspace: items, projects, agents and chat with an assistant.

use std::sync::Arc;
use std::time::Duration;

use keel_application::workspace::{
    AgentService, Assistants, ChatService, ChatSettings, ItemService, ProjectService,
};
use keel_domain::workspace::{AgentRepo, Provider};
use keel_http::workspace::WorkspaceServices;
use keel_http::workspace::ws::{Hub, WsLimits};
use keel_infrastructure::assistant::{
    AwsKeys, BedrockAssistant, BedrockConfig, LocalAssistant, OpenAiAssistant, OpenAiConfig,
};
use secrecy::ExposeSecret;
use keel_infrastructure::persistence::workspace::{
    SeaOrmAgentRepo, SeaOrmChatRepo, SeaOrmItemRepo, SeaOrmProjectRepo,
};

use crate::wiring::Wiring;

/// Wires the workspace. The offline `local` assistant is always there; the
/// configured default answers chats that name no provider.
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let settings = &w.settings.assistant;
    let default = Provider::parse(&settings.default)
        .map_err(|_| anyhow::anyhow!("APP__ASSISTANT__DEFAULT must be local, openai or bedrock"))?;
    let timeout = Duration::from_secs(settings.timeout_secs.max(1));
    let openai = OpenAiAssistant::new(OpenAiConfig {
        base_url: settings.openai.base_url.clone(),
        api_key: settings
            .openai
            .api_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned()),
        model: settings.openai.model.clone(),
        timeout,
    })?;
    let mut assistants = Assistants::new(default)
        .with(Provider::Local, Arc::new(LocalAssistant))
        .with(Provider::Openai, Arc::new(openai));
    // Bedrock needs AWS credentials and a region; without them agents that
    // name it get a 502 saying it is not configured.
    let env = |name: &str| std::env::var(name).ok();
    let region = settings
        .bedrock
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .filter(|r| !r.trim().is_empty());
    if let (Some(region), Some(keys)) = (region, AwsKeys::from_env(env)) {
        let bedrock = BedrockAssistant::new(BedrockConfig {
            region,
            model: settings.bedrock.model.clone(),
            endpoint: settings.bedrock.endpoint.clone(),
            keys,
            timeout,
        })?;
        assistants = assistants.with(Provider::Bedrock, Arc::new(bedrock));
    }
    let agents: Arc<dyn AgentRepo> = Arc::new(SeaOrmAgentRepo::new(w.db.clone()));
    let projects = Arc::new(SeaOrmProjectRepo::new(w.db.clone()));
    let chat = Arc::new(ChatService::new(
        Arc::new(SeaOrmChatRepo::new(w.db.clone())),
        agents.clone(),
        assistants,
        w.clock.clone(),
        ChatSettings {
            context_exchanges: settings.context_exchanges,
            max_in_flight: settings.max_in_flight.max(1),
        },
    ));
    let ws = &w.settings.ws;
    let secs = |s: u64| Duration::from_secs(s.max(1));
    let hub = Hub::start(
        w.bus.clone(),
        chat.clone(),
        WsLimits {
            heartbeat: secs(ws.heartbeat_secs),
            idle_timeout: secs(ws.idle_timeout_secs),
            max_frame_bytes: ws.max_frame_bytes.max(1024),
            max_sockets_per_user: ws.max_sockets_per_user.max(1),
            send_queue: ws.send_queue.max(1),
            send_timeout: secs(ws.send_timeout_secs),
            auth_check: secs(ws.auth_check_secs),
            close_grace: Duration::from_secs(1),
        },
    );
    let closing = hub.clone();
    w.on_shutdown(move || {
        let hub = closing.clone();
        async move { hub.shut_down(Duration::from_secs(3)).await }
    });
    let services = WorkspaceServices {
        hub,
        items: Arc::new(ItemService::new(
            Arc::new(SeaOrmItemRepo::new(w.db.clone())),
            w.clock.clone(),
        )),
        projects: Arc::new(ProjectService::new(projects.clone(), w.clock.clone())),
        agents: Arc::new(AgentService::new(
            agents.clone(),
            projects,
            w.clock.clone(),
        )),
        chat,
    };
    w.serve(keel_http::workspace::context(services));
    Ok(())
}
