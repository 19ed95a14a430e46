//! Account recovery by mail: email verification, password reset, magic-link
//! sign-in and email change. Requests queue a token mail on the outbox (the
//! token is made when the mail is sent); the token's holder spends it here.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use keel_domain::RepoError;
use keel_domain::clock::Clock;
use keel_domain::identity::{
    AccountRepo, Email, PasswordHasher, PlainPassword, Principal, SessionRepo, TokenPurpose,
    TokenService, User, UserRepo, Verification, VerificationRepo,
};
use keel_domain::limits::RateCounter;
use keel_domain::mail::{Account, AccountMail, Letter, Outbox, Recipient};
use serde_json::json;

use super::auth_service::{AuthService, AuthTokens, ClientInfo, IdentityPorts};
use super::error::{IdentityCase, IdentityError};

/// The longest token accepted (issued ones are 43 characters).
const MAX_TOKEN_CHARS: usize = 128;

/// How many mail requests one address and one client may make per window.
#[derive(Debug, Clone, Copy)]
pub struct MailRequestLimits {
    /// Requests per email address (or per signed-in user) and window.
    pub per_email: u64,
    /// Requests per client IP and window.
    pub per_ip: u64,
    /// The window.
    pub window: StdDuration,
}

impl Default for MailRequestLimits {
    fn default() -> Self {
        Self {
            per_email: 5,
            per_ip: 20,
            window: StdDuration::from_secs(3600),
        }
    }
}

/// The mail-based account flows.
pub struct RecoveryService {
    auth: Arc<AuthService>,
    users: Arc<dyn UserRepo>,
    accounts: Arc<dyn AccountRepo>,
    sessions: Arc<dyn SessionRepo>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenService>,
    clock: Arc<dyn Clock>,
    verifications: Arc<dyn VerificationRepo>,
    outbox: Arc<dyn Outbox>,
    counter: Arc<dyn RateCounter>,
    limits: MailRequestLimits,
}

impl RecoveryService {
    /// The service over identity's ports; `auth` opens sessions for magic
    /// links, `counter` counts requests per address and per client.
    pub fn new(
        ports: IdentityPorts,
        auth: Arc<AuthService>,
        verifications: Arc<dyn VerificationRepo>,
        outbox: Arc<dyn Outbox>,
        counter: Arc<dyn RateCounter>,
        limits: MailRequestLimits,
    ) -> Self {
        Self {
            auth,
            users: ports.users,
            accounts: ports.accounts,
            sessions: ports.sessions,
            hasher: ports.hasher,
            tokens: ports.tokens,
            clock: ports.clock,
            verifications,
            outbox,
            counter,
            limits,
        }
    }

    /// Mails the caller a new verification link (none when already verified).
    ///
    /// # Errors
    /// `ManagedExternally` (409) for Clerk users, `Throttled` (429).
    pub async fn request_verification(
        &self,
        principal: &Principal,
        client: &ClientInfo,
    ) -> Result<(), IdentityError> {
        let user = &principal.user;
        local_only(user)?;
        self.limit(user.email.as_str(), client).await?;
        if user.email_verified {
            return Ok(());
        }
        self.queue(TokenPurpose::VerifyEmail, user, None).await
    }

    /// Marks the address the token was mailed to as verified.
    ///
    /// # Errors
    /// `InvalidMailToken` (400) for an unknown, spent or expired token, or
    /// one mailed to an address the user has since left.
    pub async fn verify_email(&self, token: &str) -> Result<User, IdentityError> {
        let (verification, user) = self.spend(TokenPurpose::VerifyEmail, token).await?;
        self.mark_verified(&verification, user).await
    }

    /// Marks the address `verification` was mailed to verified, if it is
    /// still `user`'s (one conditional write, so a concurrent email change
    /// or profile edit is neither undone nor overwritten).
    async fn mark_verified(
        &self,
        verification: &Verification,
        mut user: User,
    ) -> Result<User, IdentityError> {
        let invalid = || IdentityError::Case(IdentityCase::InvalidMailToken);
        if verification.email.as_deref() != Some(user.email.as_str()) {
            return Err(invalid());
        }
        if !user.email_verified {
            let now = self.clock.now();
            if !self
                .users
                .mark_email_verified(user.id, &user.email, now)
                .await?
            {
                return Err(invalid());
            }
            user.email_verified = true;
            user.updated_at = now;
        }
        Ok(user)
    }

