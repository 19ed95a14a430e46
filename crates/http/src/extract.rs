//! Extractors every handler uses for bodies and query strings. They keep
//! actix's limits and problem+json rejections and add the checks no single
//! field can forget: a JSON body must be UTF-8 (any other declared charset
//! is 415), and no text may carry a NUL or another control character
//! (tab, newline and carriage return are allowed in bodies): 422 naming the
//! field, before any handler or query runs. PostgreSQL cannot store NUL in
//! text, so without this a NUL would reach the database as an error.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use keel_domain::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::serde_error;
use crate::problem::ApiError;

const CONTROL_MESSAGE: &str = "must not contain control characters";

/// A JSON body of type `T`, checked as the module says.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whether the declared charset, if any, is UTF-8.
fn charset_is_utf8(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    value.split(';').skip(1).all(|param| {
        let Some((name, val)) = param.split_once('=') else {
            return true;
        };
        !name.trim().eq_ignore_ascii_case("charset")
            || val.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            || val.trim().trim_matches('"').eq_ignore_ascii_case("utf8")
    })
}

fn forbidden_in_body(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The path (`a.b[2]`, `body` at the root) of the first string, or object
/// key, holding a character `bad` rejects.
fn find_control(value: &Value, path: &str, bad: fn(char) -> bool) -> Option<String> {
    let here = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(s) if s.chars().any(bad) => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_control(v, &format!("{path}[{i}]"), bad)),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.chars().any(bad) {
                Some(here())
            } else {
                find_control(v, &child, bad)
            }
        }),
        _ => None,
    }
}

/// `1.0` is the integer 1 in JSON (and in JSON Schema's `integer`), but
/// serde refuses it for an integer field: write every whole number that an
/// `i64` holds as an integer before the body is read into its type.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !charset_is_utf8(req) {
            return Box::pin(async {
                Err(ApiError::UnsupportedMediaType(
                    "JSON bodies must be UTF-8 (charset=utf-8 or none)".into(),
                )
                .into())
            });
        }
        let body = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = body.await?.into_inner();
            if !value.is_object() {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "body",
                    "must be a JSON object",
                )])
                .into());
            }
            whole_numbers_as_integers(&mut value);
            if let Some(field) = find_control(&value, "", forbidden_in_body) {
                return Err(
                    ApiError::Validation(vec![FieldError::new(field, CONTROL_MESSAGE)]).into(),
                );
            }
            serde_json::from_value::<T>(value)
                .map(Json)
                .map_err(|e| serde_error(&e).into())
        })
    }
}

/// A query string of type `T`; any control character in a name or value
/// is a 422 naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The first query parameter whose name or value holds a control character.
fn control_in_query(query: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| k.chars().chain(v.chars()).any(char::is_control))
        .map(|(k, _)| {
            if k.chars().any(char::is_control) {
                "query".to_owned()
            } else {
                k
            }
        })
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Some(field) = control_in_query(req.query_string()) {
            return Box::pin(async move {
                Err(ApiError::Validation(vec![FieldError::new(field, CONTROL_MESSAGE)]).into())
            });
        }
        let query = web::Query::<T>::from_request(req, payload).into_inner();
        Box::pin(async move { query.map(|q| Query(q.into_inner())) })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_first_control_character_is_named_by_its_path() {
        let v = json!({"name": "ok", "tags": ["fine", "bad\u{0}"], "nested": {"x": "a\u{7}"}});
        let found = find_control(&v, "", forbidden_in_body);
        assert!(
            matches!(found.as_deref(), Some("tags[1]" | "nested.x")),
            "{found:?}"
        );
        assert_eq!(
            find_control(&json!({"bio": "line\nline\ttab\r"}), "", forbidden_in_body),
            None
        );
        assert_eq!(
            find_control(&json!("\u{0}"), "", forbidden_in_body).as_deref(),
            Some("body")
        );
    }

    #[test]
    fn control_characters_in_query_values_name_the_parameter() {
        assert_eq!(control_in_query("q=%00&page=1").as_deref(), Some("q"));
        assert_eq!(control_in_query("q=a%0Ab").as_deref(), Some("q"));
        assert_eq!(control_in_query("q=caf%C3%A9&size=5"), None);
        assert_eq!(control_in_query("%01=x").as_deref(), Some("query"));
    }

    #[test]
    fn whole_floats_become_integers_and_fractions_stay() {
        let mut v = json!({"quantity": 2.0, "nested": [3.0, 1.5], "big": 1e300, "n": 7});
        whole_numbers_as_integers(&mut v);
        assert_eq!(v["quantity"], json!(2));
        assert!(v["quantity"].is_i64());
        assert_eq!(v["nested"], json!([3, 1.5]));
        assert!(v["big"].is_f64());
        assert_eq!(v["n"], json!(7));
    }
}
