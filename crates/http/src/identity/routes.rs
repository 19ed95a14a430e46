//! Identity routes under `/api/v1`. Full paths, no `web::scope`: another
//! context may register paths below `/users/me` (profiles does), and a scope
//! would swallow them.

use actix_web::web;

use super::handlers::{auth, users};

/// Registers the identity routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(auth::register))
        .route("/auth/login", web::post().to(auth::login))
        .route("/auth/token", web::post().to(auth::token))
        .route("/auth/refresh", web::post().to(auth::refresh))
        .route("/auth/logout", web::post().to(auth::logout))
        .route("/auth/sessions", web::get().to(auth::list_sessions))
        .route(
            "/auth/sessions/{id}",
            web::delete().to(auth::revoke_session),
        )
        .route("/users", web::get().to(users::list_users))
        .service(
            web::resource("/users/me")
                .route(web::get().to(users::get_me))
                .route(web::patch().to(users::update_me))
                .route(web::delete().to(users::delete_me)),
        )
        .route("/users/me/password", web::post().to(users::change_password))
        .service(
            web::resource("/users/{id}")
                .route(web::get().to(users::get_user))
                .route(web::patch().to(users::update_user))
                .route(web::delete().to(users::delete_user)),
        );
}
