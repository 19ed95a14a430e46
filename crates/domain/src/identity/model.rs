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

/// A one-time secret (email verification, password reset...) stored hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Row id.
    pub id: Uuid,
    /// What the secret verifies, e.g. `email-verify:<user id>`.
    pub identifier: String,
    /// SHA-256 of the secret, hex.
    pub value_hash: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set once used.
    pub consumed_at: Option<DateTime<Utc>>,
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
