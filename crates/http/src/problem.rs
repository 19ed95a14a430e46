//! RFC 9457 problem details: the one error format of the API, and the one
//! mapping from the use cases' shared error kinds to statuses.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use keel_application::error::{AppError, NoCase};
use keel_domain::identity::AuthError;
use keel_domain::{Cause, FieldError};
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
    /// Members a context adds to its own problems (e.g. `products` on a
    /// checkout 409); each such problem documents its own schema.
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(ignore)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
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
            extensions: serde_json::Map::new(),
        }
    }

    /// This document as a `application/problem+json` response.
    pub fn into_response(self, status: StatusCode) -> HttpResponse {
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .json(self)
    }
}

/// Every error a handler can return. Each variant has one status; 500s and
/// 503s are logged with their whole cause chain and answered without it.
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
        cause: Cause,
    },
    /// A problem with one extension member that a context adds (e.g. the
    /// products of a checkout 409).
    #[error("{detail}")]
    Extended {
        /// The status.
        status: StatusCode,
        /// What went wrong, for humans.
        detail: String,
        /// The extension member's name.
        name: &'static str,
        /// Its value.
        value: serde_json::Value,
    },
    /// 500; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(Cause),
}

impl ApiError {
    /// A 401 for a missing or unacceptable bearer token; never says which check failed.
    pub fn invalid_token() -> Self {
        Self::Unauthorized("missing or invalid bearer token".into())
    }

    /// A problem with `status`, `detail` and the extension member `name`.
    pub fn with_extension(
        status: StatusCode,
        detail: &str,
        name: &'static str,
        value: serde_json::Value,
    ) -> Self {
        Self::Extended {
            status,
            detail: detail.into(),
            name,
            value,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Extended { status, .. } => *status,
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
            Self::Extended {
                detail,
                name,
                value,
                ..
            } => {
                let mut problem = Problem::new(status, detail);
                problem.extensions.insert((*name).to_owned(), value.clone());
                problem.into_response(status)
            }
            Self::Unavailable { detail, cause, .. } => {
                tracing::warn!(cause = %cause.chain(), "service unavailable");
                problem_response(status, detail, None)
            }
            Self::Internal(cause) => {
                tracing::error!(cause = %cause.chain(), "internal error");
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

/// How a context's own error cases answer; each context implements it for
/// its case type next to its routes.
pub trait ProblemCase {
    /// The answer for this case.
    fn into_api_error(self) -> ApiError;
}

impl ProblemCase for NoCase {
    fn into_api_error(self) -> ApiError {
        match self {}
    }
}

/// The one mapping of the shared error kinds.
impl<C: ProblemCase> From<AppError<C>> for ApiError {
    fn from(err: AppError<C>) -> Self {
        match err {
            AppError::Validation(errors) => Self::Validation(errors),
            AppError::NotFound => Self::NotFound("no such resource".into()),
            AppError::Forbidden => Self::Forbidden("you are not allowed to do this".into()),
            AppError::Conflict(what) => Self::Conflict(what),
            AppError::Unavailable(cause) => Self::Unavailable {
                detail: "storage is unavailable; retry later".into(),
                retry_after_secs: 5,
                cause,
            },
            AppError::Internal(cause) => Self::Internal(cause),
            AppError::Case(case) => case.into_api_error(),
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
                cause: Cause::msg("identity provider unavailable"),
            },
        }
    }
}
