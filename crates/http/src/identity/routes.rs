//! Identity routes under `/api/v1`. Full paths, no `web::scope`: another
//! context may register paths below `/users/me` (profiles does), and a scope
//! would swallow them.

use actix_web::web;

use super::handlers::{auth, recovery, users};

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
        .route(
            "/auth/verify-email/request",
            web::post().to(recovery::request_verification),
        )
        .route("/auth/verify-email", web::post().to(recovery::verify_email))
        .route(
            "/auth/password/forgot",
            web::post().to(recovery::forgot_password),
        )
        .route(
            "/auth/password/reset",
            web::post().to(recovery::reset_password),
        )
        .route(
            "/auth/magic-link",
            web::post().to(recovery::request_magic_link),
        )
        .route(
            "/auth/magic-link/verify",
            web::post().to(recovery::verify_magic_link),
        )
        .route("/users/me/email", web::post().to(recovery::change_email))
        .route(
            "/users/me/email/confirm",
            web::post().to(recovery::confirm_email),
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

/// Registers the pages behind the links in mails, outside `/api/v1`.
pub(super) fn configure_links(
    cfg: &mut web::ServiceConfig,
    recovery: &std::sync::Arc<keel_application::identity::RecoveryService>,
) {
    cfg.service(
        web::resource("/verify-email")
            .app_data(crate::context::data(recovery))
            .route(web::get().to(recovery::verify_link)),
    )
    .route("/reset-password", web::get().to(recovery::reset_link))
    .route("/magic-link", web::get().to(recovery::magic_link))
    .route(
        "/confirm-email",
        web::get().to(recovery::confirm_email_link),
    );
}
