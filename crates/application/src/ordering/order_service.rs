use std::sync::Arc;

use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::mail::{Letter, Outbox, Recipient};
use keel_domain::ordering::{
    CancelOutcome, CheckoutOutcome, IdempotencyKey, Order, OrderId, OrderRepo, OrderStatus,
};
use keel_domain::{Page, PageRequest};
use serde_json::json;

use super::error::{OrderingCase, OrderingError};

/// The outcome of a successful checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutResult {
    /// A new order (201).
    Created(Order),
    /// The order a previous request with the same key created (200).
    Replayed(Order),
}

/// Checkout, my orders, and staff order management.
pub struct OrderService {
    orders: Arc<dyn OrderRepo>,
    clock: Arc<dyn Clock>,
    outbox: Option<Arc<dyn Outbox>>,
}

impl OrderService {
    /// Wires the service.
    pub fn new(orders: Arc<dyn OrderRepo>, clock: Arc<dyn Clock>) -> Self {
        Self {
            orders,
            clock,
            outbox: None,
        }
    }

    /// Mails the customer a confirmation on checkout and a notice on each
    /// status change, through `outbox`.
    #[must_use]
    pub fn with_outbox(mut self, outbox: Arc<dyn Outbox>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// Queues `template` about `order` to its customer. The order is stored
    /// already: a queue failure is logged, never turned into an error the
    /// client would retry.
    async fn mail(&self, order: &Order, template: &str) {
        let Some(outbox) = &self.outbox else { return };
        let letter = Letter::new(
            Recipient::User(order.user_id),
            template,
            json!({
                "order_id": order.id.to_string(),
                "status": order.status.as_str(),
                "total": order.total.to_string(),
                "lines": order.items.iter().map(|i| json!({
                    "name": i.name,
                    "quantity": i.quantity.get(),
                    "line_total": i.line_total.to_string(),
                })).collect::<Vec<_>>(),
            }),
        );
        if let Err(e) = outbox.post(letter).await {
            tracing::warn!(order = %order.id, template, error = %e, "order mail not queued");
        }
    }

    /// Checks out the caller's cart, idempotently with `key`.
    ///
    /// # Errors
    /// `Validation` for a malformed key, `EmptyCart` (422), `Unfulfillable`
    /// (409) naming the products short of stock or no longer sold.
    pub async fn checkout(
        &self,
        principal: &Principal,
        key: Option<&str>,
    ) -> Result<CheckoutResult, OrderingError> {
        let key = key
            .map(IdempotencyKey::parse)
            .transpose()
            .map_err(|e| OrderingError::Validation(vec![e]))?;
        match self
            .orders
            .checkout(principal.user.id, key, self.clock.now())
            .await?
        {
            CheckoutOutcome::Created(order) => {
                self.mail(&order, "order_confirmation").await;
                Ok(CheckoutResult::Created(order))
            }
            CheckoutOutcome::Replayed(order) => Ok(CheckoutResult::Replayed(order)),
            CheckoutOutcome::EmptyCart => Err(OrderingError::invalid("cart", "is empty")),
            CheckoutOutcome::OutOfStock(ids) => {
                Err(OrderingError::Case(OrderingCase::Unfulfillable {
                    out_of_stock: ids,
                    unavailable: Vec::new(),
                }))
            }
            CheckoutOutcome::Unavailable(ids) => {
                Err(OrderingError::Case(OrderingCase::Unfulfillable {
                    out_of_stock: Vec::new(),
                    unavailable: ids,
                }))
            }
            CheckoutOutcome::PricingFailed(e) => Err(e.into()),
        }
    }

    /// The caller's orders, newest first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn mine(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Order>, OrderingError> {
        Ok(self.orders.list_for_user(principal.user.id, page).await?)
    }

    /// One order: the owner's, or any for staff and admins.
    ///
    /// # Errors
    /// `NotFound` for another user's order.
    pub async fn get(&self, principal: &Principal, id: OrderId) -> Result<Order, OrderingError> {
        self.orders
            .find(id)
            .await?
            .filter(|o| o.user_id == principal.user.id || principal.is_staff())
            .ok_or(OrderingError::NotFound)
    }

    /// The owner cancels a pending order; its stock returns.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` once it is no longer pending.
    pub async fn cancel(&self, principal: &Principal, id: OrderId) -> Result<Order, OrderingError> {
        match self
            .orders
            .cancel(id, principal.user.id, self.clock.now())
            .await?
        {
            CancelOutcome::Cancelled(order) => {
                self.mail(&order, "order_status").await;
                Ok(order)
            }
            CancelOutcome::NotFound => Err(OrderingError::NotFound),
            CancelOutcome::NotPending(status) => Err(OrderingError::Conflict(format!(
                "only pending orders can be cancelled; this one is {}",
                status.as_str()
            ))),
        }
    }

    /// Every order, optionally of one status (staff and admins).
    ///
    /// # Errors
    /// `Forbidden` for customers.
    pub async fn all(
        &self,
        principal: &Principal,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, OrderingError> {
        principal.require_staff()?;
        Ok(self.orders.list_all(status, page).await?)
    }

    /// Moves an order along the status machine (staff and admins), recorded
    /// with who and when.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict` for a move the machine forbids or
    /// a concurrent change.
    pub async fn change_status(
        &self,
        principal: &Principal,
        id: OrderId,
        next: OrderStatus,
    ) -> Result<Order, OrderingError> {
        principal.require_staff()?;
        let order = self.orders.find(id).await?.ok_or(OrderingError::NotFound)?;
        let change = order.status_change(next, principal.user.id, self.clock.now())?;
        let changed = self
            .orders
            .change_status(id, change)
            .await?
            .ok_or_else(|| {
                OrderingError::Conflict("the order changed meanwhile; reload it".into())
            })?;
        self.mail(&changed, "order_status").await;
        Ok(changed)
    }
}
