//! Profile routes: the caller's profile, contacts and job history, public
//! profiles and search.

pub mod dto;
pub mod handlers;
mod problem;
mod routes;

use std::sync::Arc;

use actix_web::web;
use keel_application::profiles::{ProfileItemService, ProfileService};
use utoipa::OpenApi;

use crate::context::{HttpContext, data};

/// Largest accepted picture, from `APP__UPLOADS__MAX_BYTES`.
#[derive(Debug, Clone, Copy)]
pub struct PictureLimit(pub usize);

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::get_mine,
        handlers::put_mine,
        handlers::delete_mine,
        handlers::upload_picture,
        handlers::list_contacts,
        handlers::add_contact,
        handlers::update_contact,
        handlers::delete_contact,
        handlers::list_jobs,
        handlers::add_job,
        handlers::update_job,
        handlers::delete_job,
        handlers::list_profiles,
        handlers::get_profile,
    ),
    components(schemas(dto::ProfileSummary)),
    tags((name = "profiles", description = "Personal and professional profiles"))
)]
struct ProfilesApi;

/// The profiles context over its use cases; pictures are limited to
/// `max_upload_bytes`.
pub fn context(
    profiles: Arc<ProfileService>,
    items: Arc<ProfileItemService>,
    max_upload_bytes: usize,
) -> HttpContext {
    HttpContext::new(ProfilesApi::openapi(), move |cfg| {
        cfg.app_data(data(&profiles))
            .app_data(data(&items))
            .app_data(web::Data::new(PictureLimit(max_upload_bytes)));
        routes::configure(cfg);
    })
}
