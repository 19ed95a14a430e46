//! [`Mailer`] over SMTP with lettre: STARTTLS (required, the default),
//! implicit TLS or none, optional AUTH (PLAIN/LOGIN), and a connection pool
//! so consecutive mails reuse one session.

use std::time::Duration;

use async_trait::async_trait;
use keel_domain::mail::{Mail, MailError, Mailer};
use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::message::{build, parse_from};

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS; a relay that does not offer
    /// it is an error (never a silent downgrade).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: for a relay on loopback or a private network only.
    None,
}

impl SmtpTls {
    /// `starttls`, `tls` or `none`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Where and how to send.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Relay host name (also the name its certificate must carry).
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Connection protection.
    pub tls: SmtpTls,
    /// User name and password for AUTH, when the relay wants them.
    pub credentials: Option<(String, String)>,
    /// The sender, e.g. `Keel <no-reply@example.com>`.
    pub from: String,
    /// Timeout of each SMTP command.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Sends through an SMTP relay.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`; nothing connects until the first mail.
    ///
    /// # Errors
    /// A malformed sender or TLS parameters lettre refuses.
    pub fn new(config: &SmtpConfig) -> Result<Self, String> {
        let from = parse_from(&config.from)?;
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            mode => {
                let params = TlsParameters::new(config.host.clone())
                    .map_err(|e| format!("TLS parameters for {}: {e}", config.host))?;
                match mode {
                    SmtpTls::StartTls => Tls::Required(params),
                    _ => Tls::Wrapper(params),
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(4));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

/// A 5xx answer is final; anything else (4xx, a refused connection, a
/// timeout, a TLS failure) may pass later.
fn classify(e: &lettre::transport::smtp::Error) -> MailError {
    if e.is_permanent() {
        MailError::Permanent(format!("SMTP relay rejected the mail: {e}"))
    } else {
        MailError::Transient(format!("SMTP: {e}"))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = build(&self.from, mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}
