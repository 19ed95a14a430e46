//! What a mail is before and after rendering.

use serde::{Deserialize, Serialize};

use crate::identity::{TokenPurpose, UserId};

/// A rendered message, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// Extra headers (name, value), e.g. `X-Keel-Template`.
    pub headers: Vec<(String, String)>,
}

/// Who a letter goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// A literal address.
    Address(String),
    /// A user's current address, looked up when the letter is sent, so the
    /// queue holds no address and a deactivated user gets nothing.
    User(UserId),
}

/// A mail to render from a template: the unit the outbox queues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    /// The recipient.
    pub to: Recipient,
    /// The template's name, e.g. `order_confirmation`.
    pub template: String,
    /// The template's variables (no secrets: the queue stores them).
    pub vars: serde_json::Value,
}

impl Letter {
    /// A letter of `template` to `to` with `vars`.
    pub fn new(to: Recipient, template: impl Into<String>, vars: serde_json::Value) -> Self {
        Self {
            to,
            template: template.into(),
            vars,
        }
    }
}

/// Whose account a token mail is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// A known user (the request was signed in).
    User(UserId),
    /// Whoever has this normalised address, if anyone may get the mail. The
    /// anonymous requests queue the same job whether or not the account
    /// exists, and the job decides, so the request takes the same time.
    Address(String),
}

/// A request to mail a user a fresh single-use token. The token is made when
/// the job runs, so the queue never stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMail {
    /// What the token proves (and which template carries it).
    pub purpose: TokenPurpose,
    /// Whose token it is.
    pub account: Account,
    /// For an email change: the address to confirm, which receives the mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_email: Option<String>,
}
