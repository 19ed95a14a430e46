//! The OpenAPI 3.1 document: a base (info, health, the bearer scheme, the
//! shared problem responses) merged with each context's own part, then
//! completed by rule so that every status a route can answer is documented
//! without a copied annotation per handler.

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::context::HttpContext;
use crate::meta;
use crate::problem::{PROBLEM_JSON, Problem, ProblemField};

/// The base of Keel's API description; [`document`] adds the contexts.
#[derive(OpenApi)]
#[openapi(
    info(title = "Keel API", description = "Identity, profiles, shop and workspace in one backend. Errors are RFC 9457 problem documents (`application/problem+json`). Methods a path does not declare answer 405 with `Allow`."),
    paths(meta::health, meta::ready),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerScheme),
    tags((name = "meta", description = "Health")),
)]
pub struct ApiDoc;

/// The whole document: the base merged with every context's part, with the
/// shared problem responses added by rule.
pub fn document(contexts: &[HttpContext]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for ctx in contexts {
        doc.merge(ctx.openapi().clone());
    }
    SharedResponses.modify(&mut doc);
    doc
}

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

/// The problem responses shared by every route, as `components.responses`
/// (name, status, description).
const SHARED: [(&str, &str, &str); 8] = [
    (
        "BadRequest",
        "400",
        "The request could not be read (malformed JSON or form)",
    ),
    ("Unauthorized", "401", "Missing or invalid bearer token"),
    ("Forbidden", "403", "The caller may not do this"),
    ("NotFound", "404", "No such resource"),
    (
        "PayloadTooLarge",
        "413",
        "The body is larger than this route accepts",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "The body's Content-Type is not accepted",
    ),
    (
        "UnprocessableEntity",
        "422",
        "Invalid fields, named in `errors`",
    ),
    (
        "ServiceUnavailable",
        "503",
        "A backing service is unavailable; see `Retry-After`",
    ),
];

/// Adds the shared responses to each operation by what it takes: a body
/// (400, 413, 415, 422), parameters (422 for query, 404 for path), a bearer
/// token (401, 403); every `/api/v1` route may answer 503. A status the
/// handler documents itself is left as it is.
struct SharedResponses;

impl SharedResponses {
    fn response(description: &str) -> Response {
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))),
            )
            .build()
    }

    fn complete(path: &str, op: &mut Operation) {
        let mut wanted: Vec<&str> = Vec::new();
        if op.request_body.is_some() {
            wanted.extend(["400", "413", "415", "422"]);
        }
        let params = op.parameters.as_deref().unwrap_or_default();
        if params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Query))
        {
            wanted.push("422");
        }
        if params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Path))
        {
            wanted.push("404");
        }
        if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
            wanted.extend(["401", "403"]);
        }
        if path.starts_with("/api/v1/") {
            wanted.push("503");
        }
        for status in wanted {
            let Some((name, ..)) = SHARED.iter().find(|(_, s, _)| *s == status) else {
                continue;
            };
            op.responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
        }
    }
}

/// Every operation of a path item, mutably.
pub(crate) fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, _, description) in SHARED {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(Self::response(description)));
        }
        for (path, item) in &mut openapi.paths.paths {
            for op in operations_mut(item) {
                Self::complete(path, op);
            }
        }
    }
}
