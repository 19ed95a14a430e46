use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use keel_domain::clock::Clock;
use keel_domain::identity::{
    AccessClaims, AccountRepo, Email, LoginThrottle, PasswordHasher, PlainPassword, Principal,
    Session, SessionId, SessionRepo, TokenPurpose, TokenService, User, UserRepo, Username,
};
use keel_domain::mail::{Account, AccountMail, Outbox};
use keel_domain::{FieldError, RepoError};
use uuid::Uuid;

use super::error::IdentityError;
use super::validate;
use crate::identity::IdentityCase;

/// Token lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct AuthPolicy {
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of each refresh token (sliding: every rotation starts anew).
    pub refresh_ttl: Duration,
}

/// Who is calling, as far as the transport can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The peer IP address.
    pub ip: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

/// Input of [`AuthService::register`]; `Debug` prints the password as `[redacted]`.
#[derive(Clone, Default)]
pub struct RegisterCommand {
    /// Email as typed.
    pub email: String,
    /// New password.
    pub password: String,
    /// Optional display name.
    pub name: Option<String>,
    /// Optional username.
    pub username: Option<String>,
}

/// A new token pair with the user it was issued to; `Debug` prints the
/// tokens as `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthTokens {
    /// The signed-in user.
    pub user: User,
    /// Short-lived bearer token.
    pub access_token: String,
    /// Opaque, single-use refresh token.
    pub refresh_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    /// The session both tokens belong to.
    pub session_id: SessionId,
}

impl std::fmt::Debug for RegisterCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterCommand")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("name", &self.name)
            .field("username", &self.username)
            .finish()
    }
}

impl std::fmt::Debug for AuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthTokens")
            .field("user", &self.user)
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("session_id", &self.session_id)
            .finish()
    }
}

/// One live session as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// The session id.
    pub id: SessionId,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last login or refresh.
    pub last_used_at: DateTime<Utc>,
    /// Client IP at the last login or refresh.
    pub ip_address: Option<String>,
    /// Client user agent at the last login or refresh.
    pub user_agent: Option<String>,
    /// Whether this is the caller's own session.
    pub current: bool,
}

/// Login emails longer than this many characters (RFC 5321's path limit,
/// with room for surrounding spaces; the documented `maxLength`, which
/// counts characters) are refused before anything is stored.
const MAX_EMAIL_CHARS: usize = 320;

/// Refresh tokens longer than this are rejected before any lookup.
const MAX_REFRESH_TOKEN_LEN: usize = 256;

/// The ports the identity use cases are written against.
#[derive(Clone)]
pub struct IdentityPorts {
    /// Users.
    pub users: Arc<dyn UserRepo>,
    /// Credentials and provider links.
    pub accounts: Arc<dyn AccountRepo>,
    /// Sessions and refresh tokens.
    pub sessions: Arc<dyn SessionRepo>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Keel's tokens.
    pub tokens: Arc<dyn TokenService>,
    /// Failed-login throttling.
    pub throttle: Arc<dyn LoginThrottle>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// Registration, login, token rotation, logout and session management.
pub struct AuthService {
    users: Arc<dyn UserRepo>,
    accounts: Arc<dyn AccountRepo>,
    sessions: Arc<dyn SessionRepo>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenService>,
    throttle: Arc<dyn LoginThrottle>,
    clock: Arc<dyn Clock>,
    policy: AuthPolicy,
    outbox: Option<Arc<dyn Outbox>>,
}

impl AuthService {
    /// Wires the service to its ports.
    pub fn new(ports: IdentityPorts, policy: AuthPolicy) -> Self {
        Self {
            users: ports.users,
            accounts: ports.accounts,
            sessions: ports.sessions,
            hasher: ports.hasher,
            tokens: ports.tokens,
            throttle: ports.throttle,
            clock: ports.clock,
            policy,
            outbox: None,
        }
    }

