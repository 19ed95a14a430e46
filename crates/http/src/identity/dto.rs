//! Identity request and response bodies.

use chrono::{DateTime, Utc};
use keel_application::identity::{AuthTokens, SessionView};
use keel_domain::identity::{Role, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A role on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Default role.
    Customer,
    /// Manages orders.
    Staff,
    /// Everything.
    Admin,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Customer => Self::Customer,
            Role::Staff => Self::Staff,
            Role::Admin => Self::Admin,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Customer => Self::Customer,
            RoleDto::Staff => Self::Staff,
            RoleDto::Admin => Self::Admin,
        }
    }
}

/// `POST /auth/register`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Unique case-insensitively (compared lower-cased, in Unicode NFC).
    #[schema(
        example = "ada@example.com",
        max_length = 254,
        pattern = r"^[^@\s\u0000-\u001F\u007F-\u009F]{1,64}@[^@\s.\u0000-\u001F\u007F-\u009F]+(\.[^@\s.\u0000-\u001F\u007F-\u009F]+)+$"
    )]
    pub email: String,
    /// 8 to 128 characters.
    #[schema(example = "correct horse battery", min_length = 8, max_length = 128)]
    pub password: String,
    /// Display name, 1 to 100 characters.
    #[schema(
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// 3 to 32 of letters, digits, `_ . -`; unique case-insensitively.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{3,32}$")]
    pub username: Option<String>,
}

/// `POST /auth/login`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email (over 320 bytes is a 422).
    #[schema(max_length = 320)]
    pub email: String,
    /// The account's password.
    pub password: String,
}

/// `POST /auth/token` (OAuth2 password grant form).
#[derive(Deserialize, ToSchema)]
pub struct TokenForm {
    /// The account's email.
    pub username: String,
    /// The account's password.
    pub password: String,
    /// `password` when present.
    #[schema(pattern = r"^password$")]
    pub grant_type: Option<String>,
    /// Ignored.
    pub scope: Option<String>,
}

/// `POST /auth/refresh`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The current refresh token; it is spent by this call.
    pub refresh_token: String,
}

/// A user as clients see it; never carries credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// User id (UUID v7).
    pub id: Uuid,
    /// Normalised email.
    pub email: String,
    /// Username.
    pub username: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Avatar URL.
    pub image_url: Option<String>,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// Role.
    pub role: RoleDto,
    /// False once deactivated.
    pub is_active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last login.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            username: u.username.as_deref().map(str::to_owned),
            name: u.name,
            image_url: u.image_url.as_deref().map(str::to_owned),
            email_verified: u.email_verified,
            role: u.role.into(),
            is_active: u.is_active,
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login_at: u.last_login_at,
        }
    }
}

/// A token pair with its user.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// The signed-in user.
    pub user: UserResponse,
    /// Bearer access token.
    pub access_token: String,
    /// Single-use refresh token.
    pub refresh_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

impl From<AuthTokens> for TokenResponse {
    fn from(t: AuthTokens) -> Self {
        Self {
            user: t.user.into(),
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "bearer".into(),
            expires_in: t.expires_in,
        }
    }
}

/// OAuth2 token response of `POST /auth/token`.
#[derive(Serialize, ToSchema)]
pub struct OAuthTokenResponse {
    /// Bearer access token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// One of my live sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// Session id.
    pub id: Uuid,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last login or refresh.
    pub last_used_at: DateTime<Utc>,
    /// Client IP at the last login or refresh.
    pub ip_address: Option<String>,
    /// Client user agent at the last login or refresh.
    pub user_agent: Option<String>,
    /// Whether the calling token belongs to this session.
    pub current: bool,
}

impl From<SessionView> for SessionResponse {
    fn from(s: SessionView) -> Self {
        Self {
            id: s.id.as_uuid(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            ip_address: s.ip_address,
            user_agent: s.user_agent,
            current: s.current,
        }
    }
}

/// `PATCH /users/me`: absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// Display name, 1 to 100 characters.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    pub name: Option<Option<String>>,
    /// Username: 3 to 32 of letters, digits, `_ . -`; unique case-insensitively.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9_.-]{3,32}$")]
    pub username: Option<Option<String>>,
    /// Avatar URL (absolute http or https).
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s\u0000-\u001F\u007F-\u009F]*)?$")]
    pub image_url: Option<Option<String>>,
}

