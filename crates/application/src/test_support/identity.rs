//! Fixtures for the identity use-case tests: one mock per port and sample
//! users, sessions and principals.

use std::sync::Arc;

use chrono::Duration;
use keel_domain::clock::MockClock;
use keel_domain::identity::external::MockExternalDirectory;
use keel_domain::identity::ports::{
    MockAccountRepo, MockLoginThrottle, MockPasswordHasher, MockSessionRepo, MockTokenService,
    MockUserRepo,
};
use keel_domain::identity::{
    AccessClaims, Email, PasswordHash, Principal, RefreshToken, Role, Session, SessionId, User,
    UserId,
};
use uuid::Uuid;

pub(crate) use super::{Slot, invalid_fields, now};
use crate::identity::{
    AuthPolicy, AuthService, ClientInfo, ExternalUserService, IdentityPorts, LocalIdentityProvider,
    UserService,
};

/// The plain refresh token every mocked `new_refresh_token` hands out.
pub(crate) const NEW_REFRESH_PLAIN: &str = "new-refresh-plain";
/// Its hash.
pub(crate) const NEW_REFRESH_HASH: &str = "new-refresh-hash";
/// Lifetime of access tokens in [`policy`].
pub(crate) const ACCESS_TTL_SECS: i64 = 900;
/// Lifetime of refresh tokens in [`policy`].
pub(crate) const REFRESH_TTL_DAYS: i64 = 30;

/// The token lifetimes used by every test.
pub(crate) fn policy() -> AuthPolicy {
    AuthPolicy {
        access_ttl: Duration::seconds(ACCESS_TTL_SECS),
        refresh_ttl: Duration::days(REFRESH_TTL_DAYS),
    }
}

/// A stored password hash.
pub(crate) fn stored_hash() -> PasswordHash {
    PasswordHash::new("$argon2id$v=19$stored")
}

/// An active customer `ada@example.com`, created a month before [`now`].
pub(crate) fn user() -> User {
    let mut user = User::new(
        Email::parse("ada@example.com").expect("a valid email"),
        now() - Duration::days(30),
    );
    user.name = Some("Ada".into());
    user.username = Some(keel_domain::identity::Username::parse("ada").unwrap());
    user.image_url =
        Some(keel_domain::identity::ImageUrl::parse("https://cdn.example.com/ada.png").unwrap());
    user
}

/// An active user with `role` and a distinct email.
pub(crate) fn user_with_role(role: Role) -> User {
    let mut user = User::new(
        Email::parse(&format!("{role}@example.com")).expect("a valid email"),
        now() - Duration::days(60),
    );
    user.role = role;
    user
}

/// [`user`], deactivated a day before [`now`].
pub(crate) fn deactivated_user() -> User {
    let mut user = user();
    user.deactivate(now() - Duration::days(1));
    user
}

/// A live, unspent refresh-token row of `user_id`: the session began two days
/// ago, was last refreshed an hour ago and expires in five days.
pub(crate) fn session_of(user_id: UserId) -> Session {
    Session {
        id: Uuid::now_v7(),
        family_id: SessionId::generate(),
        user_id,
        refresh_token_hash: "stored-refresh-hash".into(),
        replaced_by: None,
        ip_address: Some("198.51.100.1".into()),
        user_agent: Some("old-agent".into()),
        created_at: now() - Duration::days(2),
        last_used_at: now() - Duration::hours(1),
        expires_at: now() + Duration::days(5),
        revoked_at: None,
    }
}

/// `user` signed in through session `session_id`, with the user's stored role.
pub(crate) fn principal(user: User, session_id: Option<SessionId>) -> Principal {
    Principal {
        role: user.role,
        user,
        session_id,
    }
}

/// One mock per identity port. Only the clock has an expectation (it always
/// reports [`now`]); any other call a test did not expect panics.
pub(crate) struct Mocks {
    pub(crate) users: MockUserRepo,
    pub(crate) accounts: MockAccountRepo,
    pub(crate) sessions: MockSessionRepo,
    pub(crate) hasher: MockPasswordHasher,
    pub(crate) tokens: MockTokenService,
    pub(crate) throttle: MockLoginThrottle,
    pub(crate) clock: MockClock,
}

impl Mocks {
    /// Fresh mocks with the clock fixed at [`now`].
    pub(crate) fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        Self {
            users: MockUserRepo::new(),
            accounts: MockAccountRepo::new(),
            sessions: MockSessionRepo::new(),
            hasher: MockPasswordHasher::new(),
            tokens: MockTokenService::new(),
            throttle: MockLoginThrottle::new(),
            clock,
        }
    }

    /// Wraps every mock in an `Arc`.
    pub(crate) fn into_ports(self) -> IdentityPorts {
        IdentityPorts {
            users: Arc::new(self.users),
            accounts: Arc::new(self.accounts),
            sessions: Arc::new(self.sessions),
            hasher: Arc::new(self.hasher),
            tokens: Arc::new(self.tokens),
            throttle: Arc::new(self.throttle),
            clock: Arc::new(self.clock),
        }
    }

    /// An [`AuthService`] over these mocks and [`policy`].
    pub(crate) fn auth_service(self) -> AuthService {
        AuthService::new(self.into_ports(), policy())
    }

    /// A [`UserService`] over these mocks.
    pub(crate) fn user_service(self) -> UserService {
        UserService::new(self.into_ports())
    }

    /// A [`LocalIdentityProvider`] over these mocks.
    pub(crate) fn local_provider(self) -> LocalIdentityProvider {
        let ports = self.into_ports();
        LocalIdentityProvider::new(ports.tokens, ports.sessions, ports.clock)
    }

    /// An [`ExternalUserService`] over these mocks; `directory` is the
    /// optional Backend API (`None` when it is not configured).
    pub(crate) fn external_users(
        self,
        directory: Option<MockExternalDirectory>,
    ) -> ExternalUserService {
        let ports = self.into_ports();
        ExternalUserService::new(
            ports.users,
            ports.accounts,
            ports.sessions,
            directory.map(|d| Arc::new(d) as Arc<dyn keel_domain::identity::ExternalDirectory>),
            ports.clock,
        )
    }

    /// Expects exactly one new refresh token, [`NEW_REFRESH_PLAIN`] / [`NEW_REFRESH_HASH`].
    pub(crate) fn expect_one_new_refresh_token(&mut self) {
        self.tokens
            .expect_new_refresh_token()
            .times(1)
            .returning(|| RefreshToken {
                plain: NEW_REFRESH_PLAIN.into(),
                hash: NEW_REFRESH_HASH.into(),
            });
    }

    /// Expects exactly one access token, issued at [`now`] and expiring
    /// [`ACCESS_TTL_SECS`] later; returns the slot its claims land in. The
    /// token is `access:<session id>`, so tests can check which session it names.
    pub(crate) fn expect_one_access_token(&mut self) -> Slot<AccessClaims> {
        let claims = Slot::new();
        let slot = claims.clone();
        self.tokens
            .expect_issue_access()
            .withf(|c| {
                c.issued_at == now() && c.expires_at == now() + Duration::seconds(ACCESS_TTL_SECS)
            })
            .times(1)
            .returning(move |c| {
                slot.put(c.clone());
                Ok(access_token_for(c.session_id))
            });
        claims
    }
}

/// The access token [`Mocks::expect_one_access_token`] issues for session `sid`.
pub(crate) fn access_token_for(sid: SessionId) -> String {
    format!("access:{sid}")
}

/// The client every test calls from.
pub(crate) fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.7".into()),
        user_agent: Some("test-agent/1.0".into()),
    }
}
