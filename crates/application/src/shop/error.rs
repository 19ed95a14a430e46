use keel_domain::catalog::{ProductId, StorageError};
use keel_domain::money::MoneyError;
use keel_domain::ordering::OrderError;
use keel_domain::{FieldError, RepoError};

/// What a shop use case can fail with; each variant maps to one status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShopError {
    /// Invalid input (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Not visible to the caller (404).
    #[error("not found")]
    NotFound,
    /// Authenticated but not allowed (403).
    #[error("not allowed")]
    Forbidden,
    /// A uniqueness or state conflict (409).
    #[error("{0}")]
    Conflict(String),
    /// Checkout of an empty cart (422).
    #[error("the cart is empty")]
    EmptyCart,
    /// Products short of stock or no longer sold (409), in cart order.
    #[error("products are short of stock or unavailable")]
    Unfulfillable {
        /// Products with too little stock.
        out_of_stock: Vec<ProductId>,
        /// Products missing, inactive or deleted.
        unavailable: Vec<ProductId>,
    },
    /// An upload that is not JPEG, PNG or WebP by content (415).
    #[error("only JPEG, PNG and WebP images are accepted")]
    UnsupportedMediaType,
    /// Storage is unreachable (503); the message is for logs only.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl ShopError {
    /// A 422 on one field.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<RepoError> for ShopError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(_) => Self::Conflict("conflicts with an existing record".into()),
            RepoError::Unavailable(why) => Self::Unavailable(why),
        }
    }
}

impl From<StorageError> for ShopError {
    fn from(err: StorageError) -> Self {
        Self::Unavailable(err.to_string())
    }
}

impl From<MoneyError> for ShopError {
    fn from(err: MoneyError) -> Self {
        Self::Conflict(format!("prices cannot be combined: {err}"))
    }
}

impl From<OrderError> for ShopError {
    fn from(err: OrderError) -> Self {
        match err {
            OrderError::EmptyCart => Self::EmptyCart,
            other => Self::Conflict(other.to_string()),
        }
    }
}
