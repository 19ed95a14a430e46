//! `ExternalUserService::deactivate`: Clerk's `user.deleted`.

use keel_domain::RepoError;
use keel_domain::identity::SessionId;
use mockall::predicate::eq;

use super::external_sync_tests::{SUBJECT, expect_clerk_lookup, linked};
use super::test_support::{Mocks, now};
use super::{IdentityError, SyncOutcome};

/// No user may be written and no session revoked.
fn expect_no_writes(m: &mut Mocks) {
    m.users.expect_update().never();
    m.sessions.expect_revoke_all_for_user().never();
}

#[tokio::test]
async fn deleting_an_unknown_subject_changes_nothing() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    expect_no_writes(&mut m);

    let outcome = m.external_users(None).deactivate(SUBJECT).await;

    assert_eq!(outcome, Ok(SyncOutcome::Unchanged));
}

#[tokio::test]
async fn deleting_an_active_subject_deactivates_the_user_and_revokes_every_session() {
    let stored = linked();
    let id = stored.id;
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, Some(stored));
    m.users
        .expect_set_active()
        .with(eq(id), eq(false), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions
        .expect_revoke_all_for_user()
        .with(eq(id), eq(None::<SessionId>), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(2));

    let outcome = m.external_users(None).deactivate(SUBJECT).await;

    assert_eq!(outcome, Ok(SyncOutcome::Deactivated));
}

#[tokio::test]
async fn deleting_an_already_deactivated_subject_changes_nothing() {
    let mut stored = linked();
    stored.deactivate(now());
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, Some(stored));
    expect_no_writes(&mut m);

    let outcome = m.external_users(None).deactivate(SUBJECT).await;

    assert_eq!(outcome, Ok(SyncOutcome::Unchanged));
}

#[tokio::test]
async fn a_failing_revocation_is_unavailable_and_leaves_the_user_active_for_the_retry() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, Some(linked()));
    m.users.expect_update().never();
    m.sessions
        .expect_revoke_all_for_user()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Unavailable("db down".into())));

    let outcome = m.external_users(None).deactivate(SUBJECT).await;

    assert!(matches!(outcome, Err(IdentityError::Unavailable(_))));
}
