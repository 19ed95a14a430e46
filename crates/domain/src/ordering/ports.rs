//! Ordering ports. Adapters live in `keel-infrastructure`; use cases hold
//! them as `Arc<dyn Port>`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::cart::Cart;
use super::model::{Order, OrderStatusChange};
use super::status::OrderStatus;
use super::values::{IdempotencyKey, OrderId, Quantity};
use crate::catalog::ProductId;
use crate::error::RepoError;
use crate::identity::UserId;
use crate::money::MoneyError;
use crate::pagination::{Page, PageRequest};

/// What a checkout did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutOutcome {
    /// A new order was placed, stock taken and the cart emptied (201).
    Created(Order),
    /// The idempotency key was already used by this user: the first order,
    /// unchanged; nothing else happened (200).
    Replayed(Order),
    /// The cart holds nothing; nothing changed (422).
    EmptyCart,
    /// These products (in cart order) have less stock than the cart asks
    /// for; nothing changed (409).
    OutOfStock(Vec<ProductId>),
    /// These products (in cart order) are missing, inactive or soft-deleted;
    /// nothing changed (409).
    Unavailable(Vec<ProductId>),
    /// The lines cannot be totalled (mixed currencies, overflow); nothing
    /// changed (409).
    PricingFailed(MoneyError),
}

/// What cancelling an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The order is now cancelled and its stock was returned.
    Cancelled(Order),
    /// No order of this user has that id.
    NotFound,
    /// The order is no longer pending; it is left in this status.
    NotPending(OrderStatus),
}

/// Stores carts, one per user.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CartRepo: Send + Sync {
    /// The cart of `user_id` (empty when it has none), items in the order
    /// first added, products no longer purchasable included; callers decide
    /// what to show.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn get(&self, user_id: UserId) -> Result<Cart, RepoError>;

    /// Sets the quantity of `product_id` in the cart of `user_id` (an
    /// upsert: it replaces, not adds to, the current quantity). The caller
    /// checks the product is purchasable first. `now` stamps a new line's
    /// `added_at` (which orders the cart) and every line's `updated_at`.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the product does not exist (it vanished
    /// meanwhile); [`RepoError::Unavailable`] when storage fails.
    async fn set_item(
        &self,
        user_id: UserId,
        product_id: ProductId,
        quantity: Quantity,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Removes `product_id` from the cart of `user_id`; `false` when it was
    /// not there.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn remove_item(&self, user_id: UserId, product_id: ProductId) -> Result<bool, RepoError>;

    /// Empties the cart of `user_id`; an empty cart stays empty.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn clear(&self, user_id: UserId) -> Result<(), RepoError>;
}

/// Stores orders and performs the stock-moving operations atomically.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepo: Send + Sync {
    /// Checks out the cart of `user_id` in ONE transaction, so that under
    /// any concurrency stock never goes below zero, no unit is sold twice
    /// and every outcome but `Created` changes nothing:
    ///
    /// 1. Serialise the checkouts of this user (e.g. `SELECT ... FOR UPDATE`
    ///    on the user's row on PostgreSQL; `BEGIN IMMEDIATE` on SQLite).
    /// 2. With `key`: when an order of `user_id` has that key, return
    ///    `Replayed(that order)` whatever the cart holds now.
    /// 3. Read the cart; no items → `EmptyCart`.
    /// 4. Read every product; any missing, inactive or soft-deleted → roll
    ///    back, `Unavailable(their ids)`.
    /// 5. Snapshot each line's current name and price with
    ///    [`OrderItem::snapshot`](super::OrderItem::snapshot) and build the
    ///    order with `Order::place(OrderId::generate(), user_id, items,
    ///    key, now)`; a money error → roll back, `PricingFailed`.
    /// 6. Per line, `UPDATE products SET stock = stock - qty WHERE id = ?
    ///    AND stock >= qty AND is_active AND deleted_at IS NULL`, which
    ///    must affect exactly one row. Try every line; if any affected
    ///    none, roll back and return `OutOfStock(every short id)`.
    /// 7. Insert the order and its items with the key (unique per
    ///    `(user_id, idempotency_key)`), delete the cart's items, commit →
    ///    `Created(order)`.
    ///
    /// Id lists are in cart order. A retry with the same key, also a
    /// concurrent one, returns `Replayed(first order)`: should the key's
    /// unique index still reject the insert of step 7, the adapter rolls
    /// back (returning the stock it took) and reads the winner's order.
    /// Only a created order stores its key, so a checkout that failed may
    /// be retried with the same key. Keys of different users never meet.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails (nothing changed).
    async fn checkout(
        &self,
        user_id: UserId,
        key: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<CheckoutOutcome, RepoError>;

    /// Finds an order by id, items included.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError>;

    /// The orders of `user_id`, newest first (id as tie-breaker).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list_for_user(
        &self,
        user_id: UserId,
        page: PageRequest,
    ) -> Result<Page<Order>, RepoError>;

    /// Every order, or those in `status`, newest first (id as tie-breaker).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list_all(
        &self,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, RepoError>;

    /// The owner's cancel, in ONE transaction: `UPDATE orders SET status =
    /// 'cancelled', updated_at = now WHERE id = ? AND user_id = ? AND
    /// status = 'pending'`; when it affected a row, add every item's
    /// quantity back to its product's stock (soft-deleted products too)
    /// and record the change (by `user_id`, at `now`). `NotFound` also for
    /// another user's order, so its existence is not revealed;
    /// `NotPending(current status)` when it is no longer pending.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails (nothing changed).
    async fn cancel(
        &self,
        id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome, RepoError>;

    /// Applies a change made by [`Order::status_change`] in ONE
    /// transaction: `UPDATE orders SET status = to, updated_at = at WHERE
    /// id = ? AND status = from`; when it affected a row, record `from`,
    /// `to`, `by` and `at` in the order's status history and, when `to` is
    /// cancelled, return the stock as [`cancel`](Self::cancel) does.
    /// Returns the updated order, or `None` when no row matched: the order
    /// does not exist, or its status is no longer `from` (a concurrent
    /// change); the caller tells these apart with [`find`](Self::find).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails (nothing changed).
    async fn change_status(
        &self,
        id: OrderId,
        change: OrderStatusChange,
    ) -> Result<Option<Order>, RepoError>;
}
