//! Delivering a letter: resolve the recipient, render, send.

use std::sync::Arc;

use async_trait::async_trait;
use keel_domain::identity::{User, UserRepo};
use keel_domain::jobs::{Job, JobError, JobHandler};
use keel_domain::mail::{Letter, MailError, MailRenderer, Mailer, Recipient};

/// Renders letters and hands them to the transport.
pub struct Postman {
    renderer: Arc<dyn MailRenderer>,
    mailer: Arc<dyn Mailer>,
    users: Arc<dyn UserRepo>,
}

impl Postman {
    /// A postman over its ports; `users` resolves [`Recipient::User`].
    pub fn new(
        renderer: Arc<dyn MailRenderer>,
        mailer: Arc<dyn Mailer>,
        users: Arc<dyn UserRepo>,
    ) -> Self {
        Self {
            renderer,
            mailer,
            users,
        }
    }

    /// Renders and sends `letter`. A letter to a user who is gone or
    /// deactivated is dropped (`Ok(false)`): nobody is left to read it.
    ///
    /// # Errors
    /// The renderer's or the transport's [`MailError`]; a storage failure
    /// while looking the user up is transient.
    pub async fn deliver(&self, letter: &Letter) -> Result<bool, MailError> {
        let to = match &letter.to {
            Recipient::Address(address) => address.clone(),
            Recipient::User(id) => {
                let user = self
                    .users
                    .find_by_id(*id)
                    .await
                    .map_err(|e| MailError::Transient(e.to_string()))?;
                match user.filter(User::can_sign_in) {
                    Some(user) => user.email.as_str().to_owned(),
                    None => return Ok(false),
                }
            }
        };
        let mail = self.renderer.render(&letter.template, &to, &letter.vars)?;
        self.mailer.send(&mail).await?;
        Ok(true)
    }
}

/// Maps a mail failure onto the job queue's retry rules: 4xx and outages
/// retry with backoff, 5xx and bad templates are dead at once, with the reason.
pub(super) fn job_error(err: MailError) -> JobError {
    match err {
        MailError::Transient(reason) => JobError::Transient(reason),
        MailError::Permanent(reason) => JobError::Permanent(reason),
    }
}

/// The `mail.send` job: its payload is a [`Letter`] as JSON.
pub struct SendMailJob {
    postman: Arc<Postman>,
}

impl SendMailJob {
    /// The job over `postman`.
    pub fn new(postman: Arc<Postman>) -> Self {
        Self { postman }
    }
}

#[async_trait]
impl JobHandler for SendMailJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let letter: Letter = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Permanent(format!("not a letter: {e}")))?;
        self.postman.deliver(&letter).await.map_err(job_error)?;
        Ok(())
    }
}
