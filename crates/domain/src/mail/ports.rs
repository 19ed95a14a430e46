//! Mail ports.

use async_trait::async_trait;

use super::error::MailError;
use super::model::{AccountMail, Letter, Mail};
use crate::error::RepoError;

/// Sends a rendered mail (SMTP, `.eml` files, the log).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands `mail` to the transport.
    ///
    /// # Errors
    /// [`MailError::Transient`] to retry later, [`MailError::Permanent`] when
    /// the transport refused the message for good.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// Renders a template with its variables into subject, text and HTML.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait MailRenderer: Send + Sync {
    /// The mail of `template` with `vars`, addressed to `to`.
    ///
    /// # Errors
    /// [`MailError::Permanent`] for an unknown template or a rendering error.
    fn render(&self, template: &str, to: &str, vars: &serde_json::Value)
    -> Result<Mail, MailError>;
}

/// Queues mail durably: once a call returns, the mail is sent eventually
/// (retried while the transport is away).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues `letter`.
    ///
    /// # Errors
    /// [`RepoError`] when the queue cannot store it.
    async fn post(&self, letter: Letter) -> Result<(), RepoError>;

    /// Queues a token mail.
    ///
    /// # Errors
    /// [`RepoError`] when the queue cannot store it.
    async fn account(&self, mail: AccountMail) -> Result<(), RepoError>;
}
