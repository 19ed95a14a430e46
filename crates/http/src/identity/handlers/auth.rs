//! `/api/v1/auth/*` handlers: thin translations between HTTP and [`AuthService`].

use actix_web::{HttpRequest, HttpResponse, web};
use keel_application::identity::{AuthService, RegisterCommand};
use keel_domain::identity::SessionId;
use uuid::Uuid;

use crate::auth::{Authenticated, client_info};
use crate::extract::Json;
use crate::identity::dto::{
    LoginRequest, OAuthTokenResponse, RefreshRequest, RegisterRequest, SessionResponse, TokenForm,
    TokenResponse,
};
use crate::problem::{ApiError, Problem};

/// Create a local account and sign it in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Email already registered"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Body too large"),
    ))]
pub async fn register(
    req: HttpRequest,
    auth: web::Data<AuthService>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let cmd = RegisterCommand {
        email: body.email,
        password: body.password,
        name: body.name,
        username: body.username,
    };
    let tokens = auth.register(cmd, client_info(&req)).await?;
    Ok(HttpResponse::Created().json(TokenResponse::from(tokens)))
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Wrong email or password (same body for both)"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Missing fields"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failures; see Retry-After"),
    ))]
pub async fn login(
    req: HttpRequest,
    auth: web::Data<AuthService>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = auth
        .login(&body.email, &body.password, client_info(&req))
        .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

/// OAuth2 password grant (form `username`, `password`), used by the docs page.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = OAuthTokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Wrong email or password"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not a form"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Missing fields or unsupported grant_type"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failures; see Retry-After"),
    ))]
pub async fn token(
    req: HttpRequest,
    auth: web::Data<AuthService>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    if form.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::Validation(vec![keel_domain::FieldError::new(
            "grant_type",
            "only the password grant is supported",
        )]));
    }
    let tokens = auth
        .login(&form.username, &form.password, client_info(&req))
        .await?;
    Ok(HttpResponse::Ok().json(OAuthTokenResponse {
        access_token: tokens.access_token,
        token_type: "bearer".into(),
        expires_in: tokens.expires_in,
    }))
}

/// Spend a refresh token for a new pair. Replaying a spent token revokes its whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Unknown, expired, spent or revoked refresh token"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Missing field"),
    ))]
pub async fn refresh(
    req: HttpRequest,
    auth: web::Data<AuthService>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = auth.refresh(&body.refresh_token, client_info(&req)).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

/// End the current session; its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
    ))]
pub async fn logout(
    auth: web::Data<AuthService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    auth.logout(&who.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My live sessions.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SessionResponse>),
    ))]
pub async fn list_sessions(
    auth: web::Data<AuthService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let sessions = auth.list_sessions(&who.0).await?;
    Ok(HttpResponse::Ok().json(
        sessions
            .into_iter()
            .map(SessionResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Revoke one of my sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Not one of my live sessions"),
    ))]
pub async fn revoke_session(
    auth: web::Data<AuthService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.revoke_session(&who.0, SessionId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
