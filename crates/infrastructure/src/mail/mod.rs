//! Mail adapters: templates (minijinja), and three transports behind the
//! `Mailer` port: SMTP (lettre), `.eml` files, the log.

mod file;
mod log;
mod message;
mod smtp;
mod templates;

pub use file::FileMailer;
pub use log::LogMailer;
pub use message::parse_from;
pub use smtp::{SmtpConfig, SmtpMailer, SmtpTls};
pub use templates::TemplateRenderer;
