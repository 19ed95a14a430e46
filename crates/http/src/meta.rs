//! Liveness and readiness.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem, problem_response};

/// Whether the backing services can serve; implemented by the composition root.
#[async_trait]
pub trait ReadinessProbe: Send + Sync {
    /// `Ok` when the instance can serve writes (the database accepts one,
    /// the upload directory is writable), with the optional parts that are
    /// down but fallen back from (`redis`); else what is not ready, for the
    /// 503's detail (no internals).
    async fn ready(&self) -> Result<Vec<&'static str>, String>;
}

/// `{"status":"ok"}`, or `{"status":"degraded","degraded":["redis"]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`, or `degraded` when an optional part is down and the instance
    /// serves on its fallbacks.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The optional parts that are down (e.g. `redis`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub degraded: Vec<&'static str>,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, body = HealthResponse)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok",
        degraded: Vec::new(),
    })
}

/// Readiness: the database accepts a write and the upload directory is
/// writable (else 503); Redis, when configured, is checked too, and its
/// absence answers 200 `degraded` (requests are served on per-instance
/// fallbacks, so the instance stays in rotation).
#[utoipa::path(get, path = "/health/ready", tag = "meta",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The database refuses writes or the upload storage (directory or bucket) is not writable"),
    ))]
pub async fn ready(probe: web::Data<Arc<dyn ReadinessProbe>>) -> Result<HttpResponse, ApiError> {
    match probe.ready().await {
        Ok(degraded) => Ok(HttpResponse::Ok().json(HealthResponse {
            status: if degraded.is_empty() {
                "ok"
            } else {
                "degraded"
            },
            degraded,
        })),
        Err(detail) => {
            let mut response = problem_response(StatusCode::SERVICE_UNAVAILABLE, &detail, None);
            response
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, 5u64.into());
            Ok(response)
        }
    }
}
