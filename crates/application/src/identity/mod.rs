//! Identity use cases: registration, login, token rotation, sessions, the
//! caller's own account and user administration.

mod auth_service;
mod dispatch;
mod error;
mod external_users;
mod local_provider;
mod recovery_service;
mod user_service;
mod validate;

#[cfg(test)]
mod auth_login_tests;
#[cfg(test)]
mod auth_refresh_tests;
#[cfg(test)]
mod auth_register_tests;
#[cfg(test)]
mod auth_session_tests;
#[cfg(test)]
mod dispatch_tests;
#[cfg(test)]
mod external_deactivate_tests;
#[cfg(test)]
mod external_link_tests;
#[cfg(test)]
mod external_principal_tests;
#[cfg(test)]
mod external_sync_tests;
#[cfg(test)]
mod local_provider_tests;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
use crate::test_support::identity as test_support;
#[cfg(test)]
mod user_admin_tests;
#[cfg(test)]
mod user_create_admin_tests;
#[cfg(test)]
mod user_self_tests;

pub use auth_service::{
    AuthPolicy, AuthService, AuthTokens, ClientInfo, IdentityPorts, RegisterCommand, SessionView,
};
pub use dispatch::{ExternalAuth, TokenDispatcher};
pub use error::{IdentityCase, IdentityError};
pub use external_users::{ExternalUserService, SyncOutcome};
pub use keel_domain::identity::ExternalUserUpdate;
pub use local_provider::LocalIdentityProvider;
pub use recovery_service::{MailRequestLimits, RecoveryService};
pub use user_service::{AdminUpdate, CreateAdminOutcome, UpdateMe, UserService};
