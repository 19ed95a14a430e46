//! `APP__MAIL__*`: how mail leaves and where its links point.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__MAIL__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// `file` (one `.eml` per mail under `dir`), `smtp` or `log`.
    pub transport: String,
    /// Where the file transport writes.
    pub dir: String,
    /// The sender, e.g. `Keel <no-reply@example.com>`.
    pub from: String,
    /// Links in mails: this + a path + `?token=`.
    pub link_base: String,
    /// SMTP relay host.
    pub smtp_host: String,
    /// SMTP relay port.
    pub smtp_port: u16,
    /// SMTP user for AUTH (none: no AUTH).
    pub smtp_username: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<SecretString>,
    /// `starttls` (required upgrade), `tls` (implicit, port 465) or `none`.
    pub smtp_tls: String,
    /// Timeout of each SMTP command, in seconds.
    pub smtp_timeout_secs: u64,
    /// Mail requests (reset, magic link, verification, email change) per
    /// address and window.
    pub requests_per_email: u64,
    /// Mail requests per client IP and window.
    pub requests_per_ip: u64,
    /// The window of both request limits, in seconds.
    pub request_window_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: "file".into(),
            dir: "./data/mail".into(),
            from: "Keel <no-reply@localhost>".into(),
            link_base: "http://127.0.0.1:8080".into(),
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_username: None,
            smtp_password: None,
            smtp_tls: "starttls".into(),
            smtp_timeout_secs: 10,
            requests_per_email: 5,
            requests_per_ip: 20,
            request_window_secs: 3600,
        }
    }
}
