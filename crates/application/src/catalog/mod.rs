//! Catalog use cases: categories, products and their images.

mod catalog_service;
mod error;

#[cfg(test)]
mod catalog_category_tests;
#[cfg(test)]
mod catalog_image_tests;
#[cfg(test)]
mod catalog_product_tests;
#[cfg(test)]
mod catalog_tests;
#[cfg(test)]
use crate::test_support::shop as test_support;

pub use catalog_service::{CatalogService, NewProduct, ProductPatch};
pub use error::{CatalogCase, CatalogError};
