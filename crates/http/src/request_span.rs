//! The root span of every request: tracing-actix-web's fields, with token
//! query parameters (`/ws?token=...`) redacted from `http.target` so an
//! access token never reaches the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Query parameters whose values are never logged.
const SECRET_PARAMS: [&str; 2] = ["token", "access_token"];

/// `path?query` with the values of [`SECRET_PARAMS`] replaced.
pub fn redacted_target(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                format!("{name}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// [`RootSpanBuilder`] that redacts secret query parameters.
pub struct KeelRootSpan;

impl RootSpanBuilder for KeelRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_default();
        let peer = request.peer_addr().map(|a| a.ip());
        let client_ip = request
            .app_data::<crate::TrustedProxies>()
            .map_or(peer, |trusted| trusted.client(peer, request.headers()))
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %redacted_target(request.path(), request.query_string()),
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_target;

    #[test]
    fn token_values_are_redacted_and_other_parameters_kept() {
        assert_eq!(redacted_target("/ws", ""), "/ws");
        assert_eq!(
            redacted_target("/ws", "token=eyJ.secret&x=1"),
            "/ws?token=[redacted]&x=1"
        );
        assert_eq!(
            redacted_target("/a", "q=ada&ACCESS_TOKEN=abc"),
            "/a?q=ada&ACCESS_TOKEN=[redacted]"
        );
    }
}
