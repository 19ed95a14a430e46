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
    root: Option<Arc<Configure>>,
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
            root: None,
            openapi,
        }
    }

    /// Adds routes outside `/api/v1` (the contract keeps `/ws` and
    /// `/metrics` there); `configure` registers them with their own app data.
    #[must_use]
    pub fn with_root_routes(
        mut self,
        configure: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.root = Some(Arc::new(configure));
        self
    }

    /// Registers this context's routes and app data on `cfg`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        (self.configure)(cfg);
    }

    /// Registers this context's routes outside `/api/v1`, if any.
    pub fn configure_root(&self, cfg: &mut web::ServiceConfig) {
        if let Some(root) = &self.root {
            root(cfg);
        }
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
