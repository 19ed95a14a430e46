//! Catalog request and response bodies.

use chrono::{DateTime, Utc};
use keel_domain::catalog::{Category, Product};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// Description.
    pub description: Option<String>,
}

impl From<Category> for CategoryResponse {
    fn from(c: Category) -> Self {
        Self {
            id: c.id.as_uuid(),
            name: c.name,
            slug: c.slug.as_str().to_owned(),
            description: c.description,
        }
    }
}

/// `POST /categories`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCategoryRequest {
    /// 1..=200 characters.
    pub name: String,
    /// Generated from the name when absent.
    pub slug: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// `PATCH /categories/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateCategoryRequest {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// A product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductResponse {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// Description.
    pub description: Option<String>,
    /// Price in minor units.
    pub price_cents: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Units in stock.
    pub stock: u32,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Image URLs, oldest first.
    pub image_urls: Vec<String>,
    /// Sold or hidden.
    pub is_active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Product> for ProductResponse {
    fn from(p: Product) -> Self {
        Self {
            id: p.id.as_uuid(),
            name: p.name,
            slug: p.slug.as_str().to_owned(),
            description: p.description,
            price_cents: p.price.amount_minor(),
            currency: p.price.currency().as_str().to_owned(),
            stock: p.stock,
            category_id: p.category_id.map(|c| c.as_uuid()),
            image_urls: p.image_urls,
            is_active: p.is_active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `GET /products` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListQuery {
    /// Case-insensitive substring of name or description.
    pub q: Option<String>,
    /// Category id or slug.
    pub category: Option<String>,
    /// Lowest price (minor units, inclusive).
    pub min_price: Option<i64>,
    /// Highest price (minor units, inclusive).
    pub max_price: Option<i64>,
    /// `name`, `-name`, `price`, `-price` or `-created_at` (default).
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// `POST /products`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProductRequest {
    /// 1..=200 characters.
    pub name: String,
    /// Generated from the name (and made unique) when absent.
    pub slug: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Price in minor units, >= 0.
    pub price_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Units in stock (default 0).
    #[serde(default)]
    pub stock: i64,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Sold (default) or hidden.
    pub is_active: Option<bool>,
}

/// `PATCH /products/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateProductRequest {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// New price.
    pub price_cents: Option<i64>,
    /// New currency.
    pub currency: Option<String>,
    /// New stock.
    pub stock: Option<i64>,
    /// New category; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub category_id: Option<Option<Uuid>>,
    /// Sold or hidden.
    pub is_active: Option<bool>,
}

/// An uploaded image.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageResponse {
    /// Where the image is served.
    pub url: String,
}

/// A page of [`ProductResponse`].
pub type ProductPage = crate::page::PageResponse<ProductResponse>;
