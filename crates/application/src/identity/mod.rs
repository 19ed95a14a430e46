//! Identity use cases: registration, login, token rotation, sessions, the
//! caller's own account and user administration.

mod auth_service;
mod error;
mod local_provider;
mod user_service;
mod validate;

#[cfg(test)]
mod test_support;

pub use auth_service::{
    AuthPolicy, AuthService, AuthTokens, ClientInfo, IdentityPorts, RegisterCommand, SessionView,
};
pub use error::IdentityError;
pub use local_provider::LocalIdentityProvider;
pub use user_service::{AdminUpdate, CreateAdminOutcome, UpdateMe, UserService};
