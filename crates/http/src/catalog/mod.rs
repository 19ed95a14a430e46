//! Catalog routes: categories, products and their images.

pub mod dto;
pub mod handlers;
mod problem;
mod routes;

use std::sync::Arc;

use actix_web::web;
use keel_application::catalog::CatalogService;
use utoipa::OpenApi;

use crate::context::{HttpContext, data};

/// Largest accepted upload, from `APP__UPLOADS__MAX_BYTES`.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::list_categories,
        handlers::create_category,
        handlers::update_category,
        handlers::delete_category,
        handlers::list_products,
        handlers::get_product,
        handlers::create_product,
        handlers::update_product,
        handlers::delete_product,
        handlers::upload_image,
        handlers::get_image,
    ),
    tags((name = "catalog", description = "Categories, products and images"))
)]
struct CatalogApi;

/// The catalog context over its use cases; uploads are limited to
/// `max_upload_bytes`.
pub fn context(catalog: Arc<CatalogService>, max_upload_bytes: usize) -> HttpContext {
    HttpContext::new(CatalogApi::openapi(), move |cfg| {
        cfg.app_data(data(&catalog))
            .app_data(web::Data::new(UploadLimit(max_upload_bytes)));
        routes::configure(cfg);
    })
}
