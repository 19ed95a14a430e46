//! Identity ports. Adapters live in `keel-infrastructure`; use cases hold
//! them as `Arc<dyn Port>`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::{AuthError, HashError, TokenError};
use super::external::TokenKind;
use super::model::{
    AccessClaims, Principal, Session, TokenPurpose, User, UserFilter, Verification,
};
use super::values::{
    AccountProvider, Email, PasswordHash, PlainPassword, RefreshToken, Role, SessionId, UserId,
};
use crate::error::RepoError;
use crate::pagination::{Page, PageRequest};

/// Stores users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Inserts a new user; with `password_hash`, also records its `password`
    /// account, atomically.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the email, username or clerk id is taken;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn create(
        &self,
        user: &User,
        password_hash: Option<PasswordHash>,
    ) -> Result<(), RepoError>;

    /// Finds a user by id, deactivated or not.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError>;

    /// Finds a user by Clerk user id, deactivated or not.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_clerk_id(&self, clerk_id: &str) -> Result<Option<User>, RepoError>;

    /// Finds a user by normalised email, deactivated or not.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError>;

    /// Saves the profile of an existing user: email, username, name, image
    /// URL, `email_verified`, the Clerk link and `updated_at`, and nothing else. Role,
    /// activity and last login have their own writes, so a profile write
    /// made from a stale read can never undo a demotion or deactivation.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the new username or email is taken;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn update(&self, user: &User) -> Result<(), RepoError>;

    /// Marks user `id`'s email verified if it is still `email` (a targeted,
    /// conditional write: it cannot undo a concurrent change of anything
    /// else). `false` when the address is no longer the user's.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn mark_email_verified(
        &self,
        id: UserId,
        email: &Email,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;

    /// Moves user `id` from address `from` to `to`, verified, if it still
    /// has `from`. `false` when it no longer does.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when another account has `to`;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn change_email(
        &self,
        id: UserId,
        from: &Email,
        to: &Email,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;

    /// Sets the role of user `id` (admin actions and Clerk syncs only).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn set_role(&self, id: UserId, role: Role, at: DateTime<Utc>) -> Result<(), RepoError>;

    /// Deactivates user `id` at `at` (keeping an earlier deactivation time),
    /// or reactivates it (admin actions, self-deletion and Clerk syncs only).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn set_active(
        &self,
        id: UserId,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Records a successful login of user `id` at `at`.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError>;

    /// Lists users matching `filter`, newest first, deactivated ones included.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list(&self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, RepoError>;
}

/// Stores the credentials and external links of users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountRepo: Send + Sync {
    /// The stored password hash of a user, `None` when the user has no password.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn password_hash(&self, user_id: UserId) -> Result<Option<PasswordHash>, RepoError>;

    /// Sets (creates or replaces) the password of a user.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn set_password_hash(
        &self,
        user_id: UserId,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// The provider's `updated_at` (ms) of the last profile applied through
    /// this link; `None` when unlinked or never synced.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn synced_at(
        &self,
        provider: AccountProvider,
        provider_account_id: &str,
    ) -> Result<Option<i64>, RepoError>;

    /// Records the provider's `updated_at` (ms) of the profile just applied.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn mark_synced(
        &self,
        provider: AccountProvider,
        provider_account_id: &str,
        updated_at_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Records that `user_id` is known to `provider` as `provider_account_id`;
    /// a link that already exists is left as it is.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when that provider account is linked to another user;
    /// [`RepoError::Unavailable`] when storage fails.
    async fn link(
        &self,
        user_id: UserId,
        provider: AccountProvider,
        provider_account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;
}

