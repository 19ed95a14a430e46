//! [`Mailer`] writing mails to the log: for development only. The text
//! part (with its links) is logged at `debug`, so set `RUST_LOG` to read it.

use async_trait::async_trait;
use keel_domain::mail::{Mail, MailError, Mailer};

/// Logs each mail instead of sending it.
#[derive(Debug, Clone, Default)]
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        tracing::info!(to = %mail.to, subject = %mail.subject, "mail (log transport)");
        tracing::debug!(to = %mail.to, body = %mail.text, "mail body (log transport)");
        Ok(())
    }
}
