//! Keel's HTTP adapter (actix-web): routes, DTOs, the bearer extractor,
//! problem+json errors and the OpenAPI document. It reaches the application
//! and domain crates, never a database driver.

pub mod auth;
pub mod errors;
pub mod identity;
pub mod meta;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod serde_util;
pub mod shop;
pub mod webhooks;

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash};
use actix_web::{App, HttpMessage, HttpResponse, web};
use keel_application::identity::{AuthService, UserService};
use keel_application::shop::{CartService, CatalogService, OrderService};
use keel_application::webhooks::WebhookService;
use keel_domain::identity::IdentityProvider;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use meta::ReadinessProbe;
pub use openapi::ApiDoc;

/// Everything the handlers need, shared by all workers.
#[derive(Clone)]
pub struct HttpState {
    /// Registration, login, tokens and sessions.
    pub auth: Arc<AuthService>,
    /// My account and user administration.
    pub users: Arc<UserService>,
    /// Bearer-token verification.
    pub identity: Arc<dyn IdentityProvider>,
    /// Readiness of the backing services.
    pub readiness: Arc<dyn ReadinessProbe>,
    /// Clerk webhooks, when a signing secret is configured.
    pub webhooks: Option<Arc<WebhookService>>,
    /// Categories, products and images.
    pub catalog: Arc<CatalogService>,
    /// Carts.
    pub carts: Arc<CartService>,
    /// Orders.
    pub orders: Arc<OrderService>,
    /// Largest accepted image upload in bytes.
    pub max_upload_bytes: usize,
    /// Origins allowed by CORS; `*` allows any origin.
    pub cors_origins: Vec<String>,
}

fn cors(origins: &[String]) -> Cors {
    let base = Cors::default()
        .allow_any_method()
        .allow_any_header()
        .expose_headers(["x-request-id", "retry-after", "www-authenticate"])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        return base.allow_any_origin();
    }
    origins.iter().fold(base, |cors, o| cors.allowed_origin(o))
}

/// The whole application: middleware, the `/api/v1` routes, health, the
/// OpenAPI document and the offline docs page.
pub fn app(
    state: HttpState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let mut app = App::new();
    if let Some(webhooks) = &state.webhooks {
        app = app.app_data(web::Data::from(webhooks.clone()));
    }
    app.app_data(errors::json_config())
        .app_data(errors::form_config())
        .app_data(errors::query_config())
        .app_data(errors::path_config())
        .app_data(errors::payload_config())
        .app_data(web::Data::from(state.auth.clone()))
        .app_data(web::Data::from(state.users.clone()))
        .app_data(web::Data::from(state.catalog.clone()))
        .app_data(web::Data::from(state.carts.clone()))
        .app_data(web::Data::from(state.orders.clone()))
        .app_data(web::Data::new(shop::UploadLimit(state.max_upload_bytes)))
        .app_data(web::Data::new(state.identity.clone()))
        .app_data(web::Data::new(state.readiness.clone()))
        .route("/health", web::get().to(meta::health))
        .route("/health/ready", web::get().to(meta::ready))
        .route(
            "/api/v1/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("location", "/api/v1/docs/"))
                    .finish()
            }),
        )
        .service(
            SwaggerUi::new("/api/v1/docs/{_:.*}").url("/api/v1/openapi.json", ApiDoc::openapi()),
        )
        .service(
            web::scope("/api/v1")
                .configure(identity::configure)
                .configure(webhooks::configure)
                .configure(shop::configure),
        )
        .default_service(web::to(errors::not_found))
        .wrap(ErrorHandlers::new().default_handler(errors::ensure_problem))
        .wrap(cors(&state.cors_origins))
        .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service;
            let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
            let started = std::time::Instant::now();
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?;
                tracing::info!(
                    status = res.status().as_u16(),
                    elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "request completed"
                );
                if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                    res.headers_mut()
                        .insert(HeaderName::from_static("x-request-id"), id);
                }
                Ok(res)
            }
        })
        .wrap(TracingLogger::default())
}
