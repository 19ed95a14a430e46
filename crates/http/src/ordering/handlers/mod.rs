//! Ordering handlers: the cart, checkout and orders.

pub mod cart;
pub mod orders;