    /// Mails a verification link on every registration through `outbox`.
    #[must_use]
    pub fn with_outbox(mut self, outbox: Arc<dyn Outbox>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// Opens a session for `user`, who proved who they are another way (a
    /// magic link), and records the login.
    ///
    /// # Errors
    /// Storage errors only.
    pub async fn sign_in(
        &self,
        user: User,
        client: ClientInfo,
    ) -> Result<AuthTokens, IdentityError> {
        let now = self.clock.now();
        let mut user = user;
        self.users.record_login(user.id, now).await?;
        user.last_login_at = Some(now);
        self.start_session(user, client, now).await
    }

    /// Creates a local account and signs it in.
    ///
    /// # Errors
    /// `Validation` (422) for bad fields, `EmailTaken` (409), storage errors.
    pub async fn register(
        &self,
        cmd: RegisterCommand,
        client: ClientInfo,
    ) -> Result<AuthTokens, IdentityError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let email = validate::optional(Some(&cmd.email), Email::parse, &mut errors);
        let password = validate::optional(
            Some(&cmd.password),
            |p| PlainPassword::parse(p, "password"),
            &mut errors,
        );
        let name = validate::optional(cmd.name.as_deref(), validate::name, &mut errors);
        let username = validate::optional(cmd.username.as_deref(), Username::parse, &mut errors);
        let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
            return Err(IdentityError::Validation(errors));
        };

        if self.users.find_by_email(&email).await?.is_some() {
            return Err(IdentityError::Case(IdentityCase::EmailTaken));
        }
        let hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let mut user = User::new(email, now);
        user.name = name;
        user.username = username;
        user.last_login_at = Some(now);
        match self.users.create(&user, Some(hash)).await {
            Ok(()) => {}
            Err(RepoError::Conflict(_)) => {
                return Err(match self.users.find_by_email(&user.email).await? {
                    Some(_) => IdentityError::Case(IdentityCase::EmailTaken),
                    None => IdentityError::Conflict("username is already taken".into()),
                });
            }
            Err(other) => return Err(other.into()),
        }
        if let Some(outbox) = &self.outbox {
            let request = AccountMail {
                purpose: TokenPurpose::VerifyEmail,
                account: Account::User(user.id),
                new_email: None,
            };
            // The account exists now: a queue failure must not turn the
            // registration into an error (a retry would be a 409). The user
            // can ask for the mail again.
            if let Err(e) = outbox.account(request).await {
                tracing::warn!(error = %e, "verification mail not queued");
            }
        }
        self.start_session(user, client, now).await
    }

