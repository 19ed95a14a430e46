//! `ExternalUserService::apply_update`: profiles pushed by Clerk's
//! `user.created` / `user.updated` webhooks.

use keel_domain::RepoError;
use keel_domain::identity::{AccountProvider, Email, ExternalProfile, Role, User, UserId};
use mockall::Sequence;
use mockall::predicate::eq;

use super::test_support::{Mocks, Slot, now, user};
use super::{ExternalUserUpdate, IdentityError, SyncOutcome};

pub(super) const SUBJECT: &str = "user_29w83sxm";
pub(super) const PLACEHOLDER: &str = "user_29w83sxm@clerk.invalid";
pub(super) const UPDATED_AT: i64 = 1_654_012_591_835;

pub(super) fn email(raw: &str) -> Email {
    Email::parse(raw).expect("a valid email")
}

/// A delivery for [`SUBJECT`] at [`UPDATED_AT`] with a verified
/// `ada@example.com`, a new name and the staff role.
pub(super) fn update() -> ExternalUserUpdate {
    ExternalUserUpdate {
        subject: SUBJECT.into(),
        profile: ExternalProfile {
            email: Some("ada@example.com".into()),
            email_verified: true,
            name: Some("Ada Lovelace".into()),
            username: None,
            image_url: None,
        },
        role: Some(Role::Staff),
        updated_at_ms: UPDATED_AT,
    }
}

/// [`user`] (verified `ada@example.com`, customer) linked to [`SUBJECT`],
/// last changed a month ago.
pub(super) fn linked() -> User {
    let mut user = user();
    user.email_verified = true;
    user.clerk_id = Some(SUBJECT.into());
    user
}

/// [`user`] as a verified local account, not linked to Clerk.
pub(super) fn local_verified() -> User {
    let mut user = user();
    user.email_verified = true;
    user
}

/// The last applied delivery of [`SUBJECT`] is `last`.
pub(super) fn expect_synced_at(m: &mut Mocks, last: Option<i64>) {
    m.accounts
        .expect_synced_at()
        .with(eq(AccountProvider::Clerk), eq(SUBJECT))
        .times(1)
        .returning(move |_, _| Ok(last));
}

/// `find_by_clerk_id(SUBJECT)` answers `found` once.
pub(super) fn expect_clerk_lookup(m: &mut Mocks, found: Option<User>) {
    m.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

/// `find_by_email(raw)` answers `found` once.
pub(super) fn expect_email_lookup(m: &mut Mocks, raw: &str, found: Option<User>) {
    m.users
        .expect_find_by_email()
        .with(eq(email(raw)))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

/// Exactly one `set_role(_, staff, now)`: the role of [`update`] lands
/// through its own write, never with the profile.
pub(super) fn expect_staff_role(m: &mut Mocks) {
    m.users
        .expect_set_role()
        .withf(|_, role, at| *role == Role::Staff && *at == now())
        .times(1)
        .returning(|_, _, _| Ok(()));
}

/// Exactly one `update`, captured.
pub(super) fn expect_one_update(m: &mut Mocks) -> Slot<User> {
    let saved = Slot::new();
    let slot = saved.clone();
    m.users.expect_update().times(1).returning(move |u| {
        slot.put(u.clone());
        Ok(())
    });
    saved
}

/// `mark_synced(clerk, SUBJECT, updated_at_ms, now)` once.
pub(super) fn expect_marked(m: &mut Mocks, updated_at_ms: i64) {
    m.accounts
        .expect_mark_synced()
        .with(
            eq(AccountProvider::Clerk),
            eq(SUBJECT),
            eq(updated_at_ms),
            eq(now()),
        )
        .times(1)
        .returning(|_, _, _, _| Ok(()));
}

/// `link(user_id, clerk, SUBJECT, now)` once.
pub(super) fn expect_link(m: &mut Mocks, user_id: UserId) {
    m.accounts
        .expect_link()
        .with(
            eq(user_id),
            eq(AccountProvider::Clerk),
            eq(SUBJECT),
            eq(now()),
        )
        .times(1)
        .returning(|_, _, _, _| Ok(()));
}

#[tokio::test]
async fn a_delivery_older_than_the_last_applied_one_is_stale_and_writes_nothing() {
    let mut m = Mocks::new();
    expect_synced_at(&mut m, Some(UPDATED_AT + 1));
    m.users.expect_find_by_clerk_id().never();
    m.users.expect_create().never();
    m.users.expect_update().never();
    m.accounts.expect_mark_synced().never();

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Stale));
}

