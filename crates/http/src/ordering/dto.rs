//! Cart and order request and response bodies.

use chrono::{DateTime, Utc};
use keel_domain::ordering::{CartView, Order, OrderItem, OrderStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One cart line.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartItemResponse {
    /// Product.
    pub product_id: Uuid,
    /// Current name.
    pub name: String,
    /// Current price.
    pub unit_price_cents: i64,
    /// 1..=99.
    pub quantity: u32,
    /// Price × quantity.
    pub line_total_cents: i64,
}

/// My cart at current prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartResponse {
    /// Lines, in the order first added.
    pub items: Vec<CartItemResponse>,
    /// Sum of the lines.
    pub total_cents: i64,
    /// Currency of every line.
    pub currency: String,
}

impl From<CartView> for CartResponse {
    fn from(v: CartView) -> Self {
        Self {
            items: v
                .lines()
                .iter()
                .map(|l| CartItemResponse {
                    product_id: l.line.product_id.as_uuid(),
                    name: l.line.name.clone(),
                    unit_price_cents: l.line.unit_price.amount_minor(),
                    quantity: l.line.quantity.get(),
                    line_total_cents: l.line_total.amount_minor(),
                })
                .collect(),
            total_cents: v.total().amount_minor(),
            currency: v.currency().as_str().to_owned(),
        }
    }
}

/// `PUT /cart/items/{product_id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuantityRequest {
    /// 1..=99.
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

/// An order's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusDto {
    /// Placed.
    Pending,
    /// Accepted by staff.
    Confirmed,
    /// Being prepared.
    Preparing,
    /// Ready for pick-up.
    Ready,
    /// Handed over.
    Completed,
    /// Cancelled (stock returned).
    Cancelled,
}

impl From<OrderStatus> for OrderStatusDto {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::Pending => Self::Pending,
            OrderStatus::Confirmed => Self::Confirmed,
            OrderStatus::Preparing => Self::Preparing,
            OrderStatus::Ready => Self::Ready,
            OrderStatus::Completed => Self::Completed,
            OrderStatus::Cancelled => Self::Cancelled,
        }
    }
}

impl From<OrderStatusDto> for OrderStatus {
    fn from(s: OrderStatusDto) -> Self {
        match s {
            OrderStatusDto::Pending => Self::Pending,
            OrderStatusDto::Confirmed => Self::Confirmed,
            OrderStatusDto::Preparing => Self::Preparing,
            OrderStatusDto::Ready => Self::Ready,
            OrderStatusDto::Completed => Self::Completed,
            OrderStatusDto::Cancelled => Self::Cancelled,
        }
    }
}

/// One order line: the price snapshot taken at checkout.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderItemResponse {
    /// Product (it may since have changed or been deleted).
    pub product_id: Uuid,
    /// Name at checkout.
    pub name: String,
    /// Price at checkout.
    pub unit_price_cents: i64,
    /// Units.
    pub quantity: u32,
    /// Price × quantity.
    pub line_total_cents: i64,
}

impl From<OrderItem> for OrderItemResponse {
    fn from(i: OrderItem) -> Self {
        Self {
            product_id: i.product_id.as_uuid(),
            name: i.name,
            unit_price_cents: i.unit_price.amount_minor(),
            quantity: i.quantity.get(),
            line_total_cents: i.line_total.amount_minor(),
        }
    }
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderResponse {
    /// Id.
    pub id: Uuid,
    /// Status.
    pub status: OrderStatusDto,
    /// Lines.
    pub items: Vec<OrderItemResponse>,
    /// Sum of the lines.
    pub total_cents: i64,
    /// Currency.
    pub currency: String,
    /// Checkout time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Order> for OrderResponse {
    fn from(o: Order) -> Self {
        let currency = o.currency().as_str().to_owned();
        Self {
            id: o.id.as_uuid(),
            status: o.status.into(),
            items: o.items.into_iter().map(Into::into).collect(),
            total_cents: o.total.amount_minor(),
            currency,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `GET /orders` and `GET /admin/orders` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Only this status (admin list).
    pub status: Option<OrderStatusDto>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// `PATCH /admin/orders/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStatusRequest {
    /// The next status along the machine.
    pub status: OrderStatusDto,
}

/// A page of [`OrderResponse`].
pub type OrderPage = crate::page::PageResponse<OrderResponse>;
