//! Response headers every answer carries, and the guard that turns a panic
//! into a 500 problem instead of a dropped connection.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use futures_util::FutureExt as _;
use keel_domain::Cause;

use crate::problem::ApiError;

/// Which optional security headers to send.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security: max-age=N` when set (deployments behind
    /// TLS only: a browser that sees it refuses plain HTTP for N seconds).
    pub hsts_max_age_secs: Option<u64>,
}

/// The policy of the docs page: its own scripts and styles (Swagger UI ships
/// an inline style block and `data:` icons), calls to this origin only, never
/// framed.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// The policy of every other answer: JSON and images never load anything.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

impl SecurityHeaders {
    /// Adds the headers to `headers` for an answer to `path`, keeping any a
    /// handler set itself (images set their own `Cache-Control`).
    pub fn apply(&self, path: &str, headers: &mut HeaderMap) {
        let mut set_default = |name: HeaderName, value: HeaderValue| {
            if !headers.contains_key(&name) {
                headers.insert(name, value);
            }
        };
        set_default(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        set_default(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        set_default(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        // Tokens, profiles and carts must not sit in a shared or disk cache;
        // a handler that wants caching says so.
        set_default(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let csp = if path.starts_with("/api/v1/docs") {
            DOCS_CSP
        } else {
            API_CSP
        };
        set_default(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
        if let Some(secs) = self.hsts_max_age_secs.filter(|s| *s > 0)
            && let Ok(value) = HeaderValue::from_str(&format!("max-age={secs}"))
        {
            set_default(header::STRICT_TRANSPORT_SECURITY, value);
        }
    }
}

/// For `App::wrap_fn`: calls the inner service and answers a panic in it as
/// a 500 problem (the panic itself is logged once, by the panic hook that
/// bootstrap installs) instead of dropping the connection.
pub fn catch_panic<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    AssertUnwindSafe(srv.call(req))
        .catch_unwind()
        .map(|outcome| {
            outcome.unwrap_or_else(|_| {
                Err(ApiError::Internal(Cause::msg("a request handler panicked")).into())
            })
        })
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;
    use actix_web::test as atest;
    use actix_web::{App, HttpResponse, web};

    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_is_a_500_problem_not_a_dropped_connection() {
        let app = atest::init_service(
            App::new()
                .route(
                    "/boom",
                    web::get().to(|| async {
                        if std::hint::black_box(true) {
                            panic!("boom");
                        }
                        HttpResponse::Ok().finish()
                    }),
                )
                .wrap_fn(catch_panic),
        )
        .await;
        let err =
            atest::try_call_service(&app, atest::TestRequest::get().uri("/boom").to_request())
                .await
                .expect_err("the panic is answered as an error");
        let response = err.as_response_error().error_response();
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let body = to_bytes(response.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["status"], 500);
        assert!(!body.to_string().contains("boom"), "{body}");
    }

    #[test]
    fn api_answers_get_the_strict_policy_and_docs_their_own() {
        let mut headers = HeaderMap::new();
        SecurityHeaders::default().apply("/api/v1/auth/login", &mut headers);
        assert_eq!(
            headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(
            headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            API_CSP
        );
        assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());

        let mut docs = HeaderMap::new();
        SecurityHeaders::default().apply("/api/v1/docs/index.html", &mut docs);
        assert_eq!(docs.get(header::CONTENT_SECURITY_POLICY).unwrap(), DOCS_CSP);
        assert_eq!(docs.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    }

    #[test]
    fn a_handlers_own_cache_policy_wins_and_hsts_is_sent_when_configured() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
        SecurityHeaders {
            hsts_max_age_secs: Some(31_536_000),
        }
        .apply("/api/v1/images/x.png", &mut headers);
        assert_eq!(
            headers.get(header::CACHE_CONTROL).unwrap(),
            "public, max-age=60"
        );
        assert_eq!(
            headers.get(header::STRICT_TRANSPORT_SECURITY).unwrap(),
            "max-age=31536000"
        );
    }
}