#[tokio::test]
async fn a_delivery_as_new_as_the_last_applied_one_is_applied() {
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, Some(UPDATED_AT));
    expect_clerk_lookup(&mut m, Some(linked()));
    let saved = expect_one_update(&mut m);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
    assert_eq!(saved.take().name.as_deref(), Some("Ada Lovelace"));
}

#[tokio::test]
async fn a_linked_user_gets_name_email_verification_and_role_and_the_delivery_is_marked() {
    let mut stored = linked();
    stored.email = email("old@example.com");
    stored.email_verified = false;
    let id = stored.id;
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, Some(UPDATED_AT - 10));
    expect_clerk_lookup(&mut m, Some(stored));
    expect_email_lookup(&mut m, "ada@example.com", None);
    let saved = expect_one_update(&mut m);
    expect_marked(&mut m, UPDATED_AT);
    m.users.expect_create().never();
    m.accounts.expect_link().never();

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
    let user = saved.take();
    assert_eq!(user.id, id);
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert!(user.email_verified);
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.role, Role::Staff);
    assert_eq!(user.clerk_id.as_deref(), Some(SUBJECT));
    assert_eq!(user.updated_at, now());
}

#[tokio::test]
async fn an_email_taken_by_another_user_is_kept_and_the_rest_is_applied() {
    let mut stored = linked();
    stored.email = email("old@example.com");
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, Some(stored));
    let mut other = user();
    other.email = email("ada@example.com");
    expect_email_lookup(&mut m, "ada@example.com", Some(other));
    let saved = expect_one_update(&mut m);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
    let user = saved.take();
    assert_eq!(user.email.as_str(), "old@example.com");
    assert!(
        user.email_verified,
        "the kept email keeps its own verification"
    );
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.role, Role::Staff);
}

#[tokio::test]
async fn an_invalid_username_or_image_in_the_profile_is_skipped_not_an_error() {
    let stored = linked();
    let mut bad = update();
    bad.profile.username = Some("no spaces allowed".into());
    bad.profile.image_url = Some("javascript:alert(1)".into());
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, Some(stored.clone()));
    let saved = expect_one_update(&mut m);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&bad).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
    let user = saved.take();
    assert_eq!(user.username, stored.username);
    assert_eq!(user.image_url, stored.image_url);
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
}

#[tokio::test]
async fn a_username_taken_meanwhile_is_dropped_and_the_rest_saved_again() {
    let stored = linked();
    let mut taken = update();
    taken.profile.username = Some("lovelace".into());
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, Some(stored.clone()));
    let mut seq = Sequence::new();
    m.users
        .expect_update()
        .withf(|u| u.username.as_deref() == Some("lovelace"))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Err(RepoError::Conflict("users_username_key".into())));
    let saved = Slot::new();
    let slot = saved.clone();
    m.users
        .expect_update()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |u| {
            slot.put(u.clone());
            Ok(())
        });
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&taken).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
    let user = saved.take();
    assert_eq!(user.username, stored.username);
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.role, Role::Staff);
}

#[tokio::test]
async fn an_unchanged_profile_writes_no_user_but_is_still_marked() {
    let mut stored = linked();
    stored.name = Some("Ada Lovelace".into());
    stored.role = Role::Staff;
    let mut m = Mocks::new();
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, Some(stored));
    m.users.expect_update().never();
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
}

#[tokio::test]
async fn a_failing_mark_synced_is_reported_as_unavailable() {
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, Some(linked()));
    expect_one_update(&mut m);
    m.accounts
        .expect_mark_synced()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Unavailable("db down".into())));

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert!(matches!(outcome, Err(IdentityError::Unavailable(_))));
}
