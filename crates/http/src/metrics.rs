//! `GET /metrics`: Prometheus text format through the `metrics` facade and
//! its Prometheus exporter (one recorder per process).
//!
//! Series: `http_requests_total{method,route,status}` and the histogram
//! `http_request_duration_seconds{method,route}`, labelled by the route
//! *template* (`/api/v1/products/{id}`; anything unrouted is `unmatched`,
//! and an unknown method is `OTHER`), so ids never multiply series;
//! `auth_login_throttled_total`; `websocket_connections` (open sockets on
//! this instance); and, read when scraped through a [`MetricsProbe`],
//! `db_pool_connections{state}`, `db_pool_max_connections`,
//! `jobs{state}` and `webhook_events{status}`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use async_trait::async_trait;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::problem::ApiError;

/// Upper bounds of the request-duration buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Routes whose 429 is a throttled login.
const LOGIN_ROUTES: [&str; 2] = ["/api/v1/auth/login", "/api/v1/auth/token"];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Only an empty bucket list is refused, and BUCKETS is not empty.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &BUCKETS,
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will be empty");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by route template"
    );
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to the response head, by route template"
    );
    metrics::describe_counter!(
        "auth_login_throttled_total",
        "Logins refused by the failed-login throttle (429)"
    );
    metrics::describe_gauge!("websocket_connections", "Open WebSockets on this instance");
    metrics::describe_gauge!("db_pool_connections", "Database pool connections by state");
    metrics::describe_gauge!("db_pool_max_connections", "Database pool ceiling");
    metrics::describe_gauge!("jobs", "Background jobs by state");
    metrics::describe_gauge!("webhook_events", "Stored webhook events by status");
}

/// One gauge read at scrape time.
#[derive(Debug, Clone, PartialEq)]
pub struct GaugeSample {
    /// Series name.
    pub name: &'static str,
    /// One label, if any.
    pub label: Option<(&'static str, &'static str)>,
    /// Value.
    pub value: f64,
}

/// Figures read when `/metrics` is scraped (the database's); implemented
/// by the composition root.
#[async_trait]
pub trait MetricsProbe: Send + Sync {
    /// The current values; a failure is logged and the figures skipped.
    async fn sample(&self) -> Vec<GaugeSample>;
}

/// How `/metrics` is served.
#[derive(Clone, Default)]
pub struct MetricsConfig {
    /// `Authorization: Bearer <token>` required when set.
    pub token: Option<String>,
    /// Scrape-time gauges.
    pub probe: Option<Arc<dyn MetricsProbe>>,
}

/// Counts one answered request.
pub(crate) fn record(method: &Method, route: Option<&str>, status: u16, elapsed: Duration) {
    let method = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let route = route.unwrap_or("unmatched").to_owned();
    metrics::counter!(
        "http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        "method" => method,
        "route" => route.clone()
    )
    .record(elapsed.as_secs_f64());
    if status == 429 && LOGIN_ROUTES.contains(&route.as_str()) {
        metrics::counter!("auth_login_throttled_total").increment(1);
    }
}

/// A socket opened (`+1`) or closed (`-1`).
pub(crate) fn websocket_opened(delta: f64) {
    metrics::gauge!("websocket_connections").increment(delta);
}

/// Prometheus metrics of this instance. With `APP__METRICS__TOKEN` set,
/// needs `Authorization: Bearer <that token>`.
#[utoipa::path(get, path = "/metrics", tag = "meta", security((), ("bearer" = [])),
    responses(
        (status = 200, content_type = "text/plain", body = String, description = "Prometheus text exposition format"),
        (status = 401, body = crate::problem::Problem, content_type = "application/problem+json", description = "A metrics token is configured and this is not it"),
    ))]
pub async fn scrape(
    req: HttpRequest,
    config: web::Data<MetricsConfig>,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &config.token {
        let given = crate::auth::bearer(&req).unwrap_or_default();
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(ApiError::invalid_token());
        }
    }
    let handle = handle();
    if let Some(probe) = &config.probe {
        for g in probe.sample().await {
            match g.label {
                Some((key, value)) => metrics::gauge!(g.name, key => value).set(g.value),
                None => metrics::gauge!(g.name).set(g.value),
            }
        }
    }
    handle.run_upkeep();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render()))
}
