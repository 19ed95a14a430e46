//! Catalog handlers: categories, products and images.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use keel_application::catalog::{CatalogService, NewProduct, ProductPatch};
use keel_domain::catalog::{CategoryId, ProductFilter, ProductId, ProductRef};
use keel_domain::{FieldError, PageRequest};
use uuid::Uuid;

use super::UploadLimit;
use super::dto::{
    CategoryResponse, CreateCategoryRequest, CreateProductRequest, ImageResponse, ImageUpload,
    ProductListQuery, ProductPage, ProductResponse, UpdateCategoryRequest, UpdateProductRequest,
    image_path,
};
use crate::auth::Authenticated;
use crate::extract::{Json, Query};
use crate::problem::{ApiError, Problem};

/// All categories (public).
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", responses((status = 200, body = Vec<CategoryResponse>)))]
pub async fn list_categories(catalog: web::Data<CatalogService>) -> Result<HttpResponse, ApiError> {
    let categories = catalog.categories().await?;
    Ok(HttpResponse::Ok().json(
        categories
            .into_iter()
            .map(CategoryResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Create a category (admin).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", security(("bearer" = [])), request_body = CreateCategoryRequest,
    responses(
        (status = 201, body = CategoryResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Slug taken"),
    ))]
pub async fn create_category(
    catalog: web::Data<CatalogService>,
    who: Authenticated,
    body: Json<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let category = catalog
        .create_category(&who.0, &body.name, body.slug.as_deref(), body.description)
        .await?;
    Ok(HttpResponse::Created().json(CategoryResponse::from(category)))
}

/// Update a category (admin).
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")), request_body = UpdateCategoryRequest,
    responses(
        (status = 200, body = CategoryResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such category"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Slug taken"),
    ))]
pub async fn update_category(
    catalog: web::Data<CatalogService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let category = catalog
        .update_category(
            &who.0,
            CategoryId::from_uuid(id.into_inner()),
            body.name.as_deref(),
            body.slug.as_deref(),
            body.description,
        )
        .await?;
    Ok(HttpResponse::Ok().json(CategoryResponse::from(category)))
}

/// Delete a category no product uses (admin).
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such category"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Products still use it"),
    ))]
pub async fn delete_category(
    catalog: web::Data<CatalogService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog
        .delete_category(&who.0, CategoryId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Browse active products (public): search, category and price filters, sort, pages.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ProductListQuery),
    responses(
        (status = 200, body = ProductPage),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad filter, sort, cursor, page or size"),
    ))]
pub async fn list_products(
    catalog: web::Data<CatalogService>,
    query: Query<ProductListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = PageRequest::parse(q.page, q.size);
    let filter = ProductFilter::parse(
        q.q.as_deref(),
        q.category.as_deref(),
        q.min_price,
        q.max_price,
        q.sort.as_deref(),
        q.after.as_deref(),
    );
    let page = match page {
        Ok(p) if q.after.is_some() && p.page() != 1 => Err(vec![FieldError::new(
            "page",
            "must be absent or 1 with after",
        )]),
        page => page,
    };
    let (page, filter) = match (page, filter) {
        (Ok(p), Ok(f)) => (p, f),
        (p, f) => {
            let mut errors = p.err().unwrap_or_default();
            errors.extend(f.err().unwrap_or_default());
            return Err(ApiError::Validation(errors));
        }
    };
    let products = catalog.products(&filter, page).await?;
    Ok(HttpResponse::Ok().json(ProductPage::new(products, filter.sort)))
}

/// One active product by id or slug (public).
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Product id (UUID) or slug")),
    responses(
        (status = 200, body = ProductResponse),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such active product"),
    ))]
pub async fn get_product(
    catalog: web::Data<CatalogService>,
    id_or_slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference =
        ProductRef::parse(&id_or_slug).map_err(|_| ApiError::NotFound("no such product".into()))?;
    let product = catalog.product(&reference).await?;
    Ok(HttpResponse::Ok().json(ProductResponse::from(product)))
}

/// Create a product (admin).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = [])), request_body = CreateProductRequest,
    responses(
        (status = 201, body = ProductResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Slug taken or unknown category"),
    ))]
