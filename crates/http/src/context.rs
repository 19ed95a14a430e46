//! The shape every bounded context's HTTP surface takes: one value that
//! carries its routes, its `app_data` and its part of the OpenAPI document.
//! A context builds one with [`HttpContext::new`]; the app registers each
//! under `/api/v1` and merges the documents.

use std::sync::Arc;

use actix_web::web;
use utoipa::openapi::OpenApi;

type Configure = dyn Fn(&mut web::ServiceConfig) + Send + Sync;

/// One context's routes, app data and OpenAPI paths and schemas.
#[derive(Clone)]
pub struct HttpContext {
    configure: Arc<Configure>,
    openapi: OpenApi,
}

impl HttpContext {
    /// A context whose document is `openapi` and whose routes and app data
    /// `configure` registers (relative to `/api/v1`).
    pub fn new(
        openapi: OpenApi,
        configure: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        Self {
            configure: Arc::new(configure),
            openapi,
        }
    }

    /// Registers this context's routes and app data on `cfg`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        (self.configure)(cfg);
    }

    /// This context's part of the document.
    pub fn openapi(&self) -> &OpenApi {
        &self.openapi
    }
}

/// Registers shared data of type `T` for the handlers of one context.
pub fn data<T: ?Sized + Send + Sync + 'static>(value: &Arc<T>) -> web::Data<T> {
    web::Data::from(Arc::clone(value))
}
