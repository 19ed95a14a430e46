//! Catalog: categories, products, their images and the ports that store them.

pub mod cursor;
pub mod error;
pub mod image;
pub mod model;
pub mod ports;
pub mod slug;
pub mod values;

pub use cursor::{CursorKey, ProductCursor};
pub use error::StorageError;
pub use image::{ImageInfo, ImageType, StorageKey, StoredFile};
pub use model::{Category, Product, ProductFilter, ProductSort};
pub use ports::{CategoryRepo, FileStorage, ImageDecoder, ProductRepo};
pub use slug::Slug;
pub use values::{CategoryId, CategoryName, CategoryRef, ProductId, ProductName, ProductRef};
