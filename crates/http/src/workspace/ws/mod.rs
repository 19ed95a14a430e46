//! `GET /ws`: a WebSocket that streams chat replies to every open socket of
//! the user, on every instance.

mod hub;
mod socket;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use keel_domain::identity::IdentityProvider;
use serde::Deserialize;
use utoipa::IntoParams;

pub use hub::{Hub, WsLimits};

use crate::problem::ApiError;

/// `GET /ws` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// The access token, for clients that cannot set `Authorization` on a
    /// WebSocket (browsers). Never logged.
    pub token: Option<String>,
}

/// The bearer token of the request: the `Authorization` header, else `?token=`.
fn token(req: &HttpRequest) -> Option<String> {
    if req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        return crate::auth::bearer(req);
    }
    web::Query::<WsQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().token)
        .filter(|t| !t.is_empty())
}

/// Opens a chat socket. Client frames: `{"type":"chat","message":...,
/// "agent_id":...}`. Server frames: `chat.delta` `{chat_id, text}` while a
/// reply streams, `chat.response` (the stored exchange) at the end, pushed
/// to every socket of the user; `error` `{detail}` for a bad frame (the
/// socket stays open). Pings every 15 s; closes an idle socket (45 s), a
/// slow reader, a socket whose session ends (logout, password change,
/// deactivation) and, with 1001, every socket at shutdown.
#[utoipa::path(get, path = "/ws", tag = "workspace", params(WsQuery),
    security(("bearer" = []), ()),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, body = crate::problem::Problem, content_type = "application/problem+json", description = "Not a WebSocket handshake"),
        (status = 401, body = crate::problem::Problem, content_type = "application/problem+json", description = "No valid token"),
        (status = 429, body = crate::problem::Problem, content_type = "application/problem+json", description = "Too many open sockets for this user"),
    ))]
pub async fn open(
    req: HttpRequest,
    body: web::Payload,
    identity: web::Data<Arc<dyn IdentityProvider>>,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, actix_web::Error> {
    let token = token(&req).ok_or_else(ApiError::invalid_token)?;
    let principal = identity
        .authenticate(&token)
        .await
        .map_err(ApiError::from)?;
    let user = principal.user.id;
    // Registered before the handshake answers: a shutdown or a frame for
    // the user right after it reaches this socket too.
    let registration =
        hub.register(user, principal.session_id)
            .ok_or(ApiError::TooManyRequests {
                retry_after_secs: 5,
            })?;
    let (response, session, stream) = match actix_ws::handle(&req, body) {
        Ok(parts) => parts,
        Err(e) => {
            hub.unregister(user, registration.id);
            return Err(ApiError::BadRequest(format!("not a WebSocket handshake: {e}")).into());
        }
    };
    let identity = Arc::clone(identity.get_ref());
    let hub = hub.into_inner();
    actix_web::rt::spawn(socket::run(socket::Socket {
        hub,
        identity,
        principal,
        token,
        session,
        stream,
        registration,
    }));
    Ok(response)
}
