//! Webhook routes: `POST /api/v1/webhooks/clerk` and the admin event log.

pub mod dto;
pub mod handlers;
mod problem;
mod routes;

use std::sync::Arc;

use keel_application::webhooks::WebhookService;
use utoipa::OpenApi;

use crate::context::{HttpContext, data};

/// Largest webhook body accepted (Clerk user payloads are a few KiB).
pub const WEBHOOK_BODY_LIMIT: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    paths(handlers::receive_clerk, handlers::list_events, handlers::retry_event),
    tags((name = "webhooks", description = "Clerk webhooks and their event log"))
)]
struct WebhooksApi;

/// The webhooks context; without a service (no signing secret configured)
/// its routes answer 404.
pub fn context(webhooks: Option<Arc<WebhookService>>) -> HttpContext {
    HttpContext::new(WebhooksApi::openapi(), move |cfg| {
        if let Some(webhooks) = &webhooks {
            cfg.app_data(data(webhooks));
        }
        routes::configure(cfg);
    })
}
