//! Identity routes under `/api/v1`.

use actix_web::web;

use super::handlers::{auth, users};

/// Registers the identity routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth")
            .route("/register", web::post().to(auth::register))
            .route("/login", web::post().to(auth::login))
            .route("/token", web::post().to(auth::token))
            .route("/refresh", web::post().to(auth::refresh))
            .route("/logout", web::post().to(auth::logout))
            .route("/sessions", web::get().to(auth::list_sessions))
            .route("/sessions/{id}", web::delete().to(auth::revoke_session)),
    )
    .service(
        web::scope("/users")
            .route("", web::get().to(users::list_users))
            .service(
                web::resource("/me")
                    .route(web::get().to(users::get_me))
                    .route(web::patch().to(users::update_me))
                    .route(web::delete().to(users::delete_me)),
            )
            .route("/me/password", web::post().to(users::change_password))
            .service(
                web::resource("/{id}")
                    .route(web::get().to(users::get_user))
                    .route(web::patch().to(users::update_user))
                    .route(web::delete().to(users::delete_user)),
            ),
    );
}
