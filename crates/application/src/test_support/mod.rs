//! The one place for use-case test support: the fixed clock, callers, the
//! `Slot` capture helper and the validation-error reader shared by every
//! context, plus one module of fixtures per context.

pub(crate) mod identity;
pub(crate) mod profiles;
pub(crate) mod shop;
pub(crate) mod webhooks;
pub(crate) mod workspace;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use keel_domain::clock::MockClock;
use keel_domain::identity::{Email, Principal, Role, User};

use crate::error::AppError;

/// The instant the fixed clock always reports (2026-01-01T00:00:00Z).
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).expect("a valid timestamp")
}

/// A clock fixed at [`now`].
pub(crate) fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    clock
}

/// An active user with `role` and a distinct email, signed in locally.
pub(crate) fn principal_with(role: Role) -> Principal {
    let mut user = User::new(
        Email::parse(&format!("{role}@example.com")).expect("a valid email"),
        now() - Duration::days(30),
    );
    user.role = role;
    Principal {
        user,
        session_id: None,
        role,
    }
}

/// A value captured inside a mock's closure, read back after the call.
pub(crate) struct Slot<T>(Arc<Mutex<Option<T>>>);

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Slot<T> {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        Self(Arc::new(Mutex::new(None)))
    }

    /// Stores `value`, replacing any earlier one.
    pub(crate) fn put(&self, value: T) {
        *self.0.lock().expect("slot lock") = Some(value);
    }

    /// The stored value; panics when nothing was captured.
    pub(crate) fn take(&self) -> T {
        self.0
            .lock()
            .expect("slot lock")
            .take()
            .expect("the mock captured a value")
    }
}

/// The field names of a `Validation` error, in order; panics on any other result.
pub(crate) fn invalid_fields<T: std::fmt::Debug, C: std::fmt::Debug>(
    result: Result<T, AppError<C>>,
) -> Vec<String> {
    match result {
        Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}
