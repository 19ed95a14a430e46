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
    paths(meta::health, meta::ready, crate::metrics::scrape),
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
    TextPatterns.modify(&mut doc);
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

/// What the strings of a JSON body may hold: no control character but tab,
/// newline and carriage return (the [`crate::extract::Json`] rule).
pub const BODY_TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// What a query value or a single-line field may hold: no control character
/// at all (the [`crate::extract::Query`] rule).
pub const LINE_TEXT: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// A hyphenated UUID.
const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// States the extractors' control-character rule in the schema, by rule:
/// every string of a request body (and of the components it refers to) and
/// every parameter that has no pattern, format or enum of its own gets
/// [`BODY_TEXT`] or [`LINE_TEXT`]. Response schemas are left alone.
struct TextPatterns;

impl TextPatterns {
    /// Adds `pattern` to every unconstrained string schema in `schema`.
    fn constrain(schema: &mut serde_json::Value, pattern: &str) {
        use serde_json::Value;
        let Value::Object(map) = schema else { return };
        let is_string = match map.get("type") {
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
            _ => false,
        };
        let constrained = ["pattern", "format", "enum", "const", "contentMediaType"]
            .iter()
            .any(|k| map.contains_key(*k));
        let is_uuid = map.get("format").is_some_and(|f| f == "uuid");
        if is_string && is_uuid && !map.contains_key("pattern") {
            // Not every generator honours `format: uuid`; a pattern it must.
            map.insert("pattern".into(), Value::String(UUID.to_owned()));
        } else if is_string && !constrained {
            map.insert("pattern".into(), Value::String(pattern.to_owned()));
        }
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            for child in props.values_mut() {
                Self::constrain(child, pattern);
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = map.get_mut(key) {
                Self::constrain(child, pattern);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(Value::Array(children)) = map.get_mut(key) {
                for child in children {
                    Self::constrain(child, pattern);
                }
            }
        }
    }

    /// The component names `schema` refers to.
    fn refs(schema: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value;
        match schema {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref")
                    && let Some(name) = r.strip_prefix("#/components/schemas/")
                {
                    out.push(name.to_owned());
                }
                map.values().for_each(|v| Self::refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| Self::refs(v, out)),
            _ => {}
        }
    }
}

impl Modify for TextPatterns {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use serde_json::Value;
        let Ok(mut json) = serde_json::to_value(&*openapi) else {
            return;
        };
        let mut request_refs = Vec::new();
        if let Some(Value::Object(paths)) = json.get_mut("paths") {
            for item in paths.values_mut() {
                let Value::Object(item) = item else { continue };
                for op in item.values_mut() {
                    if let Some(body) = op.get_mut("requestBody") {
                        Self::refs(body, &mut request_refs);
                        if let Some(Value::Object(content)) = body.get_mut("content") {
                            for media in content.values_mut() {
                                if let Some(schema) = media.get_mut("schema") {
                                    Self::constrain(schema, BODY_TEXT);
                                }
                            }
                        }
                    }
                    if let Some(Value::Array(params)) = op.get_mut("parameters") {
                        for param in params {
                            if let Some(schema) = param.get_mut("schema") {
                                Self::constrain(schema, LINE_TEXT);
                            }
                        }
                    }
                }
            }
        }
        if let Some(Value::Object(schemas)) = json.pointer_mut("/components/schemas") {
            let mut seen = std::collections::BTreeSet::new();
            while let Some(name) = request_refs.pop() {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if let Some(schema) = schemas.get_mut(&name) {
                    Self::refs(schema, &mut request_refs);
                    Self::constrain(schema, BODY_TEXT);
                }
            }
        }
        if let Ok(constrained) = serde_json::from_value(json) {
            *openapi = constrained;
        }
    }
}
