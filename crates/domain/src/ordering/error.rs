//! Ordering errors.

use super::status::OrderStatus;
use crate::money::MoneyError;

/// Why an order could not be placed or changed.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum OrderError {
    /// An order needs at least one item.
    #[error("the cart is empty")]
    EmptyCart,
    /// The status machine does not allow this move.
    #[error("an order cannot go from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: OrderStatus,
        /// The requested status.
        to: OrderStatus,
    },
    /// The items cannot be totalled (mixed currencies, overflow, negative price).
    #[error(transparent)]
    Money(#[from] MoneyError),
}
