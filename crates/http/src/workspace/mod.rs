//! Workspace routes: items, projects, agents and chat.

pub mod dto;
pub mod handlers;
mod problem;
mod routes;
pub mod ws;

use std::sync::Arc;

use keel_application::workspace::{AgentService, ChatService, ItemService, ProjectService};
use utoipa::OpenApi;

use crate::context::{HttpContext, data};

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::list_items,
        handlers::create_item,
        handlers::get_item,
        handlers::replace_item,
        handlers::update_item,
        handlers::delete_item,
        handlers::list_projects,
        handlers::create_project,
        handlers::get_project,
        handlers::replace_project,
        handlers::update_project,
        handlers::delete_project,
        handlers::list_agents,
        handlers::create_agent,
        handlers::get_agent,
        handlers::replace_agent,
        handlers::update_agent,
        handlers::delete_agent,
        handlers::send_chat,
        handlers::list_chats,
        handlers::get_chat,
        ws::open,
    ),
    tags((name = "workspace", description = "Items, projects, agents and chat with an assistant"))
)]
struct WorkspaceApi;

/// The workspace services a context serves.
pub struct WorkspaceServices {
    /// The sockets of this instance and the fan-out between instances.
    pub hub: Arc<ws::Hub>,
    /// Items.
    pub items: Arc<ItemService>,
    /// Projects.
    pub projects: Arc<ProjectService>,
    /// Agents.
    pub agents: Arc<AgentService>,
    /// Chat.
    pub chat: Arc<ChatService>,
}

/// The workspace context over its use cases; `/ws` sits outside `/api/v1`.
pub fn context(s: WorkspaceServices) -> HttpContext {
    let hub = s.hub.clone();
    HttpContext::new(WorkspaceApi::openapi(), move |cfg| {
        cfg.app_data(data(&s.items))
            .app_data(data(&s.projects))
            .app_data(data(&s.agents))
            .app_data(data(&s.chat))
            .app_data(data(&s.hub));
        routes::configure(cfg);
    })
    .with_root_routes(move |cfg| {
        cfg.service(
            actix_web::web::resource("/ws")
                .app_data(data(&hub))
                .route(actix_web::web::get().to(ws::open)),
        );
    })
}
