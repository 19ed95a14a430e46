//! Profile routes under `/api/v1`.

use actix_web::web;

use super::handlers;

/// Registers the profile routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users/me/profile")
            .route(web::get().to(handlers::get_mine))
            .route(web::put().to(handlers::put_mine))
            .route(web::delete().to(handlers::delete_mine)),
    )
    .route(
        "/users/me/profile/picture",
        web::post().to(handlers::upload_picture),
    )
    .service(
        web::resource("/users/me/profile/contacts")
            .route(web::get().to(handlers::list_contacts))
            .route(web::post().to(handlers::add_contact)),
    )
    .service(
        web::resource("/users/me/profile/contacts/{id}")
            .route(web::patch().to(handlers::update_contact))
            .route(web::delete().to(handlers::delete_contact)),
    )
    .service(
        web::resource("/users/me/profile/jobs")
            .route(web::get().to(handlers::list_jobs))
            .route(web::post().to(handlers::add_job)),
    )
    .service(
        web::resource("/users/me/profile/jobs/{id}")
            .route(web::patch().to(handlers::update_job))
            .route(web::delete().to(handlers::delete_job)),
    )
    .route("/profiles", web::get().to(handlers::list_profiles))
    .route("/profiles/{id}", web::get().to(handlers::get_profile));
}
