//! Catalog routes under `/api/v1`.

use actix_web::web;

use super::handlers;

/// Registers the catalog routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/categories")
            .route(web::get().to(handlers::list_categories))
            .route(web::post().to(handlers::create_category)),
    )
    .service(
        web::resource("/categories/{id}")
            .route(web::patch().to(handlers::update_category))
            .route(web::delete().to(handlers::delete_category)),
    )
    .service(
        web::resource("/products")
            .route(web::get().to(handlers::list_products))
            .route(web::post().to(handlers::create_product)),
    )
    .service(
        web::resource("/products/{id_or_slug}")
            .route(web::get().to(handlers::get_product))
            .route(web::patch().to(handlers::update_product))
            .route(web::delete().to(handlers::delete_product)),
    )
    .route(
        "/products/{id}/images",
        web::post().to(handlers::upload_image),
    )
    .route("/images/{key}", web::get().to(handlers::get_image));
}