/// `PATCH /users/{id}` (admin).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUpdateRequest {
    /// Display name, 1 to 100 characters.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    pub name: Option<Option<String>>,
    /// Username: 3 to 32 of letters, digits, `_ . -`; unique case-insensitively.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9_.-]{3,32}$")]
    pub username: Option<Option<String>>,
    /// Avatar URL (absolute http or https).
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s\u0000-\u001F\u007F-\u009F]*)?$")]
    pub image_url: Option<Option<String>>,
    /// New role.
    pub role: Option<RoleDto>,
    /// Activate or deactivate (deactivating revokes every session).
    pub is_active: Option<bool>,
}

/// `POST /users/me/password`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use.
    pub current_password: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// `GET /users` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Case-insensitive substring of email, name or username.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<RoleDto>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// A page of [`UserResponse`].
pub type UserPage = crate::page::PageResponse<UserResponse>;

/// `Debug` that names every field but prints secrets as `[redacted]`, so a
/// request or response logged whole never leaks a password or a token.
macro_rules! redacted_debug {
    ($ty:ident { $($field:ident),* ; $($secret:ident),* }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))*
                    $(.field(stringify!($secret), &"[redacted]"))*
                    .finish()
            }
        }
    };
}

redacted_debug!(RegisterRequest { email, name, username; password });
redacted_debug!(LoginRequest { email; password });
redacted_debug!(TokenForm { username, grant_type, scope; password });
redacted_debug!(RefreshRequest { ; refresh_token });
redacted_debug!(ChangePasswordRequest { ; current_password, new_password });
redacted_debug!(TokenResponse { user, token_type, expires_in; access_token, refresh_token });
redacted_debug!(OAuthTokenResponse { token_type, expires_in; access_token });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_redacted_in_debug() {
        let register = RegisterRequest {
            email: "ada@example.com".into(),
            password: "hunter2-secret".into(),
            name: None,
            username: None,
        };
        let change = ChangePasswordRequest {
            current_password: "old-secret".into(),
            new_password: "new-secret".into(),
        };
        let form = TokenForm {
            username: "ada@example.com".into(),
            password: "form-secret".into(),
            grant_type: None,
            scope: None,
        };
        let refresh = RefreshRequest {
            refresh_token: "refresh-secret".into(),
        };
        let login = LoginRequest {
            email: "ada@example.com".into(),
            password: "login-secret".into(),
        };
        let printed = format!("{register:?} {change:?} {form:?} {refresh:?} {login:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("ada@example.com") && printed.contains("[redacted]"));
    }
}

/// `POST /auth/password/forgot` and `POST /auth/magic-link`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The account's address; the answer is the same whether or not it exists.
    #[schema(
        example = "ada@example.com",
        max_length = 254,
        pattern = r"^[^@\s\u0000-\u001F\u007F-\u009F]{1,64}@[^@\s.\u0000-\u001F\u007F-\u009F]+(\.[^@\s.\u0000-\u001F\u007F-\u009F]+)+$"
    )]
    pub email: String,
}

/// `POST /auth/verify-email`, `/auth/magic-link/verify`, `/users/me/email/confirm`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the mail (the `token` query value of its link).
    #[schema(max_length = 128, pattern = r"^[A-Za-z0-9_-]+$")]
    pub token: String,
}

/// `POST /auth/password/reset`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token from the reset mail.
    #[schema(max_length = 128, pattern = r"^[A-Za-z0-9_-]+$")]
    pub token: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// `POST /users/me/email`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmailRequest {
    /// The address to move to; it receives the confirmation link.
    #[schema(
        example = "ada@new.example.com",
        max_length = 254,
        pattern = r"^[^@\s\u0000-\u001F\u007F-\u009F]{1,64}@[^@\s.\u0000-\u001F\u007F-\u009F]+(\.[^@\s.\u0000-\u001F\u007F-\u009F]+)+$"
    )]
    pub new_email: String,
    /// The password in use.
    pub current_password: String,
}

/// The 202 answer of every mail request: the same body whether or not a
/// mail was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailAcceptedResponse {
    /// Always `accepted`.
    #[schema(example = "accepted")]
    pub status: &'static str,
    /// What happens next, for humans.
    pub detail: &'static str,
}

impl Default for MailAcceptedResponse {
    /// The one body every mail request answers with.
    fn default() -> Self {
        Self {
            status: "accepted",
            detail: "If the address belongs to an account that can use this, a mail is on its way.",
        }
    }
}
