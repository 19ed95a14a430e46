//! Webhook routes under `/api/v1`.

use actix_web::web;

use super::{WEBHOOK_BODY_LIMIT, handlers};

/// Registers the webhook routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
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
