//! Ordering: carts, orders, their status machine and the transactional,
//! idempotent checkout port.

pub mod cart;
pub mod error;
pub mod model;
pub mod ports;
pub mod status;
pub mod values;

pub use cart::{Cart, CartItem, CartLine, CartView, PricedLine};
pub use error::OrderError;
pub use model::{Order, OrderItem, OrderStatusChange};
pub use ports::{CancelOutcome, CartRepo, CheckoutOutcome, OrderRepo};
pub use status::OrderStatus;
pub use values::{IdempotencyKey, OrderId, Quantity};
