//! `/api/v1/users/*` handlers: my account and user administration.

use actix_web::{HttpResponse, web};
use keel_application::identity::{AdminUpdate, UpdateMe, UserService};
use keel_domain::PageRequest;
use keel_domain::identity::{UserFilter, UserId};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::extract::{Json, Query};
use crate::identity::dto::{
    AdminUpdateRequest, ChangePasswordRequest, ListUsersQuery, UpdateMeRequest, UserPage,
    UserResponse,
};
use crate::problem::{ApiError, Problem};

/// My user.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, body = UserResponse),
    ))]
pub async fn get_me(who: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(who.0.user))
}

/// Update my name, username or image (`null` clears a field).
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Username taken"),
    ))]
pub async fn update_me(
    users: web::Data<UserService>,
    who: Authenticated,
    body: Json<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let update = UpdateMe {
        name: body.name,
        username: body.username,
        image_url: body.image_url,
    };
    let user = users.update_me(&who.0, update).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Deactivate my account (soft delete) and end every session.
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 204, description = "Deactivated"),
    ))]
pub async fn delete_me(
    users: web::Data<UserService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    users.delete_me(&who.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change my password; every other session is revoked.
#[utoipa::path(post, path = "/api/v1/users/me/password", tag = "users", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong current password or invalid new one"),
    ))]
pub async fn change_password(
    users: web::Data<UserService>,
    who: Authenticated,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    users
        .change_password(&who.0, &body.current_password, &body.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Search users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, body = crate::page::PageResponse<UserResponse>),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Bad page, size or role"),
    ))]
pub async fn list_users(
    users: web::Data<UserService>,
    who: Authenticated,
    query: Query<ListUsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.page, query.size).map_err(ApiError::Validation)?;
    let filter = UserFilter {
        query: query.q,
        role: query.role.map(Into::into),
    };
    let page = users.list(&who.0, filter, page).await?;
    Ok(HttpResponse::Ok().json(UserPage::from_page(page, Into::into)))
}

/// One user (admin).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = UserResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such user"),
    ))]
pub async fn get_user(
    users: web::Data<UserService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = users
        .get(&who.0, UserId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Update a user, including `role` and `is_active` (admin).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = AdminUpdateRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such user"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Username taken, or demoting/deactivating oneself"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields or unknown role"),
    ))]
pub async fn update_user(
    users: web::Data<UserService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<AdminUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let update = AdminUpdate {
        profile: UpdateMe {
            name: body.name,
            username: body.username,
            image_url: body.image_url,
        },
        role: body.role.map(Into::into),
        is_active: body.is_active,
    };
    let user = users
        .update(&who.0, UserId::from_uuid(id.into_inner()), update)
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Deactivate a user (admin, soft delete) and end their sessions.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an admin"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such user"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Deleting oneself"),
    ))]
pub async fn delete_user(
    users: web::Data<UserService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    users
        .delete(&who.0, UserId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
