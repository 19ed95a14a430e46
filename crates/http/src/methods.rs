//! Which methods each path allows, read off the OpenAPI document, so that a
//! method a path does not declare (`TRACE` included) answers 405 with
//! `Allow` on every route, and the answer can never drift from the document.

use std::sync::Arc;

use actix_web::http::Method;
use utoipa::openapi::OpenApi;

/// Paths served outside the document (the docs page and the document itself).
const UNDOCUMENTED_GET: [&str; 3] = ["/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/{_}"];

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug)]
struct Template {
    segments: Vec<Segment>,
    allow: String,
}

impl Template {
    fn new(path: &str, methods: &[&str]) -> Self {
        let segments = path
            .trim_matches('/')
            .split('/')
            .map(|s| {
                if s.starts_with('{') && s.ends_with('}') {
                    Segment::Param
                } else {
                    Segment::Literal(s.to_owned())
                }
            })
            .collect();
        Self {
            segments,
            allow: methods.join(", "),
        }
    }

    /// The number of literal segments when `path` matches, else `None`.
    fn score(&self, parts: &[&str]) -> Option<usize> {
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut literals = 0;
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(l) if l == part => literals += 1,
                Segment::Literal(_) => return None,
                Segment::Param if part.is_empty() => return None,
                Segment::Param => {}
            }
        }
        Some(literals)
    }
}

/// The `Allow` value of every documented path template.
#[derive(Debug, Clone)]
pub struct AllowedMethods(Arc<Vec<Template>>);

impl AllowedMethods {
    /// Reads every path and its operations off `doc`.
    pub fn from_document(doc: &OpenApi) -> Self {
        let mut templates: Vec<Template> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("TRACE", item.trace.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                Template::new(path, &methods)
            })
            .collect();
        templates.extend(UNDOCUMENTED_GET.iter().map(|p| Template::new(p, &["GET"])));
        Self(Arc::new(templates))
    }

    /// The `Allow` value for `path`, when some template matches it (the one
    /// with the most literal segments, as the router prefers).
    pub fn allow(&self, path: &str) -> Option<&str> {
        let trimmed = path.trim_end_matches('/');
        let parts: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
        self.0
            .iter()
            .filter_map(|t| t.score(&parts).map(|score| (score, t)))
            .max_by_key(|(score, _)| *score)
            .map(|(_, t)| t.allow.as_str())
    }

    /// Whether `method` is among those `path` allows.
    pub fn allows(&self, path: &str, method: &Method) -> bool {
        self.allow(path)
            .is_some_and(|allow| allow.split(", ").any(|m| m == method.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    use utoipa::openapi::{InfoBuilder, OpenApiBuilder};

    use super::*;

    fn doc() -> OpenApi {
        let op = || OperationBuilder::new().build();
        let mut me = PathItem::new(HttpMethod::Get, op());
        me.patch = Some(op());
        OpenApiBuilder::new()
            .info(InfoBuilder::new().title("t").version("1").build())
            .paths(
                PathsBuilder::new()
                    .path("/api/v1/users/me", me)
                    .path(
                        "/api/v1/users/{id}",
                        PathItem::new(HttpMethod::Delete, op()),
                    )
                    .path("/health", PathItem::new(HttpMethod::Get, op())),
            )
            .build()
    }

    #[test]
    fn the_most_literal_template_gives_the_allowed_methods() {
        let m = AllowedMethods::from_document(&doc());
        assert_eq!(m.allow("/api/v1/users/me"), Some("GET, PATCH"));
        assert_eq!(m.allow("/api/v1/users/42"), Some("DELETE"));
        assert_eq!(m.allow("/health/"), Some("GET"));
        assert_eq!(m.allow("/api/v1/docs/index.html"), Some("GET"));
        assert_eq!(m.allow("/api/v1/nothing/here"), None);
        assert!(m.allows("/api/v1/users/me", &Method::PATCH));
        assert!(!m.allows("/api/v1/users/me", &Method::TRACE));
    }
}
