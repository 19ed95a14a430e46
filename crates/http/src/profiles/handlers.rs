//! Profile handlers: the caller's profile, its contacts and jobs, public
//! reads and search.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use keel_application::profiles::{ProfileItemService, ProfileSearch, ProfileService};
use keel_domain::PageRequest;
use keel_domain::identity::Principal;
use keel_domain::profiles::{ContactId, JobEntryId, ProfileId, ProfileItem};
use uuid::Uuid;

use super::PictureLimit;
use super::dto::{
    ContactPatchRequest, ContactRequest, ContactResponse, JobPatchRequest, JobRequest, JobResponse,
    ProfileListQuery, ProfilePage, ProfileRequest, ProfileResponse, ProfileSummary,
};
use crate::auth::Authenticated;
use crate::catalog::dto::ImageUpload;
use crate::catalog::handlers::read_image_form;
use crate::extract::{Json, Query};
use crate::problem::ApiError;

/// The caller on a route anyone may call: `None` without an
/// `Authorization` header; a header with a bad token is still a 401.
fn optional_caller(
    req: &HttpRequest,
    who: Result<Authenticated, actix_web::Error>,
) -> Result<Option<Principal>, actix_web::Error> {
    match who {
        Ok(a) => Ok(Some(a.0)),
        Err(_) if !req.headers().contains_key(header::AUTHORIZATION) => Ok(None),
        Err(e) => Err(e),
    }
}

/// My profile with its contacts and job history.
#[utoipa::path(get, path = "/api/v1/users/me/profile", tag = "profiles", security(("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile yet (or deleted)"),
    ))]
pub async fn get_mine(
    profiles: web::Data<ProfileService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let view = profiles.mine(&who.0).await?;
    Ok(HttpResponse::Ok().json(ProfileResponse::from(view)))
}

/// Create or replace my profile (201 when created, 200 when replaced).
#[utoipa::path(put, path = "/api/v1/users/me/profile", tag = "profiles", security(("bearer" = [])),
    request_body = ProfileRequest,
    responses(
        (status = 200, body = ProfileResponse, description = "Replaced"),
        (status = 201, body = ProfileResponse, description = "Created"),
    ))]
pub async fn put_mine(
    profiles: web::Data<ProfileService>,
    who: Authenticated,
    body: Json<ProfileRequest>,
) -> Result<HttpResponse, ApiError> {
    let (view, created) = profiles.put_mine(&who.0, body.into_inner().into()).await?;
    let body = ProfileResponse::from(view);
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// Delete my profile (soft: it leaves search and public reads).
#[utoipa::path(delete, path = "/api/v1/users/me/profile", tag = "profiles", security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile"),
    ))]
pub async fn delete_mine(
    profiles: web::Data<ProfileService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    profiles.delete_mine(&who.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Upload my profile picture (multipart field `file`: JPEG, PNG or WebP by
/// content, at most `APP__UPLOADS__MAX_BYTES`); sets `profile_picture_url`.
#[utoipa::path(post, path = "/api/v1/users/me/profile/picture", tag = "profiles", security(("bearer" = [])),
    request_body(content = ImageUpload, content_type = "multipart/form-data", description = "Field `file`: the image"),
    responses(
        (status = 200, body = ProfileResponse),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile"),
    ))]
pub async fn upload_picture(
    req: HttpRequest,
    profiles: web::Data<ProfileService>,
    limit: web::Data<PictureLimit>,
    who: Authenticated,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Before a byte of the body is read: 404 at once without a profile.
    profiles.check_picture_target(&who.0).await?;
    let bytes = read_image_form(&req, payload, limit.0).await?;
    let view = profiles.set_picture(&who.0, bytes).await?;
    Ok(HttpResponse::Ok().json(ProfileResponse::from(view)))
}

/// Public profiles (admins: every profile), newest first.
#[utoipa::path(get, path = "/api/v1/profiles", tag = "profiles", params(ProfileListQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = ProfilePage)))]
pub async fn list_profiles(
    req: HttpRequest,
    profiles: web::Data<ProfileService>,
    who: Result<Authenticated, actix_web::Error>,
    q: Query<ProfileListQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let viewer = optional_caller(&req, who)?;
    let q = q.into_inner();
    let page = PageRequest::parse(q.page, q.size).map_err(ApiError::Validation)?;
    let search = ProfileSearch {
        q: q.q,
        country: q.country,
        city: q.city,
    };
    let page = profiles
        .search(viewer.as_ref(), search, page)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(ProfilePage::from_page(page, ProfileSummary::from)))
}

