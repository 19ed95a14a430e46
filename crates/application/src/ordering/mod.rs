//! Ordering use cases: carts, checkout and orders.

mod cart_service;
mod error;
mod order_service;

#[cfg(test)]
mod cart_tests;
#[cfg(test)]
mod order_checkout_tests;
#[cfg(test)]
mod order_tests;
#[cfg(test)]
use crate::test_support::shop as test_support;

pub use cart_service::CartService;
pub use error::{OrderingCase, OrderingError};
pub use order_service::{CheckoutResult, OrderService};
