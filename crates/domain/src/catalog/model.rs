//! Catalog entities and the public product search.

use chrono::{DateTime, Utc};

use super::image::StorageKey;
use super::slug::Slug;
use super::values::{CategoryId, CategoryName, CategoryRef, ProductId, ProductName};
use crate::error::FieldError;
use crate::money::{Money, MoneyError};

/// A group of products, e.g. "Hot drinks".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The category's id (v7).
    pub id: CategoryId,
    /// Display name (see [`CategoryName`]).
    pub name: String,
    /// Unique URL slug.
    pub slug: Slug,
    /// Optional free text.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Category {
    /// A new category created at `now`, without description.
    pub fn new(name: CategoryName, slug: Slug, now: DateTime<Utc>) -> Self {
        Self {
            id: CategoryId::generate(),
            name: name.into_inner(),
            slug,
            description: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Something for sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// The product's id (v7).
    pub id: ProductId,
    /// Its category, if any.
    pub category_id: Option<CategoryId>,
    /// Display name (see [`ProductName`]).
    pub name: String,
    /// Unique URL slug; stays reserved after a soft delete.
    pub slug: Slug,
    /// Optional free text.
    pub description: Option<String>,
    /// Unit price, at least zero.
    pub price: Money,
    /// Units in stock.
    pub stock: u32,
    /// False hides the product from the shop without deleting it.
    pub is_active: bool,
    /// Storage keys of its images, in upload order (the HTTP layer turns
    /// each into the URL that serves it).
    pub images: Vec<StorageKey>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Set when soft-deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Product {
    /// A new active product created at `now`: no category, description or
    /// images, and no stock.
    ///
    /// # Errors
    /// [`MoneyError::Negative`] when `price` is below zero.
    pub fn new(
        name: ProductName,
        slug: Slug,
        price: Money,
        now: DateTime<Utc>,
    ) -> Result<Self, MoneyError> {
        if price.is_negative() {
            return Err(MoneyError::Negative);
        }
        Ok(Self {
            id: ProductId::generate(),
            category_id: None,
            name: name.into_inner(),
            slug,
            description: None,
            price,
            stock: 0,
            is_active: true,
            images: Vec::new(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
    }

    /// Whether it may be shown in the shop and put in a cart: active and
    /// not deleted. Stock is checked separately, at checkout.
    pub fn is_purchasable(&self) -> bool {
        self.is_active && self.deleted_at.is_none()
    }
}

/// The order of a product list (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProductSort {
    /// `name`: A to Z.
    NameAsc,
    /// `-name`: Z to A.
    NameDesc,
    /// `price`: cheapest first.
    PriceAsc,
    /// `-price`: dearest first.
    PriceDesc,
    /// `-created_at`: newest first (the default).
    #[default]
    Newest,
}

impl ProductSort {
    /// Every sort order.
    pub const ALL: [ProductSort; 5] = [
        ProductSort::NameAsc,
        ProductSort::NameDesc,
        ProductSort::PriceAsc,
        ProductSort::PriceDesc,
        ProductSort::Newest,
    ];

    /// The `?sort=` key.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProductSort::NameAsc => "name",
            ProductSort::NameDesc => "-name",
            ProductSort::PriceAsc => "price",
            ProductSort::PriceDesc => "-price",
            ProductSort::Newest => "-created_at",
        }
    }

    /// Parses `name`, `-name`, `price`, `-price` or `-created_at`.
    ///
    /// # Errors
    /// A [`FieldError`] on `sort` for any other value.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "sort",
                    "must be one of name, -name, price, -price, -created_at",
                )
            })
    }
}

/// The longest accepted search text (`?q=`), in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The public product search. Prices are compared in minor units
/// (`price_cents`), whatever the currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// Case-insensitive substring of the name or description.
    pub query: Option<String>,
    /// Only products of this category.
    pub category: Option<CategoryRef>,
    /// Only products costing at least this much.
    pub min_price: Option<i64>,
    /// Only products costing at most this much.
    pub max_price: Option<i64>,
    /// The order.
    pub sort: ProductSort,
    /// Keyset pagination: only products after this one in `sort` order.
    pub after: Option<super::cursor::ProductCursor>,
}

impl ProductFilter {
    /// Builds a filter from raw query parameters: `q` is trimmed (blank
    /// means none), `category` is an id or slug, `sort` defaults to newest,
    /// `after` is a cursor written for that sort order.
    ///
    /// # Errors
    /// Every invalid field at once: `q`, `category`, `sort`, `after` and
    /// those of [`validate`](Self::validate).
    pub fn parse(
        q: Option<&str>,
        category: Option<&str>,
        min_price: Option<i64>,
        max_price: Option<i64>,
        sort: Option<&str>,
        after: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let query = q.map(str::trim).filter(|q| !q.is_empty());
        if query.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
            errors.push(FieldError::new("q", "must be at most 200 characters"));
        }
        let category = category
            .map(CategoryRef::parse)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let sort = sort
            .map(ProductSort::parse)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            })
            .unwrap_or_default();
        let after = after
            .map(|raw| super::cursor::ProductCursor::decode(raw, sort))
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let filter = Self {
            query: query.map(str::to_owned),
            category,
            min_price,
            max_price,
            sort,
            after,
        };
        if let Err(price_errors) = filter.validate() {
            errors.extend(price_errors);
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }

    /// Checks the price bounds: each at least zero. An inverted range
    /// (`min_price > max_price`) is valid and matches nothing.
    ///
    /// # Errors
    /// A [`FieldError`] on `min_price` or `max_price` per broken rule.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.min_price.is_some_and(|p| p < 0) {
            errors.push(FieldError::new("min_price", "must be at least 0"));
        }
        if self.max_price.is_some_and(|p| p < 0) {
            errors.push(FieldError::new("max_price", "must be at least 0"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
