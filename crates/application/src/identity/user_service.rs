use std::sync::Arc;

use keel_domain::clock::Clock;
use keel_domain::identity::{
    AccountRepo, Email, ImageUrl, PasswordHasher, PlainPassword, Principal, Role, SessionRepo,
    User, UserFilter, UserId, UserRepo, Username, VerificationRepo,
};
use keel_domain::{FieldError, Page, PageRequest, RepoError};

use super::auth_service::IdentityPorts;
use super::error::IdentityError;
use super::validate;

/// A partial update of the caller's own user. For each field: `None` leaves
/// it, `Some(None)` clears it, `Some(Some(v))` sets it.
#[derive(Debug, Clone, Default)]
pub struct UpdateMe {
    /// Display name.
    pub name: Option<Option<String>>,
    /// Username.
    pub username: Option<Option<String>>,
    /// Avatar URL.
    pub image_url: Option<Option<String>>,
}

/// A partial update by an admin: the [`UpdateMe`] fields plus role and activity.
#[derive(Debug, Clone, Default)]
pub struct AdminUpdate {
    /// The profile fields.
    pub profile: UpdateMe,
    /// New role.
    pub role: Option<Role>,
    /// Activate (`true`) or deactivate (`false`).
    pub is_active: Option<bool>,
}

/// What `keel create-admin` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateAdminOutcome {
    /// A new admin account was created.
    Created,
    /// An existing user was promoted (and re-activated); its password was left as it was.
    Promoted,
    /// The user already was an active admin.
    Unchanged,
}

/// The caller's own account and user administration.
pub struct UserService {
    users: Arc<dyn UserRepo>,
    accounts: Arc<dyn AccountRepo>,
    sessions: Arc<dyn SessionRepo>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    verifications: Option<Arc<dyn VerificationRepo>>,
}

impl UserService {
    /// Wires the service to its ports.
    pub fn new(ports: IdentityPorts) -> Self {
        Self {
            users: ports.users,
            accounts: ports.accounts,
            sessions: ports.sessions,
            hasher: ports.hasher,
            clock: ports.clock,
            verifications: None,
        }
    }

    /// Spends every unused mailed token of the caller on a password change
    /// (an email change someone else started, a reset, a magic link).
    #[must_use]
    pub fn with_verifications(mut self, verifications: Arc<dyn VerificationRepo>) -> Self {
        self.verifications = Some(verifications);
        self
    }

    /// Updates the caller's name, username or image.
    ///
    /// # Errors
    /// `Validation` (422), `Conflict` (409) for a taken username, storage errors.
    pub async fn update_me(
        &self,
        principal: &Principal,
        update: UpdateMe,
    ) -> Result<User, IdentityError> {
        let mut user = principal.user.clone();
        apply_profile(&mut user, update)?;
        user.updated_at = self.clock.now();
        self.save(&user).await?;
        Ok(user)
    }

