//! Identity routes: `/api/v1/auth/*` and `/api/v1/users/*`.

pub mod dto;
pub mod handlers;
mod problem;
mod routes;

use std::sync::Arc;

use keel_application::identity::{AuthService, RecoveryService, UserService};
use utoipa::OpenApi;

use crate::context::{HttpContext, data};
use handlers::{auth, recovery, users};

#[derive(OpenApi)]
#[openapi(
    paths(
        auth::register,
        auth::login,
        auth::token,
        auth::refresh,
        auth::logout,
        auth::list_sessions,
        auth::revoke_session,
        recovery::request_verification,
        recovery::verify_email,
        recovery::forgot_password,
        recovery::reset_password,
        recovery::request_magic_link,
        recovery::verify_magic_link,
        recovery::change_email,
        recovery::confirm_email,
        recovery::verify_link,
        recovery::reset_link,
        recovery::magic_link,
        recovery::confirm_email_link,
        users::get_me,
        users::update_me,
        users::delete_me,
        users::change_password,
        users::list_users,
        users::get_user,
        users::update_user,
        users::delete_user,
    ),
    tags(
        (name = "auth", description = "Local accounts, tokens and sessions"),
        (name = "users", description = "My account and user administration"),
    )
)]
struct IdentityApi;

/// The identity context over its use cases.
pub fn context(
    auth: Arc<AuthService>,
    users: Arc<UserService>,
    recovery: Arc<RecoveryService>,
) -> HttpContext {
    let links = recovery.clone();
    HttpContext::new(IdentityApi::openapi(), move |cfg| {
        cfg.app_data(data(&auth))
            .app_data(data(&users))
            .app_data(data(&recovery));
        routes::configure(cfg);
    })
    .with_root_routes(move |cfg| routes::configure_links(cfg, &links))
}