/// One profile: public ones for anyone, private or deleted ones only for
/// their owner and admins (404 otherwise); contacts only when allowed.
#[utoipa::path(get, path = "/api/v1/profiles/{id}", tag = "profiles",
    params(("id" = Uuid, Path, description = "Profile id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, body = ProfileResponse),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such profile, or not visible to the caller"),
    ))]
pub async fn get_profile(
    req: HttpRequest,
    profiles: web::Data<ProfileService>,
    who: Result<Authenticated, actix_web::Error>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, actix_web::Error> {
    let viewer = optional_caller(&req, who)?;
    let view = profiles
        .get(viewer.as_ref(), ProfileId::from_uuid(id.into_inner()))
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(ProfileResponse::from(view)))
}

/// My contacts, primary first.
#[utoipa::path(get, path = "/api/v1/users/me/profile/contacts", tag = "profiles", security(("bearer" = [])),
    responses((status = 200, body = [ContactResponse]),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile yet (or deleted)"),
    ))]
pub async fn list_contacts(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let contacts = items.contacts(&who.0).await?;
    Ok(HttpResponse::Ok().json(
        contacts
            .into_iter()
            .map(ContactResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Add a contact.
#[utoipa::path(post, path = "/api/v1/users/me/profile/contacts", tag = "profiles", security(("bearer" = [])),
    request_body = ContactRequest,
    responses((status = 201, body = ContactResponse),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile yet (or deleted)"),
    ))]
pub async fn add_contact(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
    body: Json<ContactRequest>,
) -> Result<HttpResponse, ApiError> {
    let contact = items.add_contact(&who.0, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(ContactResponse::from(contact)))
}

/// Change one of my contacts.
#[utoipa::path(patch, path = "/api/v1/users/me/profile/contacts/{id}", tag = "profiles", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Contact id")),
    request_body = ContactPatchRequest,
    responses((status = 200, body = ContactResponse)))]
pub async fn update_contact(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<ContactPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let contact = items
        .update_contact(
            &who.0,
            ContactId::from_uuid(id.into_inner()),
            body.into_inner().into(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(ContactResponse::from(contact)))
}

/// Delete one of my contacts (soft).
#[utoipa::path(delete, path = "/api/v1/users/me/profile/contacts/{id}", tag = "profiles", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Contact id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_contact(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    items
        .delete(
            &who.0,
            ProfileItem::Contact(ContactId::from_uuid(id.into_inner())),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My job history, latest start first.
#[utoipa::path(get, path = "/api/v1/users/me/profile/jobs", tag = "profiles", security(("bearer" = [])),
    responses((status = 200, body = [JobResponse]),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile yet (or deleted)"),
    ))]
pub async fn list_jobs(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let jobs = items.jobs(&who.0).await?;
    Ok(HttpResponse::Ok().json(jobs.into_iter().map(JobResponse::from).collect::<Vec<_>>()))
}

/// Add a job-history entry.
#[utoipa::path(post, path = "/api/v1/users/me/profile/jobs", tag = "profiles", security(("bearer" = [])),
    request_body = JobRequest,
    responses((status = 201, body = JobResponse),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No profile yet (or deleted)"),
    ))]
pub async fn add_job(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
    body: Json<JobRequest>,
) -> Result<HttpResponse, ApiError> {
    let job = items.add_job(&who.0, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(JobResponse::from(job)))
}

/// Change one of my job-history entries.
#[utoipa::path(patch, path = "/api/v1/users/me/profile/jobs/{id}", tag = "profiles", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job-history entry id")),
    request_body = JobPatchRequest,
    responses((status = 200, body = JobResponse)))]
pub async fn update_job(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<JobPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let job = items
        .update_job(
            &who.0,
            JobEntryId::from_uuid(id.into_inner()),
            body.into_inner().into(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(JobResponse::from(job)))
}

/// Delete one of my job-history entries (soft).
#[utoipa::path(delete, path = "/api/v1/users/me/profile/jobs/{id}", tag = "profiles", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job-history entry id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_job(
    items: web::Data<ProfileItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    items
        .delete(
            &who.0,
            ProfileItem::Job(JobEntryId::from_uuid(id.into_inner())),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
