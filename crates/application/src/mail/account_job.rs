//! The `mail.account` job: issue a single-use token and mail its link.

use std::sync::Arc;

use async_trait::async_trait;
use keel_domain::clock::Clock;
use keel_domain::identity::{
    Email, TokenPurpose, TokenService, User, UserRepo, Verification, VerificationRepo,
};
use keel_domain::jobs::{Job, JobError, JobHandler};
use keel_domain::mail::{Account, AccountMail, Letter, Recipient};
use serde_json::json;

use super::postman::{Postman, job_error};

/// Where the links in token mails point: `base` + the purpose's path +
/// `?token=`.
#[derive(Debug, Clone)]
pub struct MailLinks {
    base: String,
}

impl MailLinks {
    /// Links under `base` (e.g. `https://app.example.com`), without a
    /// trailing slash.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The link that spends `token` of `purpose`.
    pub fn link(&self, purpose: TokenPurpose, token: &str) -> String {
        let path = match purpose {
            TokenPurpose::VerifyEmail => "/verify-email",
            TokenPurpose::PasswordReset => "/reset-password",
            TokenPurpose::MagicLink => "/magic-link",
            TokenPurpose::EmailChange => "/confirm-email",
        };
        format!("{}{path}?token={token}", self.base)
    }
}

/// Issues the token when the job runs (so the queue never holds it: a retry
/// issues a fresh one, which supersedes the unsent one) and mails it.
pub struct AccountMailJob {
    users: Arc<dyn UserRepo>,
    verifications: Arc<dyn VerificationRepo>,
    tokens: Arc<dyn TokenService>,
    postman: Arc<Postman>,
    clock: Arc<dyn Clock>,
    links: MailLinks,
}

impl AccountMailJob {
    /// The job over its ports.
    pub fn new(
        users: Arc<dyn UserRepo>,
        verifications: Arc<dyn VerificationRepo>,
        tokens: Arc<dyn TokenService>,
        postman: Arc<Postman>,
        clock: Arc<dyn Clock>,
        links: MailLinks,
    ) -> Self {
        Self {
            users,
            verifications,
            tokens,
            postman,
            clock,
            links,
        }
    }

    /// Whether `request` still makes sense for `user` (it may have changed
    /// since the request was queued).
    fn still_wanted(user: &User, request: &AccountMail) -> bool {
        user.can_sign_in()
            && user.clerk_id.is_none()
            && match request.purpose {
                TokenPurpose::VerifyEmail => !user.email_verified,
                TokenPurpose::EmailChange => request.new_email.is_some(),
                TokenPurpose::PasswordReset | TokenPurpose::MagicLink => true,
            }
    }
}

#[async_trait]
impl JobHandler for AccountMailJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let request: AccountMail = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Permanent(format!("not an account mail: {e}")))?;
        let user = match &request.account {
            Account::User(id) => self.users.find_by_id(*id).await,
            Account::Address(address) => match Email::parse(address) {
                Ok(email) => self.users.find_by_email(&email).await,
                Err(_) => Ok(None),
            },
        }
        .map_err(|e| JobError::Transient(e.to_string()))?;
        let Some(user) = user.filter(|u| Self::still_wanted(u, &request)) else {
            return Ok(());
        };
        let now = self.clock.now();
        let token = self.tokens.new_refresh_token();
        let to = request
            .new_email
            .clone()
            .unwrap_or_else(|| user.email.as_str().to_owned());
        let mut verification = Verification::issue(request.purpose, user.id, token.hash, now);
        verification.email = Some(to.clone());
        self.verifications
            .issue(&verification)
            .await
            .map_err(|e| JobError::Transient(e.to_string()))?;
        let letter = Letter::new(
            Recipient::Address(to.clone()),
            request.purpose.as_str(),
            json!({
                "name": user.name.as_deref().unwrap_or(""),
                "email": to,
                "link": self.links.link(request.purpose, &token.plain),
                "token": token.plain,
                "expires_minutes": request.purpose.lifetime().num_minutes(),
            }),
        );
        self.postman.deliver(&letter).await.map_err(job_error)?;
        Ok(())
    }
}
