//! Orders: price snapshots, placement and status changes.

use chrono::{DateTime, Utc};

use super::error::OrderError;
use super::status::OrderStatus;
use super::values::{IdempotencyKey, OrderId, Quantity};
use crate::catalog::ProductId;
use crate::identity::UserId;
use crate::money::{Currency, Money, MoneyError};

/// One line of an order: the product's name and price as they were at
/// checkout, so later catalog changes never alter a placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    /// The product (it may since have been changed or deleted).
    pub product_id: ProductId,
    /// The product's name at checkout.
    pub name: String,
    /// The unit price at checkout.
    pub unit_price: Money,
    /// How many units.
    pub quantity: Quantity,
    /// `unit_price × quantity`.
    pub line_total: Money,
}

impl OrderItem {
    /// Snapshots a product line, computing its total.
    ///
    /// # Errors
    /// [`MoneyError::Negative`] for a negative unit price;
    /// [`MoneyError::Overflow`] when the total overflows.
    pub fn snapshot(
        product_id: ProductId,
        name: impl Into<String>,
        unit_price: Money,
        quantity: Quantity,
    ) -> Result<Self, MoneyError> {
        if unit_price.is_negative() {
            return Err(MoneyError::Negative);
        }
        let line_total = unit_price.checked_mul(quantity.get())?;
        Ok(Self {
            product_id,
            name: name.into(),
            unit_price,
            quantity,
            line_total,
        })
    }
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The order's id (v7).
    pub id: OrderId,
    /// Who placed it.
    pub user_id: UserId,
    /// Where it is in its lifecycle.
    pub status: OrderStatus,
    /// Its lines, in cart order; never empty.
    pub items: Vec<OrderItem>,
    /// The sum of the line totals.
    pub total: Money,
    /// The `Idempotency-Key` it was placed with, if any (unique per user).
    pub idempotency_key: Option<String>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// Last status change.
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// A pending order of `items` placed at `now`, totalled from the
    /// items' line totals.
    ///
    /// # Errors
    /// [`OrderError::EmptyCart`] without items; [`OrderError::Money`] when
    /// the items mix currencies or the total overflows.
    pub fn place(
        id: OrderId,
        user_id: UserId,
        items: Vec<OrderItem>,
        idempotency_key: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<Self, OrderError> {
        let first = items.first().ok_or(OrderError::EmptyCart)?;
        let total = Money::sum(
            items.iter().map(|i| &i.line_total),
            first.line_total.currency(),
        )?;
        Ok(Self {
            id,
            user_id,
            status: OrderStatus::Pending,
            items,
            total,
            idempotency_key: idempotency_key.map(|k| k.as_str().to_owned()),
            created_at: now,
            updated_at: now,
        })
    }

    /// The order's currency.
    pub fn currency(&self) -> Currency {
        self.total.currency()
    }

    /// A change of this order to `next`, made by `by` at `now`, for
    /// [`crate::ordering::OrderRepo::change_status`]. The order itself is
    /// left as it is.
    ///
    /// # Errors
    /// [`OrderError::InvalidTransition`] when the status machine forbids it.
    pub fn status_change(
        &self,
        next: OrderStatus,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<OrderStatusChange, OrderError> {
        let to = self.status.transition(next)?;
        Ok(OrderStatusChange {
            from: self.status,
            to,
            by,
            at: now,
        })
    }
}

/// An allowed status change, with who made it and when. Only
/// [`Order::status_change`] makes one, so `from → to` is always allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderStatusChange {
    from: OrderStatus,
    to: OrderStatus,
    by: UserId,
    at: DateTime<Utc>,
}

impl OrderStatusChange {
    /// The status the order had.
    pub fn from(&self) -> OrderStatus {
        self.from
    }

    /// The new status.
    pub fn to(&self) -> OrderStatus {
        self.to
    }

    /// Who made the change.
    pub fn by(&self) -> UserId {
        self.by
    }

    /// When.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
