//! Workspace handlers: items, projects and agents (owner-scoped CRUD with
//! PUT and PATCH), and chat over REST.

use actix_web::{HttpResponse, web};
use keel_application::workspace::{AgentService, ChatService, ItemService, ProjectService};
use keel_domain::PageRequest;
use keel_domain::workspace::{AgentId, ChatId, ItemId, ProjectId};
use uuid::Uuid;

use super::dto::{
    AgentPage, AgentPatchRequest, AgentRequest, AgentResponse, ChatListQuery, ChatPage,
    ChatRequest, ChatResponse, ItemPage, ItemPatchRequest, ItemRequest, ItemResponse, ListQuery,
    ProjectPage, ProjectPatchRequest, ProjectRequest, ProjectResponse,
};
use super::ws::Hub;
use crate::auth::Authenticated;
use crate::extract::{Json, Query};
use crate::problem::ApiError;

/// My items (an admin's: everyone's), newest first.
#[utoipa::path(get, path = "/api/v1/items", tag = "workspace", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = crate::page::PageResponse<ItemResponse>)))]
pub async fn list_items(
    service: web::Data<ItemService>,
    who: Authenticated,
    q: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.page, q.size).map_err(ApiError::Validation)?;
    let page = service.list(&who.0, page).await?;
    Ok(HttpResponse::Ok().json(ItemPage::from_page(page, ItemResponse::from)))
}

/// Create an item.
#[utoipa::path(post, path = "/api/v1/items", tag = "workspace", security(("bearer" = [])),
    request_body = ItemRequest, responses((status = 201, body = ItemResponse)))]
pub async fn create_item(
    service: web::Data<ItemService>,
    who: Authenticated,
    body: Json<ItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service.create(&who.0, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(ItemResponse::from(created)))
}

/// One of my items (admins: anyone's); someone else's is 404.
#[utoipa::path(get, path = "/api/v1/items/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Item id")),
    responses((status = 200, body = ItemResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn get_item(
    service: web::Data<ItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service
        .get(&who.0, ItemId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(ItemResponse::from(found)))
}

/// Replace an item whole (what the body leaves out is cleared).
#[utoipa::path(put, path = "/api/v1/items/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Item id")),
    request_body = ItemRequest, responses((status = 200, body = ItemResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn replace_item(
    service: web::Data<ItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<ItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = ItemId::from_uuid(id.into_inner());
    let changed = service
        .replace(&who.0, id, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(ItemResponse::from(changed)))
}

/// Change some fields of an item (absent stay, `null` clears).
#[utoipa::path(patch, path = "/api/v1/items/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Item id")),
    request_body = ItemPatchRequest, responses((status = 200, body = ItemResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn update_item(
    service: web::Data<ItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<ItemPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = ItemId::from_uuid(id.into_inner());
    let changed = service.update(&who.0, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(ItemResponse::from(changed)))
}

/// Delete an item.
#[utoipa::path(delete, path = "/api/v1/items/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Item id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn delete_item(
    service: web::Data<ItemService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service
        .delete(&who.0, ItemId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My projects (an admin's: everyone's), newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "workspace", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = crate::page::PageResponse<ProjectResponse>)))]
pub async fn list_projects(
    service: web::Data<ProjectService>,
    who: Authenticated,
    q: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.page, q.size).map_err(ApiError::Validation)?;
    let page = service.list(&who.0, page).await?;
    Ok(HttpResponse::Ok().json(ProjectPage::from_page(page, ProjectResponse::from)))
}

/// Create a project (deleting it leaves its agents without a project).
#[utoipa::path(post, path = "/api/v1/projects", tag = "workspace", security(("bearer" = [])),
    request_body = ProjectRequest, responses((status = 201, body = ProjectResponse)))]
pub async fn create_project(
    service: web::Data<ProjectService>,
    who: Authenticated,
    body: Json<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service.create(&who.0, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(ProjectResponse::from(created)))
}

/// One of my projects (admins: anyone's); someone else's is 404.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, body = ProjectResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn get_project(
    service: web::Data<ProjectService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service
        .get(&who.0, ProjectId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(ProjectResponse::from(found)))
}

