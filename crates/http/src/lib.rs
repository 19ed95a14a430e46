//! Keel's HTTP adapter (actix-web): routes, DTOs, the bearer extractor,
//! problem+json errors and the OpenAPI document. It reaches the application
//! and domain crates, never a database driver.

pub mod auth;
pub mod client_ip;
pub mod context;
pub mod errors;
pub mod extract;
pub mod meta;
pub mod methods;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod rate_limit;
pub mod request_span;
pub mod security;
pub mod serde_util;

pub mod catalog;
pub mod identity;
pub mod ordering;
pub mod profiles;
pub mod webhooks;
pub mod workspace;

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash};
use actix_web::{App, HttpMessage, HttpResponse, web};
use keel_domain::identity::IdentityProvider;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_swagger_ui::SwaggerUi;

pub use client_ip::TrustedProxies;
pub use context::HttpContext;
pub use meta::ReadinessProbe;
pub use openapi::ApiDoc;
pub use security::SecurityHeaders;

/// Everything the app needs, shared by all workers: what every context uses
/// (bearer-token verification, readiness, CORS) and the contexts themselves.
#[derive(Clone)]
pub struct HttpState {
    /// Bearer-token verification.
    pub identity: Arc<dyn IdentityProvider>,
    /// Readiness of the backing services.
    pub readiness: Arc<dyn ReadinessProbe>,
    /// Origins allowed by CORS; `*` allows any origin.
    pub cors_origins: Vec<String>,
    /// The bounded contexts, each with its routes and document part.
    pub contexts: Arc<[HttpContext]>,
    /// The merged OpenAPI document.
    pub openapi: Arc<utoipa::openapi::OpenApi>,
    /// The methods of every documented path, for 405 answers.
    pub methods: methods::AllowedMethods,
    /// Which optional security headers to send.
    pub security: SecurityHeaders,
    /// Peers whose forwarding headers name the client (none by default).
    pub trusted_proxies: TrustedProxies,
    /// How `/metrics` is served.
    pub metrics: metrics::MetricsConfig,
    /// Per-user / per-IP rate limits; `None` (the default) limits nothing.
    pub rate_limit: Option<rate_limit::RateLimit>,
}

impl HttpState {
    /// The state for `contexts`: merges their documents once.
    pub fn new(
        identity: Arc<dyn IdentityProvider>,
        readiness: Arc<dyn ReadinessProbe>,
        cors_origins: Vec<String>,
        security: SecurityHeaders,
        contexts: Vec<HttpContext>,
    ) -> Self {
        let openapi = openapi::document(&contexts);
        let methods = methods::AllowedMethods::from_document(&openapi);
        Self {
            identity,
            readiness,
            cors_origins,
            contexts: contexts.into(),
            openapi: Arc::new(openapi),
            methods,
            security,
            trusted_proxies: TrustedProxies::default(),
            metrics: metrics::MetricsConfig::default(),
            rate_limit: None,
        }
    }

    /// Limits requests per user or anonymous client IP.
    #[must_use]
    pub fn with_rate_limit(mut self, limit: rate_limit::RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Serves `/metrics` with `config` (its token and scrape-time gauges).
    #[must_use]
    pub fn with_metrics(mut self, config: metrics::MetricsConfig) -> Self {
        self.metrics = config;
        self
    }

    /// Believes `Forwarded`/`X-Forwarded-For` from `proxies` only.
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }
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
    let contexts = state.contexts.clone();
    let root_contexts = state.contexts.clone();
    let security = state.security;
    let rate_limit = state.rate_limit.clone();
    // Installed before the first request is counted.
    metrics::handle();
    App::new()
        .app_data(errors::json_config())
        .app_data(errors::form_config())
        .app_data(errors::query_config())
        .app_data(errors::path_config())
        .app_data(errors::payload_config())
        .app_data(web::Data::new(state.identity.clone()))
        .app_data(state.methods.clone())
        .app_data(state.trusted_proxies.clone())
        .app_data(web::Data::new(state.metrics.clone()))
        .app_data(web::Data::new(state.readiness.clone()))
        .route("/health", web::get().to(meta::health))
        .route("/health/ready", web::get().to(meta::ready))
        .route("/metrics", web::get().to(metrics::scrape))
        .route(
            "/api/v1/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("location", "/api/v1/docs/"))
                    .finish()
            }),
        )
        .service(
            SwaggerUi::new("/api/v1/docs/{_:.*}")
                .url("/api/v1/openapi.json", (*state.openapi).clone()),
        )
        .service(web::scope("/api/v1").configure(move |cfg| {
            for ctx in contexts.iter() {
                ctx.configure(cfg);
            }
        }))
        .configure(move |cfg| {
            for ctx in root_contexts.iter() {
                ctx.configure_root(cfg);
            }
        })
        .configure(move |cfg| {
            if let Some(limit) = rate_limit {
                cfg.app_data(web::Data::new(limit));
            }
        })
        .default_service(web::to(errors::not_found))
        .wrap_fn(security::catch_panic)
        // Inside CORS, so a 429 carries the CORS headers a browser needs.
        .wrap(actix_web::middleware::from_fn(rate_limit::limit))
        .wrap(cors(&state.cors_origins))
        // Outside CORS, so that a rejected preflight is a problem document too.
        .wrap(ErrorHandlers::new().default_handler(errors::ensure_problem))
        .wrap_fn(move |req, srv| {
            use actix_web::dev::Service;
            let path = req.path().to_owned();
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?;
                security.apply(&path, res.headers_mut());
                Ok(res)
            }
        })
        .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
        .wrap_fn(|req, srv| {
            use actix_web::dev::Service;
            let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
            let started = std::time::Instant::now();
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?;
                let elapsed = started.elapsed();
                let status = res.status().as_u16();
                metrics::record(
                    res.request().method(),
                    res.request().match_pattern().as_deref(),
                    status,
                    elapsed,
                );
                tracing::info!(
                    status,
                    elapsed_ms = elapsed.as_secs_f64() * 1000.0,
                    "request completed"
                );
                if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                    res.headers_mut()
                        .insert(HeaderName::from_static("x-request-id"), id);
                }
                Ok(res)
            }
        })
        .wrap(TracingLogger::<request_span::KeelRootSpan>::new())
}
