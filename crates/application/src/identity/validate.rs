//! Field rules shared by the identity use cases.

use keel_domain::FieldError;

/// A display name: trimmed, 1..=100 characters.
pub(crate) fn name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let len = name.chars().count();
    if len == 0 || len > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// Collects the outcome of one optional field into `errors`.
pub(crate) fn optional<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, FieldError>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match raw.map(parse) {
        Some(Ok(value)) => Some(value),
        Some(Err(e)) => {
            errors.push(e);
            None
        }
        None => None,
    }
}
