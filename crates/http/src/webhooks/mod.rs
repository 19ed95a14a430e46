//! Webhook routes: `POST /api/v1/webhooks/clerk` and the admin event log.

pub mod dto;
pub mod handlers;

use actix_web::web;

/// Largest webhook body accepted (Clerk user payloads are a few KiB).
pub const WEBHOOK_BODY_LIMIT: usize = 256 * 1024;

/// Registers the webhook routes under the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/clerk")
            .app_data(web::PayloadConfig::new(WEBHOOK_BODY_LIMIT))
            .route(web::post().to(handlers::receive_clerk)),
    )
    .route(
        "/admin/webhook-events",
        web::get().to(handlers::list_events),
    )
    .route(
        "/admin/webhook-events/{id}/retry",
        web::post().to(handlers::retry_event),
    );
}
