use std::sync::Arc;

use keel_domain::RepoError;
use keel_domain::clock::Clock;
use keel_domain::identity::{
    AccountProvider, AccountRepo, AuthError, Email, ExternalDirectory, ExternalIdentity,
    ExternalProfile, ExternalUserUpdate, ImageUrl, Principal, Role, SessionRepo, User, UserRepo,
    Username,
};

use super::error::IdentityError;
use super::validate;

/// What applying an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// A new local user was created.
    Created,
    /// An existing local account with the same verified email was linked.
    Linked,
    /// The linked user was updated.
    Updated,
    /// The delivery was older than the last one applied.
    Stale,
    /// The user was deactivated and signed out.
    Deactivated,
    /// Nothing to do (unknown id, already deactivated).
    Unchanged,
}

/// Local users for external (Clerk) identities: created on first sight of a
/// token, kept in sync by webhooks, linked to local accounts only by an email
/// that both sides have verified.
pub struct ExternalUserService {
    users: Arc<dyn UserRepo>,
    accounts: Arc<dyn AccountRepo>,
    sessions: Arc<dyn SessionRepo>,
    directory: Option<Arc<dyn ExternalDirectory>>,
    clock: Arc<dyn Clock>,
}

/// The email given to a provider user whose address is unknown or taken:
/// unique per subject and undeliverable (`.invalid`, RFC 2606).
fn placeholder_email(subject: &str) -> Option<Email> {
    let local: String = subject
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(64)
        .collect::<String>()
        .to_lowercase();
    Email::parse(&format!("{local}@clerk.invalid")).ok()
}

