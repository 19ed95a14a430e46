//! Liveness and readiness.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem, problem_response};

/// Whether the backing services answer; implemented by the composition root.
#[async_trait]
pub trait ReadinessProbe: Send + Sync {
    /// `true` when the database answers.
    async fn ready(&self) -> bool;
}

/// `{"status":"ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, body = HealthResponse)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/health/ready", tag = "meta",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "Database unreachable"),
    ))]
pub async fn ready(probe: web::Data<Arc<dyn ReadinessProbe>>) -> Result<HttpResponse, ApiError> {
    if probe.ready().await {
        Ok(HttpResponse::Ok().json(HealthResponse { status: "ok" }))
    } else {
        let mut response = problem_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database does not answer",
            None,
        );
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, 5u64.into());
        Ok(response)
    }
}
