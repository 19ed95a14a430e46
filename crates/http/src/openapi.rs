//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::identity::{auth_handlers, user_handlers};
use crate::meta;
use crate::shop::{cart_handlers, catalog_handlers, order_handlers};
use crate::webhooks::handlers as webhook_handlers;

/// Keel's API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Keel API", description = "Identity, profiles, shop and workspace in one backend. Errors are RFC 9457 problem documents."),
    paths(
        meta::health,
        meta::ready,
        auth_handlers::register,
        auth_handlers::login,
        auth_handlers::token,
        auth_handlers::refresh,
        auth_handlers::logout,
        auth_handlers::list_sessions,
        auth_handlers::revoke_session,
        user_handlers::get_me,
        user_handlers::update_me,
        user_handlers::delete_me,
        user_handlers::change_password,
        user_handlers::list_users,
        user_handlers::get_user,
        user_handlers::update_user,
        user_handlers::delete_user,
        webhook_handlers::receive_clerk,
        webhook_handlers::list_events,
        webhook_handlers::retry_event,
        catalog_handlers::list_categories,
        catalog_handlers::create_category,
        catalog_handlers::update_category,
        catalog_handlers::delete_category,
        catalog_handlers::list_products,
        catalog_handlers::get_product,
        catalog_handlers::create_product,
        catalog_handlers::update_product,
        catalog_handlers::delete_product,
        catalog_handlers::upload_image,
        catalog_handlers::get_image,
        cart_handlers::get_cart,
        cart_handlers::set_item,
        cart_handlers::remove_item,
        cart_handlers::clear_cart,
        order_handlers::checkout,
        order_handlers::list_mine,
        order_handlers::get_order,
        order_handlers::cancel_order,
        order_handlers::list_all,
        order_handlers::change_status,
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "meta", description = "Health"),
        (name = "auth", description = "Local accounts, tokens and sessions"),
        (name = "users", description = "My account and user administration"),
        (name = "webhooks", description = "Clerk webhooks and their event log"),
        (name = "shop", description = "Catalog, images, cart and orders"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme as an OAuth2 password flow against
/// `/api/v1/auth/token`, so the docs page can sign in and send
/// `Authorization: Bearer <token>`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                "/api/v1/auth/token",
                Scopes::new(),
            ))])),
        );
    }
}
