//! Catalog ports. Adapters live in `keel-infrastructure`; use cases hold
//! them as `Arc<dyn Port>`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StorageError;
use super::image::{ImageInfo, ImageType, StorageKey, StoredFile};
use super::model::{Category, Product, ProductFilter};
use super::slug::Slug;
use super::values::{CategoryId, ProductId};
use crate::error::RepoError;
use crate::pagination::{Page, PageRequest};

/// Stores categories.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CategoryRepo: Send + Sync {
    /// Inserts a new category.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the slug is taken;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn create(&self, category: &Category) -> Result<(), RepoError>;

    /// Saves name, slug, description and `updated_at` of an existing
    /// category; `false` when no category has that id.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the new slug is taken;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn update(&self, category: &Category) -> Result<bool, RepoError>;

    /// Deletes a category for good; `false` when no category has that id.
    /// A category still referenced by any product (soft-deleted ones
    /// included) is not deleted: the adapter checks and deletes in one
    /// transaction, or relies on a restricting foreign key, and answers
    /// [`RepoError::Conflict`].
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when a product still references it;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn delete(&self, id: CategoryId) -> Result<bool, RepoError>;

    /// Finds a category by id.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_id(&self, id: CategoryId) -> Result<Option<Category>, RepoError>;

    /// Finds a category by slug.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Category>, RepoError>;

    /// Every category, by name.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(&self) -> Result<Vec<Category>, RepoError>;
}

/// Stores products. Stock is only ever decremented by the checkout
/// transaction ([`crate::ordering::OrderRepo::checkout`]).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProductRepo: Send + Sync {
    /// Inserts a new product, its `images` included.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the slug is taken (by a soft-deleted
    /// product too) or the category does not exist;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn create(&self, product: &Product) -> Result<(), RepoError>;

    /// Saves every mutable field of a product that is not soft-deleted
    /// (`images` excepted: see [`add_image`](Self::add_image));
    /// `false` when there is no such product.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the new slug is taken or the category
    /// does not exist; [`RepoError::Unavailable`] when storage fails.
    async fn update(&self, product: &Product) -> Result<bool, RepoError>;

    /// Sets `deleted_at` (and `updated_at`) to `now` and `is_active` to
    /// false; `false` when the product does not exist or was already
    /// deleted. Orders keep their snapshots; carts may still hold it and
    /// checkout then reports it unavailable.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn soft_delete(&self, id: ProductId, now: DateTime<Utc>) -> Result<bool, RepoError>;

    /// Finds a product by id in any state (inactive and soft-deleted
    /// included); callers decide visibility with [`Product::is_purchasable`].
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_id(&self, id: ProductId) -> Result<Option<Product>, RepoError>;

    /// Finds a product by slug in any state, like [`find_by_id`](Self::find_by_id).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Product>, RepoError>;

    /// The public list: purchasable products only (active, not deleted),
    /// matching every set field of `filter` (a category given by slug that
    /// does not exist matches nothing), in `filter.sort` order with the id
    /// as tie-breaker so pages are stable.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>, RepoError>;

    /// Appends the image stored under `key` to a product that is not
    /// soft-deleted and sets `updated_at` to `now`; `false` when there is no
    /// such product.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn add_image(
        &self,
        id: ProductId,
        key: &StorageKey,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError>;

    /// Whether any product, soft-deleted ones included, has `slug`.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn slug_exists(&self, slug: &Slug) -> Result<bool, RepoError>;
}

/// Stores uploaded files (product images) under a [`StorageKey`]. Keys are
/// path-safe by construction, so an adapter may join them to a directory.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FileStorage: Send + Sync {
    /// Stores `bytes` under `key`, replacing any file already there. A
    /// reader never sees a partly written file (write then rename).
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] when the file cannot be written.
    async fn put(
        &self,
        key: &StorageKey,
        bytes: Vec<u8>,
        content_type: ImageType,
    ) -> Result<(), StorageError>;

    /// The file stored under `key`, or `None`.
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] when the storage cannot be read.
    async fn get(&self, key: &StorageKey) -> Result<Option<StoredFile>, StorageError>;

    /// Removes the file under `key`; removing a missing file succeeds.
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] when the file cannot be removed.
    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError>;
}

/// Reads an upload as an image: the only judge of whether bytes are one.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ImageDecoder: Send + Sync {
    /// What `bytes` are when they are one whole JPEG, PNG or WebP image
    /// that decodes, with sides of 1..=[`ImageInfo::MAX_SIDE`] pixels and
    /// nothing appended after its end; `None` for anything else (a PNG
    /// signature followed by HTML, a truncated file, a decompression bomb).
    async fn inspect(&self, bytes: &[u8]) -> Option<ImageInfo>;
}
