//! Catalog request and response bodies.

use chrono::{DateTime, Utc};
use keel_domain::catalog::{Category, Product, ProductCursor, ProductSort};
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
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1..=200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// Generated from the name when absent.
    #[schema(max_length = 120, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// Description, at most 5000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
}

/// `PATCH /categories/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// New name, 1..=200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// New slug.
    #[schema(max_length = 120, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// New description (at most 5000 characters); `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 5000)]
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
            image_urls: p.images.iter().map(image_path).collect(),
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
    #[param(
        max_length = 120,
        pattern = r"^([a-z0-9]+(-[a-z0-9]+)*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub category: Option<String>,
    /// Lowest price (minor units, inclusive).
    #[param(minimum = 0)]
    pub min_price: Option<i64>,
    /// Highest price (minor units, inclusive).
    #[param(minimum = 0)]
    pub max_price: Option<i64>,
    /// `name`, `-name`, `price`, `-price` or `-created_at` (default).
    #[param(pattern = r"^(name|-name|price|-price|-created_at)$")]
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
    /// Keyset pagination: the `next` of the previous page (same filters
    /// and sort). Reads on from there without counting the skipped rows;
    /// `page` must then be absent or 1.
    #[param(min_length = 2, max_length = 2048, pattern = "^([0-9a-f]{2})+$")]
    pub after: Option<String>,
}

/// `POST /products`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// 1..=200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// Generated from the name (and made unique) when absent.
    #[schema(max_length = 120, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// Description, at most 5000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// Price in minor units, >= 0.
    #[schema(minimum = 0)]
    pub price_cents: i64,
    /// ISO 4217 code of a currency in use.
    #[schema(schema_with = currency_schema)]
    pub currency: String,
    /// Units in stock (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2_147_483_647)]
    pub stock: i64,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Sold (default) or hidden.
    pub is_active: Option<bool>,
}

/// Where the image stored under `key` is served (`GET /api/v1/images/{key}`).
pub fn image_path(key: &keel_domain::catalog::StorageKey) -> String {
    format!("/api/v1/images/{}", key.as_str())
}

/// `POST /products/{id}/images`: a multipart form with one file.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read as a multipart stream; this type only describes it.
pub struct ImageUpload {
    /// A JPEG, PNG or WebP image.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// `PATCH /products/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    /// New name, 1..=200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// New slug.
    #[schema(max_length = 120, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// New description (at most 5000 characters); `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub description: Option<Option<String>>,
    /// New price, >= 0.
    #[schema(minimum = 0)]
    pub price_cents: Option<i64>,
    /// New currency.
    #[schema(schema_with = optional_currency_schema)]
    pub currency: Option<String>,
    /// New stock.
    #[schema(minimum = 0, maximum = 2_147_483_647)]
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

/// A page of [`ProductResponse`]: the list envelope plus `next`, the
/// `?after=` cursor of the following page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPage {
    /// Items on this page.
    pub data: Vec<ProductResponse>,
    /// Items over all pages.
    pub total: u64,
    /// This page's number, from 1 (1 for a page read with `after`).
    pub page: u64,
    /// Page size.
    pub size: u64,
    /// Number of pages.
    pub pages: u64,
    /// Pass as `?after=` (with the same filters and sort) for the next
    /// page; `null` when this page is not full, so nothing follows.
    pub next: Option<String>,
}

impl ProductPage {
    /// The response for `page`, read in `sort` order.
    pub fn new(page: keel_domain::Page<Product>, sort: ProductSort) -> Self {
        let next = (page.items.len() as u64 == page.request.size())
            .then(|| page.items.last())
            .flatten()
            .map(|last| ProductCursor::after(last, sort).encode());
        let envelope = crate::page::PageResponse::from_page(page, ProductResponse::from);
        Self {
            data: envelope.data,
            total: envelope.total,
            page: envelope.page,
            size: envelope.size,
            pages: envelope.pages,
            next,
        }
    }
}

fn currency_object() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(keel_domain::money::Currency::codes().iter().copied()))
}

/// An ISO 4217 code in use (upper case; lower case is accepted too).
fn currency_schema() -> utoipa::openapi::schema::Object {
    currency_object()
        .description(Some("ISO 4217 code of a currency in use."))
        .build()
}

/// [`currency_schema`] or `null`.
fn optional_currency_schema() -> utoipa::openapi::schema::Object {
    currency_object()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::schema::Type::String,
            utoipa::openapi::schema::Type::Null,
        ]))
        .description(Some("New ISO 4217 code."))
        .build()
}

#[cfg(test)]
mod tests {
    use keel_domain::catalog::StorageKey;

    use super::image_path;

    #[test]
    fn an_image_is_served_under_the_images_route() {
        let key = StorageKey::parse("abc123.webp").expect("a valid key");
        assert_eq!(image_path(&key), "/api/v1/images/abc123.webp");
    }
}
