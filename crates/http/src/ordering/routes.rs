//! Ordering routes under `/api/v1`.

use actix_web::web;

use super::handlers::{cart, orders};

/// Registers the cart and order routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/cart")
            .route(web::get().to(cart::get_cart))
            .route(web::delete().to(cart::clear_cart)),
    )
    .service(
        web::resource("/cart/items/{product_id}")
            .route(web::put().to(cart::set_item))
            .route(web::delete().to(cart::remove_item)),
    )
    .service(
        web::resource("/orders")
            .route(web::post().to(orders::checkout))
            .route(web::get().to(orders::list_mine)),
    )
    .route("/orders/{id}", web::get().to(orders::get_order))
    .route("/orders/{id}/cancel", web::post().to(orders::cancel_order))
    .route("/admin/orders", web::get().to(orders::list_all))
    .route("/admin/orders/{id}", web::patch().to(orders::change_status));
}
