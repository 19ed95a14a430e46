//! Cart handlers: one cart per user.

use actix_web::{HttpResponse, web};
use keel_application::ordering::CartService;
use keel_domain::catalog::ProductId;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::extract::Json;
use crate::ordering::dto::{CartResponse, SetQuantityRequest};
use crate::problem::{ApiError, Problem};

/// My cart at current prices.
#[utoipa::path(get, path = "/api/v1/cart", tag = "ordering", security(("bearer" = [])),
    responses(
        (status = 200, body = CartResponse),
    ))]
pub async fn get_cart(
    carts: web::Data<CartService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(CartResponse::from(carts.view(&who.0).await?)))
}

/// Set a product's quantity (1..=99) in my cart.
#[utoipa::path(put, path = "/api/v1/cart/items/{product_id}", tag = "ordering", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id")), request_body = SetQuantityRequest,
    responses(
        (status = 200, body = CartResponse),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such active product"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Quantity outside 1..=99"),
    ))]
pub async fn set_item(
    carts: web::Data<CartService>,
    who: Authenticated,
    product_id: web::Path<Uuid>,
    body: Json<SetQuantityRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = carts
        .set(
            &who.0,
            ProductId::from_uuid(product_id.into_inner()),
            body.quantity,
        )
        .await?;
    Ok(HttpResponse::Ok().json(CartResponse::from(view)))
}

/// Remove a product from my cart.
#[utoipa::path(delete, path = "/api/v1/cart/items/{product_id}", tag = "ordering", security(("bearer" = [])),
    params(("product_id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, body = CartResponse),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Not in the cart"),
    ))]
pub async fn remove_item(
    carts: web::Data<CartService>,
    who: Authenticated,
    product_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = carts
        .remove(&who.0, ProductId::from_uuid(product_id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(CartResponse::from(view)))
}

/// Empty my cart.
#[utoipa::path(delete, path = "/api/v1/cart", tag = "ordering", security(("bearer" = [])),
    responses(
        (status = 204, description = "Emptied"),
    ))]
pub async fn clear_cart(
    carts: web::Data<CartService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    carts.clear(&who.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