    /// Changes the caller's password after checking the current one, and
    /// revokes every other session of the caller.
    ///
    /// # Errors
    /// `Validation` (422) when the current password is wrong or the new one is invalid.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), IdentityError> {
        let new_password = PlainPassword::parse(new_password, "new_password")
            .map_err(|e| IdentityError::Validation(vec![e]))?;
        let user_id = principal.user.id;
        let stored = self.accounts.password_hash(user_id).await?;
        let matches = current_password.chars().count() <= PlainPassword::MAX_CHARS
            && self.hasher.verify(current_password, stored).await?;
        if !matches {
            return Err(IdentityError::invalid("current_password", "is incorrect"));
        }
        let hash = self.hasher.hash(&new_password).await?;
        let now = self.clock.now();
        self.accounts.set_password_hash(user_id, hash, now).await?;
        self.sessions
            .revoke_all_for_user(user_id, principal.session_id, now)
            .await?;
        if let Some(verifications) = &self.verifications {
            verifications.revoke_all(user_id, now).await?;
        }
        Ok(())
    }

    /// Soft-deletes the caller and revokes all their sessions.
    ///
    /// # Errors
    /// Storage errors only.
    pub async fn delete_me(&self, principal: &Principal) -> Result<(), IdentityError> {
        let mut user = principal.user.clone();
        self.deactivate(&mut user).await
    }

    /// Lists users (admin only).
    ///
    /// # Errors
    /// `Forbidden` (403) for non-admins, storage errors.
    pub async fn list(
        &self,
        principal: &Principal,
        filter: UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, IdentityError> {
        principal.require_admin()?;
        let filter = UserFilter {
            query: filter
                .query
                .map(|q| q.trim().to_lowercase())
                .filter(|q| !q.is_empty()),
            role: filter.role,
        };
        Ok(self.users.list(&filter, page).await?)
    }

    /// One user, deactivated or not (admin only).
    ///
    /// # Errors
    /// `Forbidden` (403) for non-admins, `NotFound` (404).
    pub async fn get(&self, principal: &Principal, id: UserId) -> Result<User, IdentityError> {
        principal.require_admin()?;
        self.users
            .find_by_id(id)
            .await?
            .ok_or(IdentityError::NotFound)
    }

    /// Updates a user (admin only). Deactivating revokes the user's sessions.
    /// Admins cannot demote or deactivate themselves, so the last admin stays.
    ///
    /// # Errors
    /// `Forbidden` (403), `NotFound` (404), `Validation` (422), `Conflict` (409).
    pub async fn update(
        &self,
        principal: &Principal,
        id: UserId,
        update: AdminUpdate,
    ) -> Result<User, IdentityError> {
        principal.require_admin()?;
        let mut user = self
            .users
            .find_by_id(id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let demotes = update.role.is_some_and(|r| r != Role::Admin);
        let deactivates = update.is_active == Some(false);
        if id == principal.user.id && (demotes || deactivates) {
            return Err(IdentityError::Conflict(
                "admins cannot remove their own admin role or deactivate themselves".into(),
            ));
        }
        let before = user.clone();
        apply_profile(&mut user, update.profile)?;
        let now = self.clock.now();
        if user != before {
            user.updated_at = now;
            self.save(&user).await?;
        }
        if let Some(role) = update.role.filter(|r| *r != before.role) {
            self.users.set_role(id, role, now).await?;
            user.role = role;
            user.updated_at = now;
        }
        match update.is_active {
            Some(false) => self.deactivate(&mut user).await?,
            Some(true) if !before.can_sign_in() => {
                self.users.set_active(id, true, now).await?;
                user.reactivate(now);
            }
            _ => {}
        }
        Ok(user)
    }

    /// Soft-deletes a user (admin only) and revokes their sessions.
    ///
    /// # Errors
    /// `Forbidden` (403), `NotFound` (404), `Conflict` (409) for oneself.
    pub async fn delete(&self, principal: &Principal, id: UserId) -> Result<(), IdentityError> {
        principal.require_admin()?;
        if id == principal.user.id {
            return Err(IdentityError::Conflict(
                "admins cannot delete themselves".into(),
            ));
        }
        let mut user = self
            .users
            .find_by_id(id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        self.deactivate(&mut user).await
    }

    /// Creates an admin with `email` and `password`, or promotes the existing
    /// user with that email (idempotent).
    ///
    /// # Errors
    /// `Validation` (422) for a bad email or password, storage errors.
    pub async fn create_admin(
        &self,
        email: &str,
        password: &str,
    ) -> Result<CreateAdminOutcome, IdentityError> {
        let email = Email::parse(email).map_err(|e| IdentityError::Validation(vec![e]))?;
        let password = PlainPassword::parse(password, "password")
            .map_err(|e| IdentityError::Validation(vec![e]))?;
        let now = self.clock.now();
        if let Some(user) = self.users.find_by_email(&email).await? {
            if user.role == Role::Admin && user.can_sign_in() {
                return Ok(CreateAdminOutcome::Unchanged);
            }
            self.users.set_role(user.id, Role::Admin, now).await?;
            if !user.can_sign_in() {
                self.users.set_active(user.id, true, now).await?;
            }
            return Ok(CreateAdminOutcome::Promoted);
        }
        let hash = self.hasher.hash(&password).await?;
        let mut user = User::new(email, now);
        user.role = Role::Admin;
        user.email_verified = true;
        self.users.create(&user, Some(hash)).await?;
        Ok(CreateAdminOutcome::Created)
    }

    async fn deactivate(&self, user: &mut User) -> Result<(), IdentityError> {
        let now = self.clock.now();
        user.deactivate(now);
        self.users.set_active(user.id, false, now).await?;
        self.sessions
            .revoke_all_for_user(user.id, None, now)
            .await?;
        Ok(())
    }

    async fn save(&self, user: &User) -> Result<(), IdentityError> {
        self.users.update(user).await.map_err(|e| match e {
            RepoError::Conflict(_) => IdentityError::Conflict("username is already taken".into()),
            other => other.into(),
        })
    }
}

fn apply_profile(user: &mut User, update: UpdateMe) -> Result<(), IdentityError> {
    let mut errors: Vec<FieldError> = Vec::new();
    fn field<T>(
        raw: Option<Option<String>>,
        parse: fn(&str) -> Result<T, FieldError>,
        errors: &mut Vec<FieldError>,
    ) -> Option<Option<T>> {
        raw.map(|value| value.and_then(|v| validate::optional(Some(&v), parse, errors)))
    }
    let name = field(update.name, validate::name, &mut errors);
    let username = field(update.username, Username::parse, &mut errors);
    let image_url = field(update.image_url, ImageUrl::parse, &mut errors);
    if !errors.is_empty() {
        return Err(IdentityError::Validation(errors));
    }
    if let Some(name) = name {
        user.name = name;
    }
    if let Some(username) = username {
        user.username = username;
    }
    if let Some(image_url) = image_url {
        user.image_url = image_url;
    }
    Ok(())
}
