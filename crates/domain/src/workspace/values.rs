//! Workspace values: ids, names, free text, agent and chat states, and the
//! assistant providers.

use std::fmt;

use crate::error::{FieldError, bounded_text};
use crate::ids::uuid_id;

uuid_id!(
    /// An item's id.
    ItemId
);
uuid_id!(
    /// A project's id.
    ProjectId
);
uuid_id!(
    /// An agent's id.
    AgentId
);
uuid_id!(
    /// A chat exchange's id.
    ChatId
);

/// A title or name: trimmed, 1..=200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    /// Longest accepted name, in characters.
    pub const MAX: usize = 200;

    /// Validates `raw` for `field`.
    ///
    /// # Errors
    /// A [`FieldError`] on `field` when blank, too long or multi-line.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        bounded_text(raw, field, Self::MAX).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text of at most `max` characters that may span lines (tabs and line
/// breaks are the only control characters allowed); surrounding white space
/// is trimmed. `required` refuses a blank text; otherwise blank is `None`.
///
/// # Errors
/// A [`FieldError`] on `field`.
pub fn long_text(
    raw: &str,
    field: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return if required {
            Err(FieldError::new(
                field,
                format!("must be 1 to {max} characters"),
            ))
        } else {
            Ok(None)
        };
    }
    if value.chars().count() > max
        || value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters without control characters"),
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Declares a string enum with `parse`, `as_str` and `ALL`.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Its wire and storage name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Parses a wire or storage name.
            ///
            /// # Errors
            /// A [`FieldError`] naming the accepted values.
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                match raw {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(FieldError::new(
                        $field,
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// What an agent is doing.
    AgentStatus, "status" {
        /// Answers chats.
        Active = "active",
        /// Switched off by its owner; chats addressed to it are refused.
        Inactive = "inactive",
        /// Busy with a long task (still answers chats).
        Processing = "processing",
    }
);

string_enum!(
    /// Where a chat exchange stands.
    ChatStatus, "status" {
        /// The message is stored, the reply is on its way.
        Pending = "pending",
        /// The reply is stored.
        Completed = "completed",
        /// The assistant failed; `error` says how.
        Failed = "failed",
    }
);

string_enum!(
    /// Which assistant adapter answers.
    Provider, "provider" {
        /// The offline, deterministic assistant (no model behind it).
        Local = "local",
        /// An OpenAI-compatible Chat Completions server.
        Openai = "openai",
        /// AWS Bedrock's Converse API.
        Bedrock = "bedrock",
    }
);
