//! Shop use cases: the catalog (categories, products, images), carts and
//! orders.

mod catalog;
mod error;
mod orders;

#[cfg(test)]
mod cart_tests;
#[cfg(test)]
mod catalog_category_tests;
#[cfg(test)]
mod catalog_image_tests;
#[cfg(test)]
mod catalog_product_tests;
#[cfg(test)]
mod catalog_tests;
#[cfg(test)]
mod order_checkout_tests;
#[cfg(test)]
mod order_tests;
#[cfg(test)]
mod test_support;

pub use catalog::{CatalogService, NewProduct, ProductPatch, image_url};
pub use error::ShopError;
pub use orders::{CartService, CheckoutResult, OrderService};
