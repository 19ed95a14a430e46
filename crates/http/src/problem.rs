//! RFC 9457 problem details: the one error format of the API.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use keel_application::identity::IdentityError;
use keel_domain::FieldError;
use keel_domain::identity::AuthError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Problem type URI; `about:blank` means "see the status code".
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: String,
    /// The status code's reason phrase.
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong, for humans.
    pub detail: String,
    /// Invalid fields (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
    /// The products a checkout could not take (409 from `POST /orders` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<ProductShortage>>,
}

/// A product a checkout could not take.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductShortage {
    /// The product.
    pub product_id: uuid::Uuid,
    /// `out_of_stock` or `unavailable` (missing, inactive or deleted).
    pub reason: &'static str,
}

/// One invalid input field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field's name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: e.message,
        }
    }
}

/// Builds a problem response.
pub fn problem_response(
    status: StatusCode,
    detail: &str,
    errors: Option<Vec<ProblemField>>,
) -> HttpResponse {
    Problem {
        errors,
        ..Problem::new(status, detail)
    }
    .into_response(status)
}

impl Problem {
    /// An `about:blank` problem for `status` with `detail` and no extensions.
    pub fn new(status: StatusCode, detail: &str) -> Self {
        Self {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
            products: None,
        }
    }

    /// This document as a `application/problem+json` response.
    pub fn into_response(self, status: StatusCode) -> HttpResponse {
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .json(self)
    }
}

/// Every error a handler can return. Each variant has one status; 500s are
/// logged with their cause and answered without internals.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read.
    #[error("{0}")]
    BadRequest(String),
    /// 401 with `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// 403.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422 with the invalid fields.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429 with `Retry-After`.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// 503 with `Retry-After`.
    #[error("{detail}")]
    Unavailable {
        /// What is unavailable, for humans.
        detail: String,
        /// Seconds to wait.
        retry_after_secs: u64,
        /// The cause, for logs only.
        cause: String,
    },
    /// 409 from checkout, naming the products.
    #[error("some products cannot be ordered")]
    Unfulfillable(Vec<ProductShortage>),
    /// 500; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 401 for a missing or unacceptable bearer token; never says which check failed.
    pub fn invalid_token() -> Self {
        Self::Unauthorized("missing or invalid bearer token".into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Unfulfillable(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = match self {
            Self::Validation(errors) => problem_response(
                status,
                "the request has invalid fields",
                Some(errors.iter().cloned().map(ProblemField::from).collect()),
            ),
            Self::TooManyRequests { .. } => {
                problem_response(status, "too many attempts; retry later", None)
            }
            Self::Unfulfillable(products) => Problem {
                products: Some(products.clone()),
                ..Problem::new(
                    status,
                    "some products are short of stock or no longer sold; nothing was ordered",
                )
            }
            .into_response(status),
            Self::Unavailable { detail, cause, .. } => {
                tracing::warn!(cause = %cause, "service unavailable");
                problem_response(status, detail, None)
            }
            Self::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                problem_response(status, "an unexpected error occurred", None)
            }
            other => problem_response(status, &other.to_string(), None),
        };
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            Self::TooManyRequests { retry_after_secs }
            | Self::Unavailable {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<IdentityError> for ApiError {
    fn from(err: IdentityError) -> Self {
        match err {
            IdentityError::Validation(errors) => Self::Validation(errors),
            IdentityError::EmailTaken => Self::Conflict("email is already registered".into()),
            IdentityError::Conflict(what) => Self::Conflict(what),
            IdentityError::InvalidCredentials => {
                Self::Unauthorized("invalid email or password".into())
            }
            IdentityError::InvalidToken => Self::invalid_token(),
            IdentityError::Throttled { retry_after_secs } => {
                Self::TooManyRequests { retry_after_secs }
            }
            IdentityError::Forbidden => Self::Forbidden("you are not allowed to do this".into()),
            IdentityError::NotFound => Self::NotFound("no such resource".into()),
            IdentityError::Unavailable(cause) => Self::Unavailable {
                detail: "storage is unavailable; retry later".into(),
                retry_after_secs: 5,
                cause,
            },
            IdentityError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidToken => Self::invalid_token(),
            AuthError::Forbidden(why) => Self::Forbidden(why),
            AuthError::Unavailable { retry_after_secs } => Self::Unavailable {
                detail: "authentication is temporarily unavailable".into(),
                retry_after_secs,
                cause: "identity provider unavailable".into(),
            },
        }
    }
}

impl From<keel_application::shop::ShopError> for ApiError {
    fn from(err: keel_application::shop::ShopError) -> Self {
        use keel_application::shop::ShopError;
        match err {
            ShopError::Validation(errors) => Self::Validation(errors),
            ShopError::NotFound => Self::NotFound("no such resource".into()),
            ShopError::Forbidden => Self::Forbidden("you are not allowed to do this".into()),
            ShopError::Conflict(what) => Self::Conflict(what),
            ShopError::EmptyCart => Self::Validation(vec![FieldError::new("cart", "is empty")]),
            ShopError::Unfulfillable {
                out_of_stock,
                unavailable,
            } => Self::Unfulfillable(
                out_of_stock
                    .into_iter()
                    .map(|p| ProductShortage {
                        product_id: p.as_uuid(),
                        reason: "out_of_stock",
                    })
                    .chain(unavailable.into_iter().map(|p| ProductShortage {
                        product_id: p.as_uuid(),
                        reason: "unavailable",
                    }))
                    .collect(),
            ),
            ShopError::UnsupportedMediaType => {
                Self::UnsupportedMediaType("only JPEG, PNG and WebP images are accepted".into())
            }
            ShopError::Unavailable(cause) => Self::Unavailable {
                detail: "storage is unavailable; retry later".into(),
                retry_after_secs: 5,
                cause,
            },
        }
    }
}
