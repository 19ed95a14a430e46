//! Mail: the transport, the templates and the jobs that send what the
//! other contexts queue on the outbox.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use keel_application::mail::{AccountMailJob, MailLinks, Postman, SendMailJob};
use keel_domain::identity::{TokenService, UserRepo};
use keel_domain::mail::{ACCOUNT_MAIL_JOB, Mailer, SEND_MAIL_JOB};
use keel_infrastructure::mail::{
    FileMailer, LogMailer, SmtpConfig, SmtpMailer, SmtpTls, TemplateRenderer,
};
use keel_infrastructure::persistence::{SeaOrmUserRepo, SeaOrmVerificationRepo};
use secrecy::ExposeSecret;

use crate::settings::MailSettings;
use crate::wiring::Wiring;

/// Wires mail; needs identity's `Arc<dyn TokenService>` to mint tokens.
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let settings = &w.settings.mail;
    let users: Arc<dyn UserRepo> = Arc::new(SeaOrmUserRepo::new(w.db.clone()));
    let postman = Arc::new(Postman::new(
        Arc::new(TemplateRenderer::new("Keel")),
        mailer(settings)?,
        users.clone(),
    ));
    w.run_jobs(SEND_MAIL_JOB, Arc::new(SendMailJob::new(postman.clone())));
    w.run_jobs(
        ACCOUNT_MAIL_JOB,
        Arc::new(AccountMailJob::new(
            users,
            Arc::new(SeaOrmVerificationRepo::new(w.db.clone())),
            w.require::<Arc<dyn TokenService>>()?,
            postman,
            w.clock.clone(),
            MailLinks::new(&settings.link_base),
        )),
    );
    Ok(())
}

/// The transport `APP__MAIL__TRANSPORT` names.
fn mailer(settings: &MailSettings) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match settings.transport.as_str() {
        "smtp" => {
            let tls = SmtpTls::parse(&settings.smtp_tls)
                .context("APP__MAIL__SMTP_TLS must be starttls, tls or none")?;
            let credentials = settings.smtp_username.clone().map(|user| {
                let password = settings
                    .smtp_password
                    .as_ref()
                    .map(|p| p.expose_secret().to_owned())
                    .unwrap_or_default();
                (user, password)
            });
            Arc::new(
                SmtpMailer::new(&SmtpConfig {
                    host: settings.smtp_host.clone(),
                    port: settings.smtp_port,
                    tls,
                    credentials,
                    from: settings.from.clone(),
                    timeout: Duration::from_secs(settings.smtp_timeout_secs.max(1)),
                })
                .map_err(|e| anyhow::anyhow!("APP__MAIL__SMTP_*: {e}"))?,
            )
        }
        "log" => {
            tracing::warn!("APP__MAIL__TRANSPORT=log: mails (with their links) go to the log at debug level; for development only");
            Arc::new(LogMailer)
        }
        _ => Arc::new(
            FileMailer::new(&settings.dir, &settings.from)
                .map_err(|e| anyhow::anyhow!("APP__MAIL__FROM: {e}"))?,
        ),
    })
}