pub async fn create_product(
    catalog: web::Data<CatalogService>,
    who: Authenticated,
    body: Json<CreateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = NewProduct {
        name: b.name,
        slug: b.slug,
        description: b.description,
        price_cents: b.price_cents,
        currency: b.currency,
        stock: b.stock,
        category_id: b.category_id.map(CategoryId::from_uuid),
        is_active: b.is_active,
    };
    let product = catalog.create_product(&who.0, input).await?;
    Ok(HttpResponse::Created().json(ProductResponse::from(product)))
}

/// Update a product (admin).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")), request_body = UpdateProductRequest,
    responses(
        (status = 200, body = ProductResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such product"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Slug taken or unknown category"),
    ))]
pub async fn update_product(
    catalog: web::Data<CatalogService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<UpdateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let patch = ProductPatch {
        name: b.name,
        slug: b.slug,
        description: b.description,
        price_cents: b.price_cents,
        currency: b.currency,
        stock: b.stock,
        category_id: b.category_id.map(|c| c.map(CategoryId::from_uuid)),
        is_active: b.is_active,
    };
    let product = catalog
        .update_product(&who.0, ProductId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(HttpResponse::Ok().json(ProductResponse::from(product)))
}

/// Soft-delete a product (admin); order history keeps its snapshots.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such product"),
    ))]
pub async fn delete_product(
    catalog: web::Data<CatalogService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    catalog
        .delete_product(&who.0, ProductId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Upload a product image (admin, multipart field `file`): JPEG, PNG or
/// WebP by content, at most `APP__UPLOADS__MAX_BYTES` (checked while
/// streaming), stored under a generated name.
#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    request_body(content = ImageUpload, content_type = "multipart/form-data", description = "Field `file`: the image"),
    responses(
        (status = 201, body = ImageResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "A broken multipart form"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "No `file` field, or another field beside it"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such product"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Image too large"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not multipart, or not JPEG/PNG/WebP by content"),
    ))]
pub async fn upload_image(
    req: HttpRequest,
    catalog: web::Data<CatalogService>,
    limit: web::Data<UploadLimit>,
    who: Authenticated,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let product = ProductId::from_uuid(id.into_inner());
    // Before a byte of the body is read: 403/404 at once.
    catalog.check_image_target(&who.0, product).await?;
    let bytes = read_image_form(&req, payload, limit.0).await?;
    let key = catalog.add_image(&who.0, product, bytes).await?;
    Ok(HttpResponse::Created().json(ImageResponse {
        url: image_path(&key),
    }))
}

/// An uploaded image (public; names are random and never reused, so it is cached for a year).
#[utoipa::path(get, path = "/api/v1/images/{key}", tag = "catalog",
    params(("key" = String, Path, description = "Generated file name")),
    responses(
        (status = 200, description = "The image bytes", content_type = "image/*"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such image"),
    ))]
pub async fn get_image(
    catalog: web::Data<CatalogService>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = catalog.image(&key).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type.content_type()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(file.bytes))
}

/// Reads a `multipart/form-data` body that has exactly one field, `file`,
/// of at most `max` bytes (checked while streaming): the upload form of
/// product images and profile pictures.
///
/// # Errors
/// 415 when the body is not multipart, 413 over `max`, 422 for another
/// field, a second file or none, 400 for a broken form.
pub(crate) async fn read_image_form(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<Vec<u8>, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "expected multipart/form-data with a `file` field".into(),
        ));
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(format!("broken multipart body: {e}")))?;
        // The form has one field (`additionalProperties: false` in the document).
        if field.name() != Some("file") || file.is_some() {
            return Err(ApiError::Validation(vec![keel_domain::FieldError::new(
                "body",
                "the form has exactly one field, `file`",
            )]));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::BadRequest(format!("broken multipart body: {e}")))?;
            if bytes.len() + chunk.len() > max {
                return Err(ApiError::PayloadTooLarge(format!(
                    "images are limited to {max} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some(bytes);
    }
    file.ok_or_else(|| {
        ApiError::Validation(vec![keel_domain::FieldError::new("file", "is required")])
    })
}
