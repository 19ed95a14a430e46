//! Identity entities.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::values::{Email, ImageUrl, Role, SessionId, UserId, Username};
use crate::error::Forbidden;

/// A person who can sign in, locally or through Clerk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id (v7).
    pub id: UserId,
    /// The normalised, unique email.
    pub email: Email,
    /// Optional handle, unique case-insensitively.
    pub username: Option<Username>,
    /// Display name.
    pub name: Option<String>,
    /// Avatar URL.
    pub image_url: Option<ImageUrl>,
    /// Whether the email was verified (by Keel or by Clerk).
    pub email_verified: bool,
    /// The user's role.
    pub role: Role,
    /// False once deactivated; inactive users cannot authenticate.
    pub is_active: bool,
    /// The Clerk user id when linked to Clerk.
    pub clerk_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Set when the user was soft-deleted.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl User {
    /// A new active customer with the given email, created at `now`.
    pub fn new(email: Email, now: DateTime<Utc>) -> Self {
        Self {
            id: UserId::generate(),
            email,
            username: None,
            name: None,
            image_url: None,
            email_verified: false,
            role: Role::Customer,
            is_active: true,
            clerk_id: None,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deactivated_at: None,
        }
    }

    /// Whether the user may authenticate.
    pub fn can_sign_in(&self) -> bool {
        self.is_active && self.deactivated_at.is_none()
    }

    /// Soft-deletes the user at `now`.
    pub fn deactivate(&mut self, now: DateTime<Utc>) {
        self.is_active = false;
        self.deactivated_at.get_or_insert(now);
        self.updated_at = now;
    }

    /// Re-activates a deactivated user at `now`.
    pub fn reactivate(&mut self, now: DateTime<Utc>) {
        self.is_active = true;
        self.deactivated_at = None;
        self.updated_at = now;
    }
}

/// One refresh token of a login session. A session (identified by
/// `family_id`) is a chain of these rows: each refresh spends the current row
/// (`revoked_at` and `replaced_by` set) and adds its successor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The row's own id.
    pub id: Uuid,
    /// The session this row belongs to; stable across rotations and public.
    pub family_id: SessionId,
    /// The owner.
    pub user_id: UserId,
    /// SHA-256 of the refresh token, hex.
    pub refresh_token_hash: String,
    /// The successor row once this token was rotated.
    pub replaced_by: Option<Uuid>,
    /// Client IP at login or refresh.
    pub ip_address: Option<String>,
    /// Client user agent at login or refresh.
    pub user_agent: Option<String>,
    /// When the session (the first row of the family) began.
    pub created_at: DateTime<Utc>,
    /// When this row was issued (the session's last refresh or login).
    pub last_used_at: DateTime<Utc>,
    /// When this refresh token expires.
    pub expires_at: DateTime<Utc>,
    /// When this row was spent or revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Whether this row's refresh token can still be used at `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.replaced_by.is_none() && self.expires_at > now
    }
}

/// What a one-time token proves; each purpose has its own lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// The user owns the account's email address (24 h).
    VerifyEmail,
    /// The user may set a new password (1 h).
    PasswordReset,
    /// The user may sign in without a password (15 min).
    MagicLink,
    /// The user owns the new address they asked to move to (24 h).
    EmailChange,
}

impl TokenPurpose {
    /// Every purpose.
    pub const ALL: [Self; 4] = [
        Self::VerifyEmail,
        Self::PasswordReset,
        Self::MagicLink,
        Self::EmailChange,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::MagicLink => "magic_link",
            Self::EmailChange => "email_change",
        }
    }

    /// The purpose stored as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// How long a token of this purpose stays usable.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Self::VerifyEmail | Self::EmailChange => chrono::Duration::hours(24),
            Self::PasswordReset => chrono::Duration::hours(1),
            Self::MagicLink => chrono::Duration::minutes(15),
        }
    }
}

/// A single-use token sent by mail, stored as its SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Row id.
    pub id: Uuid,
    /// What the token proves.
    pub purpose: TokenPurpose,
    /// Whose token it is.
    pub user_id: UserId,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The address the token was mailed to: for an email change the address
    /// to move to; for a verification the address it verifies (a token
    /// mailed to an address the user has since left verifies nothing).
    pub email: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set once used (or superseded by a newer token of the purpose).
    pub used_at: Option<DateTime<Utc>>,
}

impl Verification {
    /// A fresh token row of `purpose` for `user_id`, expiring after the
    /// purpose's lifetime.
    pub fn issue(
        purpose: TokenPurpose,
        user_id: UserId,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            purpose,
            user_id,
            token_hash,
            email: None,
            created_at: now,
            expires_at: now + purpose.lifetime(),
            used_at: None,
        }
    }
}

/// The claims Keel puts in its own access tokens, in domain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// `sub`.
    pub user_id: UserId,
    /// `sid`.
    pub session_id: SessionId,
    /// `role` at issue time (informative; authorisation reads the stored user).
    pub role: Role,
    /// `iat` / `nbf`.
    pub issued_at: DateTime<Utc>,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The stored user behind the token.
    pub user: User,
    /// The Keel session the token belongs to (`None` for external tokens).
    pub session_id: Option<SessionId>,
    /// The effective role (the stored role, possibly narrowed by the provider).
    pub role: Role,
}

impl Principal {
    /// Whether the caller has the `admin` role.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller has the `staff` or `admin` role.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Admin)
    }

    /// `Ok` for admins.
    ///
    /// # Errors
    /// [`Forbidden`] for every other role.
    pub fn require_admin(&self) -> Result<(), Forbidden> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Forbidden)
        }
    }

    /// `Ok` for staff and admins.
    ///
    /// # Errors
    /// [`Forbidden`] for customers.
    pub fn require_staff(&self) -> Result<(), Forbidden> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(Forbidden)
        }
    }
}

/// Admin search over users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive substring of email, name or username.
    pub query: Option<String>,
    /// Only users with this role.
    pub role: Option<Role>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            id: Uuid::now_v7(),
            family_id: SessionId::generate(),
            user_id: UserId::generate(),
            refresh_token_hash: "h".into(),
            replaced_by: None,
            ip_address: None,
            user_agent: None,
            created_at: now,
            last_used_at: now,
            expires_at: now + Duration::seconds(60),
            revoked_at: None,
        }
    }

    #[test]
    fn session_is_usable_until_expiry_revocation_or_rotation() {
        let now = Utc::now();
        let s = session(now);
        assert!(s.is_usable(now));
        assert!(!s.is_usable(now + Duration::seconds(60)));
        assert!(
            !Session {
                revoked_at: Some(now),
                ..s.clone()
            }
            .is_usable(now)
        );
        assert!(
            !Session {
                replaced_by: Some(Uuid::now_v7()),
                ..s
            }
            .is_usable(now)
        );
    }

    #[test]
    fn deactivation_blocks_sign_in_and_keeps_first_timestamp() {
        let now = Utc::now();
        let mut u = User::new(super::super::values::Email::parse("a@b.co").unwrap(), now);
        assert!(u.can_sign_in());
        u.deactivate(now);
        u.deactivate(now + Duration::seconds(5));
        assert!(!u.can_sign_in());
        assert_eq!(u.deactivated_at, Some(now));
        u.reactivate(now);
        assert!(u.can_sign_in());
    }
}
