//! Shop routes: catalog, images, cart and orders.

pub mod cart_handlers;
pub mod catalog_handlers;
pub mod dto;
pub mod order_handlers;

use actix_web::web;

/// Largest accepted upload, from `APP__UPLOADS__MAX_BYTES`.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

/// Registers the shop routes under the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/categories")
            .route(web::get().to(catalog_handlers::list_categories))
            .route(web::post().to(catalog_handlers::create_category)),
    )
    .service(
        web::resource("/categories/{id}")
            .route(web::patch().to(catalog_handlers::update_category))
            .route(web::delete().to(catalog_handlers::delete_category)),
    )
    .service(
        web::resource("/products")
            .route(web::get().to(catalog_handlers::list_products))
            .route(web::post().to(catalog_handlers::create_product)),
    )
    .service(
        web::resource("/products/{id_or_slug}")
            .route(web::get().to(catalog_handlers::get_product))
            .route(web::patch().to(catalog_handlers::update_product))
            .route(web::delete().to(catalog_handlers::delete_product)),
    )
    .route(
        "/products/{id}/images",
        web::post().to(catalog_handlers::upload_image),
    )
    .route("/images/{key}", web::get().to(catalog_handlers::get_image))
    .service(
        web::resource("/cart")
            .route(web::get().to(cart_handlers::get_cart))
            .route(web::delete().to(cart_handlers::clear_cart)),
    )
    .service(
        web::resource("/cart/items/{product_id}")
            .route(web::put().to(cart_handlers::set_item))
            .route(web::delete().to(cart_handlers::remove_item)),
    )
    .service(
        web::resource("/orders")
            .route(web::post().to(order_handlers::checkout))
            .route(web::get().to(order_handlers::list_mine)),
    )
    .route("/orders/{id}", web::get().to(order_handlers::get_order))
    .route(
        "/orders/{id}/cancel",
        web::post().to(order_handlers::cancel_order),
    )
    .route("/admin/orders", web::get().to(order_handlers::list_all))
    .route(
        "/admin/orders/{id}",
        web::patch().to(order_handlers::change_status),
    );
}
