//! Identity routes: `/api/v1/auth/*` and `/api/v1/users/*`.

pub mod auth_handlers;
pub mod dto;
pub mod user_handlers;

use actix_web::web;

/// Registers the identity routes under the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth")
            .route("/register", web::post().to(auth_handlers::register))
            .route("/login", web::post().to(auth_handlers::login))
            .route("/token", web::post().to(auth_handlers::token))
            .route("/refresh", web::post().to(auth_handlers::refresh))
            .route("/logout", web::post().to(auth_handlers::logout))
            .route("/sessions", web::get().to(auth_handlers::list_sessions))
            .route(
                "/sessions/{id}",
                web::delete().to(auth_handlers::revoke_session),
            ),
    )
    .service(
        web::scope("/users")
            .route("", web::get().to(user_handlers::list_users))
            .service(
                web::resource("/me")
                    .route(web::get().to(user_handlers::get_me))
                    .route(web::patch().to(user_handlers::update_me))
                    .route(web::delete().to(user_handlers::delete_me)),
            )
            .route(
                "/me/password",
                web::post().to(user_handlers::change_password),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(user_handlers::get_user))
                    .route(web::patch().to(user_handlers::update_user))
                    .route(web::delete().to(user_handlers::delete_user)),
            ),
    );
}
