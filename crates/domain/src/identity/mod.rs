//! Identity: users, sessions, credentials and the ports that store and verify them.

pub mod error;
pub mod external;
pub mod model;
pub mod ports;
pub mod values;

pub use error::{AuthError, HashError, TokenError};
pub use external::{
    ExternalDirectory, ExternalIdentity, ExternalProfile, ExternalTokenVerifier,
    ExternalUserUpdate, TokenKind,
};
pub use model::{AccessClaims, Principal, Session, TokenPurpose, User, UserFilter, Verification};
pub use ports::{
    AccountRepo, IdentityProvider, LoginThrottle, PasswordHasher, SessionRepo, TokenService,
    UserRepo, VerificationRepo,
};
pub use values::{
    AccountProvider, Email, ImageUrl, PasswordHash, PlainPassword, RefreshToken, Role, SessionId,
    UserId, Username,
};
