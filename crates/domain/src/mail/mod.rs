//! Mail: messages, the templates they are rendered from, the transport that
//! sends them and the outbox that queues them durably.

pub mod error;
pub mod model;
pub mod ports;

pub use error::MailError;
pub use model::{Account, AccountMail, Letter, Mail, Recipient};
pub use ports::{MailRenderer, Mailer, Outbox};

/// The job kind that renders and sends a [`Letter`].
pub const SEND_MAIL_JOB: &str = "mail.send";
/// The job kind that issues a token and mails it ([`AccountMail`]).
pub const ACCOUNT_MAIL_JOB: &str = "mail.account";

#[cfg(test)]
mod model_tests;
