//! Order handlers: checkout, my orders, staff management.

use actix_web::{HttpRequest, HttpResponse, web};
use keel_application::ordering::{CheckoutResult, OrderService};
use keel_domain::PageRequest;
use keel_domain::ordering::OrderId;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::extract::{Json, Query};
use crate::ordering::dto::{ChangeStatusRequest, OrderPage, OrderResponse, OrdersQuery};
use crate::problem::{ApiError, Problem};

/// Check out my cart in one transaction. With `Idempotency-Key`, a retry
/// (also a concurrent one) returns the first order with 200.
#[utoipa::path(post, path = "/api/v1/orders", tag = "ordering", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1..=255 visible ASCII characters, per user")),
    responses(
        (status = 201, body = OrderResponse, description = "Order placed, stock taken, cart emptied"),
        (status = 200, body = OrderResponse, description = "The order an earlier request with this key placed"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Products short of stock or no longer sold (`products`); nothing changed"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Empty cart or malformed key"),
    ))]
pub async fn checkout(
    req: HttpRequest,
    orders: web::Data<OrderService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let key = match req.headers().get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::Validation(vec![keel_domain::FieldError::new(
                "Idempotency-Key",
                "must be visible ASCII",
            )])
        })?),
        None => None,
    };
    Ok(match orders.checkout(&who.0, key).await? {
        CheckoutResult::Created(order) => HttpResponse::Created().json(OrderResponse::from(order)),
        CheckoutResult::Replayed(order) => HttpResponse::Ok().json(OrderResponse::from(order)),
    })
}

/// My orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "ordering", security(("bearer" = [])), params(OrdersQuery),
    responses(
        (status = 200, body = crate::page::PageResponse<OrderResponse>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad page or size"),
    ))]
pub async fn list_mine(
    orders: web::Data<OrderService>,
    who: Authenticated,
    query: Query<OrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.page, query.size).map_err(ApiError::Validation)?;
    Ok(HttpResponse::Ok().json(OrderPage::from_page(
        orders.mine(&who.0, page).await?,
        Into::into,
    )))
}

/// One of my orders (staff and admins: any).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "ordering", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, body = OrderResponse),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such order of mine"),
    ))]
pub async fn get_order(
    orders: web::Data<OrderService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = orders
        .get(&who.0, OrderId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(OrderResponse::from(order)))
}

/// Cancel my pending order; its stock returns.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "ordering", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, body = OrderResponse),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such order of mine"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "No longer pending"),
    ))]
pub async fn cancel_order(
    orders: web::Data<OrderService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = orders
        .cancel(&who.0, OrderId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(OrderResponse::from(order)))
}

/// Every order, optionally of one status (staff and admins).
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "ordering", security(("bearer" = [])), params(OrdersQuery),
    responses(
        (status = 200, body = crate::page::PageResponse<OrderResponse>),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not staff"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad status, page or size"),
    ))]
pub async fn list_all(
    orders: web::Data<OrderService>,
    who: Authenticated,
    query: Query<OrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.page, query.size).map_err(ApiError::Validation)?;
    let all = orders
        .all(&who.0, query.status.map(Into::into), page)
        .await?;
    Ok(HttpResponse::Ok().json(OrderPage::from_page(all, Into::into)))
}

/// Move an order along `pending → confirmed → preparing → ready → completed`
/// or `pending|confirmed → cancelled` (staff and admins).
#[utoipa::path(patch, path = "/api/v1/admin/orders/{id}", tag = "ordering", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")), request_body = ChangeStatusRequest,
    responses(
        (status = 200, body = OrderResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not staff"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such order"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not allowed by the status machine"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Unknown status"),
    ))]
pub async fn change_status(
    orders: web::Data<OrderService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<ChangeStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let order = orders
        .change_status(
            &who.0,
            OrderId::from_uuid(id.into_inner()),
            body.status.into(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(OrderResponse::from(order)))
}
