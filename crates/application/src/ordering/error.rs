use keel_domain::catalog::ProductId;
use keel_domain::money::MoneyError;
use keel_domain::ordering::OrderError;

use crate::error::AppError;

/// What an ordering use case can fail with: the shared kinds plus [`OrderingCase`].
pub type OrderingError = AppError<OrderingCase>;

/// The ordering context's own failures.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum OrderingCase {
    /// Products short of stock or no longer sold (409), in cart order.
    #[error("products are short of stock or unavailable")]
    Unfulfillable {
        /// Products with too little stock.
        out_of_stock: Vec<ProductId>,
        /// Products missing, inactive or deleted.
        unavailable: Vec<ProductId>,
    },
}

impl From<MoneyError> for OrderingError {
    fn from(err: MoneyError) -> Self {
        Self::Conflict(format!("prices cannot be combined: {err}"))
    }
}

impl From<OrderError> for OrderingError {
    fn from(err: OrderError) -> Self {
        match err {
            OrderError::EmptyCart => Self::invalid("cart", "is empty"),
            other => Self::Conflict(other.to_string()),
        }
    }
}