    /// Checks email and password and opens a new session. Always runs one
    /// password verification, so unknown emails take as long as wrong passwords.
    ///
    /// # Errors
    /// `Throttled` (429) after repeated failures, `InvalidCredentials` (401).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: ClientInfo,
    ) -> Result<AuthTokens, IdentityError> {
        let now = self.clock.now();
        let key = format!(
            "{}|{}",
            client.ip.as_deref().unwrap_or("-"),
            Email::normalize(email)
        );
        if email.chars().count() > MAX_EMAIL_CHARS {
            return Err(IdentityError::invalid(
                "email",
                "must be a valid email address",
            ));
        }
        if let Some(retry_after_secs) = self.throttle.acquire(&key, now).await {
            return Err(IdentityError::Case(IdentityCase::Throttled {
                retry_after_secs,
            }));
        }
        match self.check_credentials(email, password).await {
            Ok(Some(mut user)) => {
                self.throttle.reset(&key).await;
                user.last_login_at = Some(now);
                self.users.record_login(user.id, now).await?;
                self.start_session(user, client, now).await
            }
            // The reserved attempt stays counted as a failure.
            Ok(None) => Err(IdentityError::Case(IdentityCase::InvalidCredentials)),
            Err(e) => {
                self.throttle.release(&key).await;
                Err(e)
            }
        }
    }

    /// The user when `email` and `password` match an active local account.
    async fn check_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, IdentityError> {
        if password.chars().count() > PlainPassword::MAX_CHARS {
            return Ok(None);
        }
        let user = match Email::parse(email) {
            Ok(email) => self.users.find_by_email(&email).await?,
            Err(_) => None,
        };
        let user = user.filter(User::can_sign_in);
        let hash = match &user {
            Some(u) => self.accounts.password_hash(u.id).await?,
            None => None,
        };
        let matches = self.hasher.verify(password, hash).await?;
        Ok(user.filter(|_| matches))
    }

    /// Spends `refresh_token` and issues its successor pair. A token that was
    /// already spent or revoked is a reuse: the whole session is revoked.
    ///
    /// # Errors
    /// `InvalidToken` (401) for unknown, expired, spent or revoked tokens.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        client: ClientInfo,
    ) -> Result<AuthTokens, IdentityError> {
        if refresh_token.is_empty() || refresh_token.len() > MAX_REFRESH_TOKEN_LEN {
            return Err(IdentityError::Case(IdentityCase::InvalidToken));
        }
        let now = self.clock.now();
        let hash = self.tokens.hash_refresh_token(refresh_token);
        let Some(current) = self.sessions.find_by_refresh_hash(&hash).await? else {
            return Err(IdentityError::Case(IdentityCase::InvalidToken));
        };
        if current.revoked_at.is_some() || current.replaced_by.is_some() {
            self.sessions.revoke_family(current.family_id, now).await?;
            return Err(IdentityError::Case(IdentityCase::InvalidToken));
        }
        if current.expires_at <= now {
            return Err(IdentityError::Case(IdentityCase::InvalidToken));
        }
        let user = self.users.find_by_id(current.user_id).await?;
        let Some(user) = user.filter(User::can_sign_in) else {
            self.sessions.revoke_family(current.family_id, now).await?;
            return Err(IdentityError::Case(IdentityCase::InvalidToken));
        };
        let refresh = self.tokens.new_refresh_token();
        let successor = Session {
            id: Uuid::now_v7(),
            family_id: current.family_id,
            user_id: user.id,
            refresh_token_hash: refresh.hash,
            replaced_by: None,
            ip_address: client.ip,
            user_agent: client.user_agent,
            created_at: current.created_at,
            last_used_at: now,
            expires_at: now + self.policy.refresh_ttl,
            revoked_at: None,
        };
        if !self.sessions.rotate(current.id, &successor).await? {
            // Lost a race against another use of the same token: a reuse.
            self.sessions.revoke_family(current.family_id, now).await?;
            return Err(IdentityError::Case(IdentityCase::InvalidToken));
        }
        let access_token = self.access_token(&user, current.family_id, now)?;
        Ok(AuthTokens {
            user,
            access_token,
            refresh_token: refresh.plain,
            expires_in: self.policy.access_ttl.num_seconds(),
            session_id: current.family_id,
        })
    }

    /// Ends the caller's session: its access and refresh tokens stop working.
    ///
    /// # Errors
    /// Storage errors only.
    pub async fn logout(&self, principal: &Principal) -> Result<(), IdentityError> {
        if let Some(sid) = principal.session_id {
            self.sessions.revoke_family(sid, self.clock.now()).await?;
        }
        Ok(())
    }

    /// The caller's live sessions, newest first.
    ///
    /// # Errors
    /// Storage errors only.
    pub async fn list_sessions(
        &self,
        principal: &Principal,
    ) -> Result<Vec<SessionView>, IdentityError> {
        let rows = self
            .sessions
            .list_active(principal.user.id, self.clock.now())
            .await?;
        Ok(rows
            .into_iter()
            .map(|s| SessionView {
                id: s.family_id,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                ip_address: s.ip_address,
                user_agent: s.user_agent,
                current: principal.session_id == Some(s.family_id),
            })
            .collect())
    }

    /// Revokes one of the caller's own sessions.
    ///
    /// # Errors
    /// `NotFound` (404) when the session is not a live session of the caller.
    pub async fn revoke_session(
        &self,
        principal: &Principal,
        id: SessionId,
    ) -> Result<(), IdentityError> {
        let now = self.clock.now();
        match self.sessions.find_active(id, now).await? {
            Some(s) if s.user_id == principal.user.id => {
                self.sessions.revoke_family(id, now).await?;
                Ok(())
            }
            _ => Err(IdentityError::NotFound),
        }
    }

    async fn start_session(
        &self,
        user: User,
        client: ClientInfo,
        now: DateTime<Utc>,
    ) -> Result<AuthTokens, IdentityError> {
        let refresh = self.tokens.new_refresh_token();
        let session = Session {
            id: Uuid::now_v7(),
            family_id: SessionId::generate(),
            user_id: user.id,
            refresh_token_hash: refresh.hash,
            replaced_by: None,
            ip_address: client.ip,
            user_agent: client.user_agent,
            created_at: now,
            last_used_at: now,
            expires_at: now + self.policy.refresh_ttl,
            revoked_at: None,
        };
        self.sessions.create(&session).await?;
        let access_token = self.access_token(&user, session.family_id, now)?;
        Ok(AuthTokens {
            user,
            access_token,
            refresh_token: refresh.plain,
            expires_in: self.policy.access_ttl.num_seconds(),
            session_id: session.family_id,
        })
    }

    fn access_token(
        &self,
        user: &User,
        sid: SessionId,
        now: DateTime<Utc>,
    ) -> Result<String, IdentityError> {
        Ok(self.tokens.issue_access(&AccessClaims {
            user_id: user.id,
            session_id: sid,
            role: user.role,
            issued_at: now,
            expires_at: now + self.policy.access_ttl,
        })?)
    }
}
