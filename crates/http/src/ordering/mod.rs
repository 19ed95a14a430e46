//! Ordering routes: the cart, checkout and orders.

pub mod dto;
pub mod handlers;
mod problem;
mod routes;

use std::sync::Arc;

use keel_application::ordering::{CartService, OrderService};
use utoipa::OpenApi;

use crate::context::{HttpContext, data};
use handlers::{cart, orders};

pub use problem::{ProductShortage, UnfulfillableProblem};

#[derive(OpenApi)]
#[openapi(
    paths(
        cart::get_cart,
        cart::set_item,
        cart::remove_item,
        cart::clear_cart,
        orders::checkout,
        orders::list_mine,
        orders::get_order,
        orders::cancel_order,
        orders::list_all,
        orders::change_status,
    ),
    tags((name = "ordering", description = "Cart, checkout and orders"))
)]
struct OrderingApi;

/// The ordering context over its use cases.
pub fn context(carts: Arc<CartService>, orders: Arc<OrderService>) -> HttpContext {
    HttpContext::new(OrderingApi::openapi(), move |cfg| {
        cfg.app_data(data(&carts)).app_data(data(&orders));
        routes::configure(cfg);
    })
}
