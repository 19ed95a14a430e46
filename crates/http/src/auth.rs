//! Bearer-token extraction: turns `Authorization: Bearer <token>` into a
//! [`Principal`] through the [`IdentityProvider`] port.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use keel_domain::identity::{IdentityProvider, Principal};

use crate::problem::ApiError;

/// An authenticated caller; use it as a handler argument to require a token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// The token after `Bearer `, or `None` when the header is missing, not
/// ASCII, another scheme or empty.
pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // Authenticated already by the rate limiter, for this very token.
        if let Some(principal) = actix_web::HttpMessage::extensions(req)
            .get::<Principal>()
            .cloned()
        {
            return Box::pin(async move { Ok(Authenticated(principal)) });
        }
        let token = bearer(req);
        let provider = req
            .app_data::<web::Data<Arc<dyn IdentityProvider>>>()
            .cloned();
        Box::pin(async move {
            let provider = provider
                .ok_or_else(|| ApiError::Internal("identity provider not configured".into()))?;
            let token = token.ok_or_else(ApiError::invalid_token)?;
            let principal = provider.authenticate(&token).await?;
            Ok(Authenticated(principal))
        })
    }
}

/// Client details for session records and the login throttle: the client
/// address (the peer, or what a trusted proxy forwarded: see
/// [`crate::client_ip`]) and the user agent.
pub fn client_info(req: &HttpRequest) -> keel_application::identity::ClientInfo {
    keel_application::identity::ClientInfo {
        ip: crate::client_ip::client_ip(req).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn bearer_requires_the_scheme_and_a_token() {
        let with = |v: &str| {
            bearer(
                &TestRequest::default()
                    .insert_header((header::AUTHORIZATION, v))
                    .to_http_request(),
            )
        };
        assert_eq!(with("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("Bearer "), None);
        assert_eq!(with("Basic abc"), None);
        assert_eq!(bearer(&TestRequest::default().to_http_request()), None);
    }

    #[test]
    fn non_ascii_headers_are_not_bearer_tokens() {
        let value = header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap();
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, value))
            .to_http_request();
        assert_eq!(bearer(&req), None);
    }
}
