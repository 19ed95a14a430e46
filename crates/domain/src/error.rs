//! Errors shared by every bounded context.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// The underlying failure behind an unavailable or internal error: kept
/// whole (not only its text) so logs can show the full source chain. It is
/// for logs only and never reaches a client.
#[derive(Clone)]
pub struct Cause(Arc<dyn StdError + Send + Sync>);

impl Cause {
    /// Wraps `err`, keeping its source chain.
    pub fn new(err: impl StdError + Send + Sync + 'static) -> Self {
        Self(Arc::new(err))
    }

    /// A cause that is only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self(Arc::new(Message(message.into())))
    }

    /// The message of this cause and of every source below it, joined by `: `.
    pub fn chain(&self) -> String {
        let mut out = self.0.to_string();
        let mut next = self.0.source();
        while let Some(err) = next {
            out.push_str(": ");
            out.push_str(&err.to_string());
            next = err.source();
        }
        out
    }
}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cause({})", self.chain())
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

/// Causes compare by their text, so tests can assert on errors.
impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.chain() == other.chain()
    }
}

impl Eq for Cause {}

impl From<&str> for Cause {
    fn from(message: &str) -> Self {
        Self::msg(message)
    }
}

impl From<String> for Cause {
    fn from(message: String) -> Self {
        Self::msg(message)
    }
}

/// A storage port failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RepoError {
    /// A uniqueness rule was violated (duplicate email, slug, key...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A transient failure (connection lost, pool timeout, serialization
    /// failure, database busy): retrying later may succeed (503).
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// Anything else (a row that does not parse, a broken invariant, a
    /// statement the database refused): retrying will not help (500).
    #[error("storage failed: {0}")]
    Internal(#[source] Cause),
}

/// The caller is authenticated but lacks the role an action needs.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
#[error("not allowed")]
pub struct Forbidden;

/// One invalid input field, as reported in a 422 problem's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The input field's name, e.g. `email`.
    pub field: String,
    /// What is wrong with it, for humans.
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// `raw` trimmed, when it has 1..=`max` characters and no control
/// character; else a [`FieldError`] on `field` saying so (shared by the
/// catalog's names and the profiles' names and contact values).
pub(crate) fn bounded_text(raw: &str, field: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    let len = value.chars().count();
    if len == 0 || len > max || value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(value.to_owned())
}
