//! actix's own rejections (JSON, form, query, path, payload, unknown routes,
//! wrong methods) rewritten as problem+json.

use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, web};
use keel_domain::FieldError;

use crate::methods::AllowedMethods;
use crate::problem::{ApiError, PROBLEM_JSON, problem_response};

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;
/// Largest form body accepted.
pub const FORM_LIMIT: usize = 16 * 1024;

pub(crate) fn serde_error(err: &serde_json::Error) -> ApiError {
    if err.is_data() {
        ApiError::Validation(vec![FieldError::new("body", err.to_string())])
    } else {
        ApiError::BadRequest(format!("malformed JSON: {err}"))
    }
}

/// JSON extractor settings: 64 KiB limit, problem+json rejections.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req: &HttpRequest| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge(
                    format!("JSON bodies are limited to {JSON_LIMIT} bytes"),
                ),
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("expected Content-Type: application/json".into())
                }
                JsonPayloadError::Deserialize(e) => serde_error(e),
                other => ApiError::BadRequest(other.to_string()),
            };
            api.into()
        })
}

/// Form extractor settings: 16 KiB limit, problem+json rejections.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(FORM_LIMIT)
        .error_handler(|err, _req: &HttpRequest| {
            let api = match &err {
                UrlencodedError::Overflow { .. } => ApiError::PayloadTooLarge(format!(
                    "form bodies are limited to {FORM_LIMIT} bytes"
                )),
                UrlencodedError::ContentType => ApiError::UnsupportedMediaType(
                    "expected Content-Type: application/x-www-form-urlencoded".into(),
                ),
                UrlencodedError::Parse(_) => {
                    ApiError::Validation(vec![FieldError::new("body", err.to_string())])
                }
                other => ApiError::BadRequest(other.to_string()),
            };
            api.into()
        })
}

/// Query-string settings: a bad query parameter is a 422.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req: &HttpRequest| {
        let QueryPayloadError::Deserialize(e) = &err else {
            return ApiError::BadRequest(err.to_string()).into();
        };
        ApiError::Validation(vec![FieldError::new("query", e.to_string())]).into()
    })
}

/// Path settings: a malformed id in the path names no resource: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req: &HttpRequest| {
        ApiError::NotFound(format!("no such resource ({err})")).into()
    })
}

/// Raw payload settings: the global body limit.
pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(256 * 1024)
}

/// The answer when no route matched: 405 with `Allow` when the path is
/// known (the method is not one it declares), else 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allow = req
        .app_data::<AllowedMethods>()
        .and_then(|m| m.allow(req.path()).map(str::to_owned));
    match allow {
        Some(allow) => method_not_allowed(&allow),
        None => problem_response(StatusCode::NOT_FOUND, "no route matches this path", None),
    }
}

fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = problem_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this path",
        None,
    );
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// For `ErrorHandlers::default_handler`: any error response that is not
/// already problem+json (405 from the router, errors from other middleware)
/// is replaced by a problem document with the same status and headers.
pub fn ensure_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = res
            .request()
            .app_data::<AllowedMethods>()
            .and_then(|m| m.allow(res.request().path()))
            .unwrap_or_default()
            .to_owned();
        let mut replacement = method_not_allowed(&allow);
        keep_headers(res.headers(), &mut replacement);
        let (req, _) = res.into_parts();
        return Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, replacement).map_into_right_body(),
        ));
    }
    let detail = match status.as_u16() {
        405 => "method not allowed on this path",
        s if s >= 500 => "an unexpected error occurred",
        _ => status.canonical_reason().unwrap_or("error"),
    };
    let mut replacement = problem_response(status, detail, None);
    keep_headers(res.headers(), &mut replacement);
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, replacement).map_into_right_body(),
    ))
}

/// Copies every header of the replaced answer (Retry-After,
/// WWW-Authenticate, the CORS headers...) but the body's own and those the
/// replacement already sets (a 405's `Allow`).
fn keep_headers(from: &header::HeaderMap, to: &mut HttpResponse) {
    let own: Vec<header::HeaderName> = to.headers().keys().cloned().collect();
    for (name, value) in from {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && !own.contains(name) {
            to.headers_mut().append(name.clone(), value.clone());
        }
    }
}