/// Replace a project (deleting it leaves its agents without a project) whole (what the body leaves out is cleared).
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = ProjectRequest, responses((status = 200, body = ProjectResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn replace_project(
    service: web::Data<ProjectService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = ProjectId::from_uuid(id.into_inner());
    let changed = service
        .replace(&who.0, id, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(ProjectResponse::from(changed)))
}

/// Change some fields of a project (deleting it leaves its agents without a project) (absent stay, `null` clears).
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = ProjectPatchRequest, responses((status = 200, body = ProjectResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn update_project(
    service: web::Data<ProjectService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<ProjectPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = ProjectId::from_uuid(id.into_inner());
    let changed = service.update(&who.0, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(ProjectResponse::from(changed)))
}

/// Delete a project (deleting it leaves its agents without a project).
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn delete_project(
    service: web::Data<ProjectService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service
        .delete(&who.0, ProjectId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My agents (an admin's: everyone's), newest first.
#[utoipa::path(get, path = "/api/v1/agents", tag = "workspace", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = crate::page::PageResponse<AgentResponse>)))]
pub async fn list_agents(
    service: web::Data<AgentService>,
    who: Authenticated,
    q: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.page, q.size).map_err(ApiError::Validation)?;
    let page = service.list(&who.0, page).await?;
    Ok(HttpResponse::Ok().json(AgentPage::from_page(page, AgentResponse::from)))
}

/// Create an agent.
#[utoipa::path(post, path = "/api/v1/agents", tag = "workspace", security(("bearer" = [])),
    request_body = AgentRequest, responses((status = 201, body = AgentResponse)))]
pub async fn create_agent(
    service: web::Data<AgentService>,
    who: Authenticated,
    body: Json<AgentRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service.create(&who.0, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(AgentResponse::from(created)))
}

/// One of my agents (admins: anyone's); someone else's is 404.
#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agent id")),
    responses((status = 200, body = AgentResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn get_agent(
    service: web::Data<AgentService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service
        .get(&who.0, AgentId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(found)))
}

/// Replace an agent whole (what the body leaves out is cleared).
#[utoipa::path(put, path = "/api/v1/agents/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agent id")),
    request_body = AgentRequest, responses((status = 200, body = AgentResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn replace_agent(
    service: web::Data<AgentService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<AgentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = AgentId::from_uuid(id.into_inner());
    let changed = service
        .replace(&who.0, id, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(changed)))
}

/// Change some fields of an agent (absent stay, `null` clears).
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agent id")),
    request_body = AgentPatchRequest, responses((status = 200, body = AgentResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn update_agent(
    service: web::Data<AgentService>,
    who: Authenticated,
    id: web::Path<Uuid>,
    body: Json<AgentPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = AgentId::from_uuid(id.into_inner());
    let changed = service.update(&who.0, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(changed)))
}

/// Delete an agent.
#[utoipa::path(delete, path = "/api/v1/agents/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agent id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn delete_agent(
    service: web::Data<AgentService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service
        .delete(&who.0, AgentId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a message; the assistant's whole reply comes back (201). A provider
/// failure is a 502 or 504 problem and the exchange is kept as `failed`.
#[utoipa::path(post, path = "/api/v1/chat", tag = "workspace", security(("bearer" = [])),
    request_body = ChatRequest,
    responses(
        (status = 201, body = ChatResponse),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's"),
        (status = 409, body = crate::problem::Problem, content_type = "application/problem+json", description = "The agent is inactive"),
        (status = 429, body = crate::problem::Problem, content_type = "application/problem+json", description = "Too many replies in progress for this user"),
        (status = 502, body = crate::problem::Problem, content_type = "application/problem+json", description = "The assistant failed"),
        (status = 504, body = crate::problem::Problem, content_type = "application/problem+json", description = "The assistant did not answer in time"),
    ))]
pub async fn send_chat(
    hub: web::Data<Hub>,
    who: Authenticated,
    body: Json<ChatRequest>,
) -> Result<HttpResponse, ApiError> {
    // Through the hub, so the user's open sockets see it stream too; in its
    // own task, so a client that hangs up mid-reply does not leave the
    // exchange `pending`: it completes (or fails) and is stored either way.
    let hub = hub.into_inner();
    let principal = who.0;
    let input = body.into_inner().into();
    let chat = actix_web::rt::spawn(async move { hub.chat(&principal, input).await })
        .await
        .map_err(|e| ApiError::Internal(format!("the chat task ended: {e}").into()))??;
    Ok(HttpResponse::Created().json(ChatResponse::from(chat)))
}

/// My chat history (an admin's: everyone's), newest first; `agent_id`
/// narrows it to one agent.
#[utoipa::path(get, path = "/api/v1/chat", tag = "workspace", security(("bearer" = [])),
    params(ChatListQuery), responses((status = 200, body = crate::page::PageResponse<ChatResponse>)))]
pub async fn list_chats(
    service: web::Data<ChatService>,
    who: Authenticated,
    q: Query<ChatListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.page, q.size).map_err(ApiError::Validation)?;
    let agent = q.agent_id.map(AgentId::from_uuid);
    let page = service.list(&who.0, agent, page).await?;
    Ok(HttpResponse::Ok().json(ChatPage::from_page(page, ChatResponse::from)))
}

/// One of my chat exchanges (admins: anyone's); someone else's is 404.
#[utoipa::path(get, path = "/api/v1/chat/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Chat id")),
    responses((status = 200, body = ChatResponse), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json", description = "No such record of the caller's")))]
pub async fn get_chat(
    service: web::Data<ChatService>,
    who: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let chat = service
        .get(&who.0, ChatId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(ChatResponse::from(chat)))
}