impl ExternalUserService {
    /// Wires the service; `directory` is the optional Backend API for enrichment.
    pub fn new(
        users: Arc<dyn UserRepo>,
        accounts: Arc<dyn AccountRepo>,
        sessions: Arc<dyn SessionRepo>,
        directory: Option<Arc<dyn ExternalDirectory>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            accounts,
            sessions,
            directory,
            clock,
        }
    }

    /// The principal for a verified external identity, creating the local user
    /// on first sight (race-safe: the unique `clerk_id` decides, then we read).
    ///
    /// # Errors
    /// `InvalidToken` for a deactivated user, `Unavailable` when storage fails.
    pub async fn principal_for(&self, identity: ExternalIdentity) -> Result<Principal, AuthError> {
        let unavailable = |_| AuthError::Unavailable {
            retry_after_secs: 1,
        };
        let user = match self
            .users
            .find_by_clerk_id(&identity.subject)
            .await
            .map_err(unavailable)?
        {
            Some(user) => user,
            None => self.provision(&identity).await.map_err(unavailable)?,
        };
        if !user.can_sign_in() {
            return Err(AuthError::InvalidToken);
        }
        Ok(Principal {
            user,
            session_id: None,
            role: identity.role,
        })
    }

    async fn provision(&self, identity: &ExternalIdentity) -> Result<User, RepoError> {
        let mut profile = ExternalProfile {
            email: identity.email.clone(),
            ..ExternalProfile::default()
        };
        if profile.email.is_none()
            && let Some(directory) = &self.directory
        {
            // The adapter logs its failures; enrichment never fails the request.
            if let Ok(Some(found)) = directory.profile(&identity.subject).await {
                profile = found;
            }
        }
        let role = if identity.impersonated {
            None
        } else {
            Some(identity.role)
        };
        let update = ExternalUserUpdate {
            subject: identity.subject.clone(),
            profile,
            role,
            updated_at_ms: 0,
        };
        let (user, _) = self.create_or_find(&update).await?;
        Ok(user)
    }

    /// Applies a pushed profile: upsert by provider id, never older than the
    /// last applied one; links an existing local account only when both
    /// emails are verified.
    ///
    /// # Errors
    /// Storage errors (worth retrying).
    pub async fn apply_update(
        &self,
        update: &ExternalUserUpdate,
    ) -> Result<SyncOutcome, IdentityError> {
        let last = self
            .accounts
            .synced_at(AccountProvider::Clerk, &update.subject)
            .await?;
        if last.is_some_and(|last| update.updated_at_ms < last) {
            return Ok(SyncOutcome::Stale);
        }
        let outcome = match self.users.find_by_clerk_id(&update.subject).await? {
            Some(mut user) => {
                self.apply_profile(&mut user, update).await?;
                SyncOutcome::Updated
            }
            None => match self.create_or_find(update).await? {
                // Lost the create race (a token provisioned the subject
                // meanwhile): this delivery's profile still has to land.
                (mut user, SyncOutcome::Updated) => {
                    self.apply_profile(&mut user, update).await?;
                    SyncOutcome::Updated
                }
                (_, outcome) => outcome,
            },
        };
        self.accounts
            .mark_synced(
                AccountProvider::Clerk,
                &update.subject,
                update.updated_at_ms,
                self.clock.now(),
            )
            .await?;
        Ok(outcome)
    }

    /// Deactivates the user linked to `subject` and revokes their sessions; an
    /// unknown or already deactivated user is left alone.
    ///
    /// # Errors
    /// Storage errors (worth retrying).
    pub async fn deactivate(&self, subject: &str) -> Result<SyncOutcome, IdentityError> {
        let Some(mut user) = self.users.find_by_clerk_id(subject).await? else {
            return Ok(SyncOutcome::Unchanged);
        };
        if !user.can_sign_in() {
            return Ok(SyncOutcome::Unchanged);
        }
        let now = self.clock.now();
        // Sessions first: if saving the user then fails, the retry still
        // finds an active user and does both again.
        self.sessions
            .revoke_all_for_user(user.id, None, now)
            .await?;
        user.deactivate(now);
        self.users.set_active(user.id, false, now).await?;
        Ok(SyncOutcome::Deactivated)
    }

    async fn create_or_find(
        &self,
        update: &ExternalUserUpdate,
    ) -> Result<(User, SyncOutcome), RepoError> {
        let now = self.clock.now();
        let email = update
            .profile
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok());
        if let (Some(email), true) = (&email, update.profile.email_verified)
            && let Some(mut local) = self.users.find_by_email(email).await?
            && local.email_verified
            && local.clerk_id.is_none()
        {
            // Snapshot before setting `clerk_id`, so the link is saved even
            // when the profile itself brings no change.
            let unlinked = local.clone();
            local.clerk_id = Some(update.subject.clone());
            self.save_profile(&mut local, unlinked, update).await?;
            self.accounts
                .link(local.id, AccountProvider::Clerk, &update.subject, now)
                .await?;
            return Ok((local, SyncOutcome::Linked));
        }
        let mut candidates = Vec::new();
        if let Some(email) = email {
            candidates.push(email);
        }
        candidates.extend(placeholder_email(&update.subject));
        for email in candidates {
            let placeholder = email.as_str().ends_with("@clerk.invalid");
            let mut user = User::new(email, now);
            user.clerk_id = Some(update.subject.clone());
            user.email_verified = update.profile.email_verified && !placeholder;
            user.role = update.role.unwrap_or(Role::Customer);
            fill_profile(&mut user, &update.profile);
            match self.users.create(&user, None).await {
                Ok(()) => {
                    self.accounts
                        .link(user.id, AccountProvider::Clerk, &update.subject, now)
                        .await?;
                    return Ok((user, SyncOutcome::Created));
                }
                Err(RepoError::Conflict(_)) => {
                    if let Some(existing) = self.users.find_by_clerk_id(&update.subject).await? {
                        return Ok((existing, SyncOutcome::Updated));
                    }
                }
                Err(other) => return Err(other),
            }
        }
        Err(RepoError::Conflict(
            "no usable email for the external user".into(),
        ))
    }

    async fn apply_profile(
        &self,
        user: &mut User,
        update: &ExternalUserUpdate,
    ) -> Result<(), RepoError> {
        let before = user.clone();
        self.save_profile(user, before, update).await
    }

    /// Applies `update` to `user` and saves it when it differs from `before`.
    async fn save_profile(
        &self,
        user: &mut User,
        before: User,
        update: &ExternalUserUpdate,
    ) -> Result<(), RepoError> {
        fill_profile(user, &update.profile);
        if let Some(email) = update
            .profile
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
        {
            if email != user.email && self.users.find_by_email(&email).await?.is_none() {
                user.email = email;
            }
            if user.email.as_str()
                == update
                    .profile
                    .email
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase()
            {
                user.email_verified = update.profile.email_verified;
            }
        }
        let now = self.clock.now();
        if let Some(role) = update.role.filter(|r| *r != before.role) {
            self.users.set_role(user.id, role, now).await?;
            user.role = role;
        }
        if profile_unchanged(user, &before) {
            return Ok(());
        }
        user.updated_at = now;
        match self.users.update(user).await {
            Err(RepoError::Conflict(_)) => {
                // A username (or email) taken meanwhile: keep the rest of the update.
                user.username = before.username.clone();
                user.email = before.email.clone();
                self.users.update(user).await
            }
            other => other,
        }
    }
}

/// Copies the directory fields that pass validation; invalid ones are skipped.
fn fill_profile(user: &mut User, profile: &ExternalProfile) {
    if let Some(name) = profile.name.as_deref().and_then(|n| validate::name(n).ok()) {
        user.name = Some(name);
    }
    if let Some(username) = profile
        .username
        .as_deref()
        .and_then(|u| Username::parse(u).ok())
    {
        user.username = Some(username);
    }
    if let Some(url) = profile
        .image_url
        .as_deref()
        .and_then(|u| ImageUrl::parse(u).ok())
    {
        user.image_url = Some(url);
    }
}

/// Whether the columns [`UserRepo::update`] writes are as in `before`.
fn profile_unchanged(user: &User, before: &User) -> bool {
    user.email == before.email
        && user.username == before.username
        && user.name == before.name
        && user.image_url == before.image_url
        && user.email_verified == before.email_verified
        && user.clerk_id == before.clerk_id
}
