//! Mail-based account flows: `/api/v1/auth/{verify-email, password,
//! magic-link}/*` and `/api/v1/users/me/email*`, over [`RecoveryService`].

use actix_web::{HttpRequest, HttpResponse, web};
use keel_application::identity::RecoveryService;

use crate::auth::{Authenticated, client_info};
use crate::extract::Json;
use crate::identity::dto::{
    ChangeEmailRequest, EmailRequest, MailAcceptedResponse, ResetPasswordRequest, TokenRequest,
    TokenResponse, UserResponse,
};
use crate::problem::{ApiError, Problem};

fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(MailAcceptedResponse::default())
}

/// Mail me a new verification link (none when already verified).
#[utoipa::path(post, path = "/api/v1/auth/verify-email/request", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 202, body = MailAcceptedResponse),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A Clerk account: verified at Clerk"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many mail requests; see Retry-After"),
    ))]
pub async fn request_verification(
    req: HttpRequest,
    recovery: web::Data<RecoveryService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    recovery
        .request_verification(&who.0, &client_info(&req))
        .await?;
    Ok(accepted())
}

/// Verify my address with the token from the mail.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Unknown, expired or spent token"),
    ))]
pub async fn verify_email(
    recovery: web::Data<RecoveryService>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = recovery.verify_email(&body.token).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Mail a password-reset link; the same answer whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "auth", request_body = EmailRequest,
    responses(
        (status = 202, body = MailAcceptedResponse),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many mail requests; see Retry-After"),
    ))]
pub async fn forgot_password(
    req: HttpRequest,
    recovery: web::Data<RecoveryService>,
    body: Json<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    recovery
        .forgot_password(&body.email, &client_info(&req))
        .await?;
    Ok(accepted())
}

/// Set a new password with the token from the reset mail; every session ends.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth", request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Password changed; every session revoked"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Unknown, expired or spent token"),
    ))]
pub async fn reset_password(
    recovery: web::Data<RecoveryService>,
    body: Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    recovery
        .reset_password(&body.token, &body.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mail a sign-in link; the same answer whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/magic-link", tag = "auth", request_body = EmailRequest,
    responses(
        (status = 202, body = MailAcceptedResponse),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many mail requests; see Retry-After"),
    ))]
pub async fn request_magic_link(
    req: HttpRequest,
    recovery: web::Data<RecoveryService>,
    body: Json<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    recovery
        .request_magic_link(&body.email, &client_info(&req))
        .await?;
    Ok(accepted())
}

/// Sign in with the token from a magic-link mail.
#[utoipa::path(post, path = "/api/v1/auth/magic-link/verify", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Unknown, expired or spent token"),
    ))]
pub async fn verify_magic_link(
    req: HttpRequest,
    recovery: web::Data<RecoveryService>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = recovery
        .sign_in_with_link(&body.token, client_info(&req))
        .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

/// Move my account to a new address: a confirmation link goes there, a notice to the current one.
#[utoipa::path(post, path = "/api/v1/users/me/email", tag = "users", security(("bearer" = [])),
    request_body = ChangeEmailRequest,
    responses(
        (status = 202, body = MailAcceptedResponse),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The address is taken, or a Clerk account"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong current password or invalid address"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many mail requests; see Retry-After"),
    ))]
pub async fn change_email(
    req: HttpRequest,
    recovery: web::Data<RecoveryService>,
    who: Authenticated,
    body: Json<ChangeEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    recovery
        .request_email_change(
            &who.0,
            &body.new_email,
            &body.current_password,
            &client_info(&req),
        )
        .await?;
    Ok(accepted())
}

/// Confirm the new address with the token from the mail sent to it.
#[utoipa::path(post, path = "/api/v1/users/me/email/confirm", tag = "users", request_body = TokenRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Unknown, expired or spent token"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Another account took the address meanwhile"),
    ))]
pub async fn confirm_email(
    recovery: web::Data<RecoveryService>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = recovery.confirm_email_change(&body.token).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// `?token=` of a mailed link.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// The token from the mail.
    pub token: Option<String>,
}

/// Whether `token` looks like one Keel issues (base64url, at most 128
/// characters): only such a token is echoed into a page.
fn plausible(token: &str) -> bool {
    (1..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn page(status: actix_web::http::StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body style=\"font-family: sans-serif; max-width: 36em; margin: 2em auto\"><h1>{title}</h1>{body}</body></html>"
        ))
}

/// The verification link of the mail (`APP__MAIL__LINK_BASE` pointing at Keel
/// itself, the default): opening it verifies the address.
#[utoipa::path(get, path = "/verify-email", tag = "auth", params(LinkQuery),
    responses(
        (status = 200, content_type = "text/html", body = String, description = "Verified"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Unknown, expired or spent link"),
    ))]
pub async fn verify_link(
    recovery: web::Data<RecoveryService>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, ApiError> {
    use actix_web::http::StatusCode;
    let token = query.token.as_deref().unwrap_or_default();
    match recovery.verify_email(token).await {
        Ok(_) => Ok(page(
            StatusCode::OK,
            "Address verified",
            "<p>Your email address is verified. You can close this page.</p>",
        )),
        Err(other) => Err(other.into()),
    }
}

/// A page saying which API call spends the token of a mailed link (when
/// `APP__MAIL__LINK_BASE` points at Keel itself; a front end serving these
/// paths replaces it).
fn link_page(call: &str, query: &LinkQuery) -> Result<HttpResponse, ApiError> {
    match query.token.as_deref().filter(|t| plausible(t)) {
        Some(token) => Ok(page(
            actix_web::http::StatusCode::OK,
            "Almost done",
            &format!(
                "<p>Your app finishes this step with {call}, using this token:</p><pre>{token}</pre>"
            ),
        )),
        None => Err(ApiError::BadRequest(
            "the link carries no usable token".into(),
        )),
    }
}

macro_rules! link_pages {
    ($($name:ident, $path:literal, $call:literal;)*) => {$(
        /// The link of a mail when `APP__MAIL__LINK_BASE` points at Keel
        /// itself: a page naming the API call that spends its token.
        #[utoipa::path(get, path = $path, tag = "auth", params(LinkQuery),
            responses(
                (status = 200, content_type = "text/html", body = String, description = "What to do with the token"),
                (status = 400, body = Problem, content_type = "application/problem+json", description = "No usable token in the link"),
            ))]
        pub async fn $name(query: web::Query<LinkQuery>) -> Result<HttpResponse, ApiError> {
            link_page($call, &query)
        }
    )*};
}

link_pages! {
    reset_link, "/reset-password", "POST /api/v1/auth/password/reset with {\"token\", \"new_password\"}";
    magic_link, "/magic-link", "POST /api/v1/auth/magic-link/verify with {\"token\"}";
    confirm_email_link, "/confirm-email", "POST /api/v1/users/me/email/confirm with {\"token\"}";
}
