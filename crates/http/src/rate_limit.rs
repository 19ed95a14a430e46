//! Rate limits per authenticated user or, without a valid token, per
//! client IP (`APP__RATE_LIMIT__*`, off by default): a fixed window of one
//! minute counted through the [`RateCounter`] port (per instance, or shared
//! in Redis). Every limited answer carries the IETF draft headers
//! `RateLimit-Policy: "default";q=<limit>;w=60` and
//! `RateLimit: "default";r=<remaining>;t=<seconds to reset>`; over the limit
//! the answer is a 429 problem with `Retry-After`. Health probes and
//! `/metrics` are not limited. The login throttle and the mail request
//! limits apply on top, with their own tighter counts.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use keel_domain::identity::{IdentityProvider, Principal};
use keel_domain::limits::{RateCounter, WindowCount};

use crate::problem::ApiError;

/// The window every limit counts in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Paths never limited (load balancers and scrapers call them).
const EXEMPT: [&str; 3] = ["/health", "/health/ready", "/metrics"];

/// The limit and where hits are counted.
#[derive(Clone)]
pub struct RateLimit {
    /// Requests per minute per user or anonymous client IP.
    pub per_minute: u64,
    /// The counter store.
    pub counter: Arc<dyn RateCounter>,
}

/// The middleware (registered by [`crate::app`] when limits are on).
pub(crate) async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(config) = req.app_data::<web::Data<RateLimit>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if EXEMPT.contains(&req.path()) || req.method() == actix_web::http::Method::OPTIONS {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let key = match principal(&req).await {
        Some(p) => {
            let key = format!("user:{}", p.user.id);
            // The handler's extractor reuses it: one authentication.
            req.extensions_mut().insert(p);
            key
        }
        None => format!(
            "ip:{}",
            crate::client_ip::client_ip(req.request())
                .map_or_else(String::new, |ip| ip.to_string())
        ),
    };
    let hit = config.counter.hit(&key, WINDOW).await;
    let over = hit.count > config.per_minute;
    if over {
        let retry_after_secs = hit.resets_in.as_secs().max(1);
        let mut res = ApiError::TooManyRequests { retry_after_secs }.error_response();
        headers(res.headers_mut(), config.per_minute, hit);
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    headers(res.headers_mut(), config.per_minute, hit);
    Ok(res.map_into_left_body())
}

/// The caller behind a valid bearer token, if any.
async fn principal(req: &ServiceRequest) -> Option<Principal> {
    let token = crate::auth::bearer(req.request())?;
    let identity = req
        .app_data::<web::Data<Arc<dyn IdentityProvider>>>()?
        .clone();
    identity.authenticate(&token).await.ok()
}

fn headers(map: &mut actix_web::http::header::HeaderMap, limit: u64, hit: WindowCount) {
    let remaining = limit.saturating_sub(hit.count);
    let reset = hit.resets_in.as_secs().max(1);
    let policy = format!("\"default\";q={limit};w={}", WINDOW.as_secs());
    let state = format!("\"default\";r={remaining};t={reset}");
    for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            map.insert(HeaderName::from_static(name), v);
        }
    }
}