    /// Mails a reset link when `email` is an active local account; answers
    /// the same way when it is not.
    ///
    /// # Errors
    /// `Validation` (422) for a malformed address, `Throttled` (429).
    pub async fn forgot_password(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), IdentityError> {
        self.request_for_address(TokenPurpose::PasswordReset, email, client)
            .await
    }

    /// Sets a new password with a reset token and revokes every session.
    ///
    /// # Errors
    /// `Validation` (422) for a bad password, `InvalidMailToken` (400).
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
    ) -> Result<(), IdentityError> {
        let password = PlainPassword::parse(new_password, "new_password")
            .map_err(|e| IdentityError::Validation(vec![e]))?;
        let (verification, user) = self.spend(TokenPurpose::PasswordReset, token).await?;
        if verification.email.as_deref() != Some(user.email.as_str()) {
            // Mailed to an address the account has since left.
            return Err(IdentityError::Case(IdentityCase::InvalidMailToken));
        }
        let hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        self.accounts.set_password_hash(user.id, hash, now).await?;
        self.sessions
            .revoke_all_for_user(user.id, None, now)
            .await?;
        // No link mailed before the reset works after it (an email change
        // someone else started, another reset, a magic link).
        self.verifications.revoke_all(user.id, now).await?;
        Ok(())
    }

    /// Mails a sign-in link when `email` is an active local account; answers
    /// the same way when it is not.
    ///
    /// # Errors
    /// `Validation` (422) for a malformed address, `Throttled` (429).
    pub async fn request_magic_link(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), IdentityError> {
        self.request_for_address(TokenPurpose::MagicLink, email, client)
            .await
    }

    /// Signs in with a magic-link token. Following the link proves the
    /// address, so it also counts as a verification.
    ///
    /// # Errors
    /// `InvalidMailToken` (400).
    pub async fn sign_in_with_link(
        &self,
        token: &str,
        client: ClientInfo,
    ) -> Result<AuthTokens, IdentityError> {
        let (verification, user) = self.spend(TokenPurpose::MagicLink, token).await?;
        let user = self.mark_verified(&verification, user).await?;
        self.auth.sign_in(user, client).await
    }

    /// Starts moving the caller to `new_email`: a confirmation link to the
    /// new address, a notice to the current one.
    ///
    /// # Errors
    /// `ManagedExternally` (409) for Clerk users, `Validation` (422) for a
    /// bad address or a wrong current password, `EmailTaken` (409),
    /// `Throttled` (429).
    pub async fn request_email_change(
        &self,
        principal: &Principal,
        new_email: &str,
        current_password: &str,
        client: &ClientInfo,
    ) -> Result<(), IdentityError> {
        let user = &principal.user;
        local_only(user)?;
        // Counted before the password check, so the route is no oracle for
        // guessing the password of a stolen session.
        self.limit(user.email.as_str(), client).await?;
        let new_email = Email::parse(new_email).map_err(|e| IdentityError::Validation(vec![e]))?;
        if new_email == user.email {
            return Err(IdentityError::invalid(
                "new_email",
                "is already the account's address",
            ));
        }
        let stored = self.accounts.password_hash(user.id).await?;
        let matches = current_password.chars().count() <= PlainPassword::MAX_CHARS
            && self.hasher.verify(current_password, stored).await?;
        if !matches {
            return Err(IdentityError::invalid("current_password", "is incorrect"));
        }
        if self.users.find_by_email(&new_email).await?.is_some() {
            return Err(IdentityError::Case(IdentityCase::EmailTaken));
        }
        self.queue(
            TokenPurpose::EmailChange,
            user,
            Some(new_email.as_str().to_owned()),
        )
        .await?;
        self.outbox
            .post(Letter::new(
                Recipient::Address(user.email.as_str().to_owned()),
                "email_change_notice",
                json!({
                    "name": user.name.as_deref().unwrap_or(""),
                    "email": user.email.as_str(),
                    "new_email": new_email.as_str(),
                }),
            ))
            .await?;
        Ok(())
    }

    /// Moves the token's user to the address it was mailed to, verified.
    ///
    /// # Errors
    /// `InvalidMailToken` (400), `EmailTaken` (409) when another account
    /// took the address in the meantime.
    pub async fn confirm_email_change(&self, token: &str) -> Result<User, IdentityError> {
        let (verification, mut user) = self.spend(TokenPurpose::EmailChange, token).await?;
        let email = verification
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .ok_or(IdentityError::Case(IdentityCase::InvalidMailToken))?;
        let now = self.clock.now();
        match self
            .users
            .change_email(user.id, &user.email, &email, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Err(IdentityError::Conflict(
                    "the account's address changed meanwhile; ask for a new link".into(),
                ));
            }
            Err(RepoError::Conflict(_)) => {
                return Err(IdentityError::Case(IdentityCase::EmailTaken));
            }
            Err(e) => return Err(e.into()),
        }
        // Links mailed to the old address (a reset, a magic link) stop working.
        self.verifications.revoke_all(user.id, now).await?;
        user.email = email;
        user.email_verified = true;
        user.updated_at = now;
        Ok(user)
    }

    /// The anonymous request flows: throttled by address and client, then
    /// one job queued whatever the address, so the answer and its time are
    /// the same whether or not the account exists; the job mails only an
    /// active local account.
    async fn request_for_address(
        &self,
        purpose: TokenPurpose,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), IdentityError> {
        let email = Email::parse(email).map_err(|e| IdentityError::Validation(vec![e]))?;
        self.limit(email.as_str(), client).await?;
        self.outbox
            .account(AccountMail {
                purpose,
                account: Account::Address(email.as_str().to_owned()),
                new_email: None,
            })
            .await?;
        Ok(())
    }

    async fn queue(
        &self,
        purpose: TokenPurpose,
        user: &User,
        new_email: Option<String>,
    ) -> Result<(), IdentityError> {
        self.outbox
            .account(AccountMail {
                purpose,
                account: Account::User(user.id),
                new_email,
            })
            .await?;
        Ok(())
    }

    /// Spends `token` of `purpose`; its user must still be an active local
    /// account.
    async fn spend(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<(Verification, User), IdentityError> {
        let invalid = || IdentityError::Case(IdentityCase::InvalidMailToken);
        if token.is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
            return Err(invalid());
        }
        let hash = self.tokens.hash_refresh_token(token);
        let verification = self
            .verifications
            .consume(purpose, &hash, self.clock.now())
            .await?
            .ok_or_else(invalid)?;
        let user = self
            .users
            .find_by_id(verification.user_id)
            .await?
            .filter(|u| u.can_sign_in() && u.clerk_id.is_none())
            .ok_or_else(invalid)?;
        Ok((verification, user))
    }

    /// Counts one request for `email` and for the client's IP.
    async fn limit(&self, email: &str, client: &ClientInfo) -> Result<(), IdentityError> {
        let window = self.limits.window;
        let by_email = self
            .counter
            .hit(&format!("mail-email:{}", Email::normalize(email)), window)
            .await;
        let mut over = (by_email.count > self.limits.per_email).then_some(by_email.resets_in);
        if let Some(ip) = &client.ip {
            let by_ip = self.counter.hit(&format!("mail-ip:{ip}"), window).await;
            if by_ip.count > self.limits.per_ip {
                over = Some(over.map_or(by_ip.resets_in, |d| d.max(by_ip.resets_in)));
            }
        }
        match over {
            Some(wait) => Err(IdentityError::Case(IdentityCase::Throttled {
                retry_after_secs: wait.as_secs().max(1),
            })),
            None => Ok(()),
        }
    }
}

fn local_only(user: &User) -> Result<(), IdentityError> {
    match user.clerk_id {
        Some(_) => Err(IdentityError::Case(IdentityCase::ManagedExternally)),
        None => Ok(()),
    }
}
