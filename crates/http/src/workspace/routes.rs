//! Workspace routes under `/api/v1`.

use actix_web::web;

use super::handlers as h;

/// Registers the workspace routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/items")
            .route(web::get().to(h::list_items))
            .route(web::post().to(h::create_item)),
    )
    .service(
        web::resource("/items/{id}")
            .route(web::get().to(h::get_item))
            .route(web::put().to(h::replace_item))
            .route(web::patch().to(h::update_item))
            .route(web::delete().to(h::delete_item)),
    )
    .service(
        web::resource("/projects")
            .route(web::get().to(h::list_projects))
            .route(web::post().to(h::create_project)),
    )
    .service(
        web::resource("/projects/{id}")
            .route(web::get().to(h::get_project))
            .route(web::put().to(h::replace_project))
            .route(web::patch().to(h::update_project))
            .route(web::delete().to(h::delete_project)),
    )
    .service(
        web::resource("/agents")
            .route(web::get().to(h::list_agents))
            .route(web::post().to(h::create_agent)),
    )
    .service(
        web::resource("/agents/{id}")
            .route(web::get().to(h::get_agent))
            .route(web::put().to(h::replace_agent))
            .route(web::patch().to(h::update_agent))
            .route(web::delete().to(h::delete_agent)),
    )
    .service(
        web::resource("/chat")
            .route(web::get().to(h::list_chats))
            .route(web::post().to(h::send_chat)),
    )
    .route("/chat/{id}", web::get().to(h::get_chat));
}
