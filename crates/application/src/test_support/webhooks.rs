//! Fixtures for the webhook use-case tests: stored events and an `ExternalUserService` over mocked identity ports.

use std::sync::Arc;

use chrono::Duration;
use keel_domain::identity::ports::{MockAccountRepo, MockSessionRepo, MockUserRepo};
use keel_domain::webhooks::{WebhookEvent, WebhookStatus};
use uuid::Uuid;

pub(crate) use super::principal_with as principal;
pub(crate) use super::{clock, now};
use crate::identity::ExternalUserService;

/// A stored delivery of type `event_type` with body `payload` and `status`,
/// received a minute before [`now`].
pub(crate) fn stored_event(event_type: &str, payload: &str, status: WebhookStatus) -> WebhookEvent {
    WebhookEvent {
        id: Uuid::now_v7(),
        svix_id: "msg_2abc".into(),
        event_type: event_type.into(),
        payload: payload.into(),
        status,
        attempts: 0,
        last_error: None,
        received_at: now() - Duration::minutes(1),
        processed_at: None,
        next_attempt_at: Some(now() - Duration::minutes(1)),
    }
}

/// The identity ports an `ExternalUserService` needs; any call a test did
/// not expect panics.
pub(crate) struct UserMocks {
    pub(crate) users: MockUserRepo,
    pub(crate) accounts: MockAccountRepo,
    pub(crate) sessions: MockSessionRepo,
}

impl UserMocks {
    /// Fresh mocks without expectations.
    pub(crate) fn new() -> Self {
        Self {
            users: MockUserRepo::new(),
            accounts: MockAccountRepo::new(),
            sessions: MockSessionRepo::new(),
        }
    }

    /// Mocks that must not be called at all.
    pub(crate) fn untouched() -> Self {
        let mut m = Self::new();
        m.users.expect_find_by_clerk_id().never();
        m.users.expect_create().never();
        m.users.expect_update().never();
        m.accounts.expect_synced_at().never();
        m.accounts.expect_mark_synced().never();
        m.sessions.expect_revoke_all_for_user().never();
        m
    }

    /// The service over these mocks, without a directory, at [`now`].
    pub(crate) fn service(self) -> Arc<ExternalUserService> {
        Arc::new(ExternalUserService::new(
            Arc::new(self.users),
            Arc::new(self.accounts),
            Arc::new(self.sessions),
            None,
            Arc::new(clock()),
        ))
    }
}
