//! Shop use cases: the catalog (categories, products, images), carts and
//! orders.

mod catalog;
mod error;
mod orders;

pub use catalog::{CatalogService, NewProduct, ProductPatch, image_url};
pub use error::ShopError;
pub use orders::{CartService, CheckoutResult, OrderService};
