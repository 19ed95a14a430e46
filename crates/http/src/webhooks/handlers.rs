//! Webhook handlers.

use actix_web::{HttpRequest, HttpResponse, web};
use keel_application::webhooks::WebhookService;
use keel_domain::PageRequest;
use keel_domain::webhooks::WebhookHeaders;
use uuid::Uuid;

use super::dto::{ListEventsQuery, ReceiptResponse, WebhookEventPage, WebhookEventResponse};
use crate::auth::Authenticated;
use crate::extract::Query;
use crate::problem::{ApiError, Problem};

/// The `svix-*` headers, or their `webhook-*` aliases.
fn delivery_headers(req: &HttpRequest) -> Option<WebhookHeaders> {
    let get = |name: &str| {
        [format!("svix-{name}"), format!("webhook-{name}")]
            .iter()
            .find_map(|h| req.headers().get(h.as_str()))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Some(WebhookHeaders {
        id: get("id")?,
        timestamp: get("timestamp")?,
        signature: get("signature")?,
    })
}

fn service(svc: Option<web::Data<WebhookService>>) -> Result<web::Data<WebhookService>, ApiError> {
    svc.ok_or_else(|| ApiError::NotFound("Clerk webhooks are not configured".into()))
}

/// Clerk's Svix-signed deliveries: verified before any storage, stored once
/// per `svix-id`, applied asynchronously with retries.
#[utoipa::path(post, path = "/api/v1/webhooks/clerk", tag = "webhooks",
    request_body(content = String, content_type = "application/json", description = "Clerk event, signed by Svix"),
    params(
        ("svix-id" = String, Header, description = "Delivery id (also `webhook-id`)"),
        ("svix-timestamp" = String, Header, description = "Seconds since the epoch (also `webhook-timestamp`)"),
        ("svix-signature" = String, Header, description = "`v1,<base64>` entries (also `webhook-signature`)"),
    ),
    responses(
        (status = 200, body = ReceiptResponse, description = "Stored (or a duplicate of a stored delivery)"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Missing, bad or stale signature"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No webhook secret configured"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body over 256 KiB"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "Storage unavailable; Svix retries"),
    ))]
pub async fn receive_clerk(
    req: HttpRequest,
    svc: Option<web::Data<WebhookService>>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let svc = service(svc)?;
    let receipt = svc.receive(delivery_headers(&req), &body).await?;
    Ok(HttpResponse::Ok().json(ReceiptResponse {
        id: receipt.id,
        status: receipt.status.into(),
    }))
}

/// Stored webhook events (admin).
#[utoipa::path(get, path = "/api/v1/admin/webhook-events", tag = "webhooks", security(("bearer" = [])),
    params(ListEventsQuery),
    responses(
        (status = 200, body = crate::page::PageResponse<WebhookEventResponse>),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Webhooks not configured"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad status, page or size"),
    ))]
pub async fn list_events(
    svc: Option<web::Data<WebhookService>>,
    who: Authenticated,
    query: Query<ListEventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let svc = service(svc)?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.size).map_err(ApiError::Validation)?;
    let events = svc.list(&who.0, query.status.map(Into::into), page).await?;
    Ok(HttpResponse::Ok().json(WebhookEventPage::from_page(events, Into::into)))
}

/// Queue a dead or retrying event again now (admin).
#[utoipa::path(post, path = "/api/v1/admin/webhook-events/{id}/retry", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id")),
    responses(
        (status = 202, body = WebhookEventResponse, description = "Queued"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such event"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Event is not dead or retrying"),
    ))]
pub async fn retry_event(
    svc: Option<web::Data<WebhookService>>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let svc = service(svc)?;
    let event = svc.retry(&who.0, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(WebhookEventResponse::from(event)))
}