/// Stores login sessions as chains of refresh-token rows (see [`Session`]).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepo: Send + Sync {
    /// Inserts the first row of a new session.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn create(&self, session: &Session) -> Result<(), RepoError>;

    /// Finds the row whose refresh token hashes to `hash`, spent or not.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_by_refresh_hash(&self, hash: &str) -> Result<Option<Session>, RepoError>;

    /// The usable row of session `family_id` (unrevoked, unrotated, unexpired at `now`).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_active(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, RepoError>;

    /// The live session `family_id` together with its user, read in one
    /// statement (sessions joined to users on the indexed family id): the
    /// check every bearer token gets. The caller still checks that the
    /// session belongs to the token's subject and that the user may sign in.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_active_with_user(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, RepoError>;

    /// [`SessionRepo::find_active_with_user`] for several sessions in one
    /// statement: the live sessions among `family_ids` with their users, in
    /// no particular order; an id without a live session is left out. Lets
    /// an adapter answer the checks of concurrent requests together.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_active_with_users(
        &self,
        family_ids: &[SessionId],
        now: DateTime<Utc>,
    ) -> Result<Vec<(Session, User)>, RepoError>;

    /// In one transaction: spends row `current` (sets `revoked_at` and
    /// `replaced_by`) only if it is still unspent, and inserts `successor`.
    /// Returns `false`, changing nothing, when the row was already spent, so
    /// of two concurrent rotations exactly one wins.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn rotate(&self, current: Uuid, successor: &Session) -> Result<bool, RepoError>;

    /// Revokes every row of session `family_id`; returns how many were live.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn revoke_family(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError>;

    /// Revokes every session of `user_id` except `keep`; returns how many rows were live.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn revoke_all_for_user(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError>;

    /// The usable rows (one per live session) of `user_id`, newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn list_active(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Session>, RepoError>;
}

/// Stores single-use mail tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait VerificationRepo: Send + Sync {
    /// Stores `verification` and, in the same transaction, marks every older
    /// unused token of the same user and purpose used: only the newest works.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn issue(&self, verification: &Verification) -> Result<(), RepoError>;

    /// Spends the unexpired, unused token of `purpose` whose hash is
    /// `token_hash` with a conditional update: of two concurrent calls with
    /// one token, exactly one gets it.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn consume(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Verification>, RepoError>;

    /// Marks every unused token of `user_id` used: after a password reset
    /// or change, or an email change, no link mailed before works.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn revoke_all(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64, RepoError>;
}

/// Hashes and verifies passwords. Implementations must keep CPU-heavy work
/// off the async workers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password with a fresh salt.
    ///
    /// # Errors
    /// [`HashError`] when the hasher fails.
    async fn hash(&self, password: &PlainPassword) -> Result<PasswordHash, HashError>;

    /// Whether `password` matches `hash`. With `hash = None` it verifies
    /// against a fixed dummy hash and returns `false`, taking the same time,
    /// so unknown users cannot be told apart by timing.
    ///
    /// # Errors
    /// [`HashError`] when the stored hash cannot be parsed or the hasher fails.
    async fn verify(&self, password: &str, hash: Option<PasswordHash>) -> Result<bool, HashError>;
}

/// Issues and verifies Keel's own tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenService: Send + Sync {
    /// Signs an access token carrying `claims`.
    ///
    /// # Errors
    /// [`TokenError::Encoding`] when signing fails.
    fn issue_access(&self, claims: &AccessClaims) -> Result<String, TokenError>;

    /// Verifies an access token's signature, type and registered claims.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for any token this service did not issue or that expired.
    fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError>;

    /// A fresh random refresh token and its hash.
    fn new_refresh_token(&self) -> RefreshToken;

    /// The hash under which the refresh token `plain` would be stored.
    fn hash_refresh_token(&self, plain: &str) -> String;

    /// Which verifier `token` is for, from its unverified header alone
    /// (`HS256` + `typ at+jwt` local, `RS256` external, anything else unknown).
    fn classify(&self, token: &str) -> TokenKind;
}

/// Turns a bearer token into an authenticated principal. The seam where Keel's
/// own tokens and external providers (Clerk) plug in.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Authenticates `bearer` (the token after `Bearer `).
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for any unacceptable token or inactive user,
    /// [`AuthError::Forbidden`] for a genuine token that may not be used,
    /// [`AuthError::Unavailable`] when the verifier cannot decide now.
    async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthError>;
}

/// Throttles failed logins per key (client IP + normalised email). An
/// attempt is reserved before the password is checked, so however many
/// guesses run at once, at most the configured number of wrong passwords
/// is ever checked per key and window.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Atomically reserves one attempt for `key` at `now`. `Some(seconds)`
    /// to wait when the key already holds the maximum of failed or
    /// in-flight attempts in its window (nothing is reserved then); `None`
    /// when reserved: the attempt counts as a failure until it is released
    /// or the key reset.
    async fn acquire(&self, key: &str, now: DateTime<Utc>) -> Option<u64>;

    /// Returns a reserved attempt that said nothing about the password
    /// (storage or hashing failed).
    async fn release(&self, key: &str);

    /// Forgets every attempt of `key` (after a successful login).
    async fn reset(&self, key: &str);
}
