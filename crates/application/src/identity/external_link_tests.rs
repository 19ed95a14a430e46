//! `ExternalUserService::apply_update` for subjects Keel has not seen yet:
//! linking a local account by verified email, or creating a user.

use keel_domain::RepoError;
use keel_domain::identity::{AccountProvider, Role, User};
use mockall::Sequence;
use mockall::predicate::eq;

use super::SyncOutcome;
use super::external_sync_tests::{
    PLACEHOLDER, SUBJECT, UPDATED_AT, expect_clerk_lookup, expect_email_lookup, expect_link,
    expect_marked, expect_one_update, expect_staff_role, expect_synced_at, local_verified, update,
};
use super::test_support::{Mocks, Slot, now};

#[tokio::test]
async fn a_new_subject_with_a_verified_email_links_the_verified_local_account() {
    let local = local_verified();
    let id = local.id;
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, None);
    expect_email_lookup(&mut m, "ada@example.com", Some(local));
    let saved = expect_one_update(&mut m);
    expect_link(&mut m, id);
    expect_marked(&mut m, UPDATED_AT);
    m.users.expect_create().never();

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Linked));
    let user = saved.take();
    assert_eq!(user.id, id);
    assert_eq!(user.clerk_id.as_deref(), Some(SUBJECT));
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.role, Role::Staff);
}

#[tokio::test]
async fn linking_a_local_account_whose_profile_already_matches_still_saves_the_clerk_id() {
    let mut local = local_verified();
    local.name = Some("Ada Lovelace".into());
    local.role = Role::Staff;
    let id = local.id;
    let mut m = Mocks::new();
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, None);
    expect_email_lookup(&mut m, "ada@example.com", Some(local));
    let saved = expect_one_update(&mut m);
    expect_link(&mut m, id);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Linked));
    assert_eq!(saved.take().clerk_id.as_deref(), Some(SUBJECT));
}

/// `create` conflicts on `ada@example.com`, nobody holds [`SUBJECT`], then the
/// placeholder user is created and linked; returns it.
fn expect_created_under_placeholder(m: &mut Mocks) -> Slot<User> {
    let mut seq = Sequence::new();
    m.users
        .expect_create()
        .withf(|u, _| u.email.as_str() == "ada@example.com")
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(RepoError::Conflict("users_email_key".into())));
    m.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    let created = Slot::new();
    let slot = created.clone();
    let linked_id = Slot::new();
    let put_id = linked_id.clone();
    m.users
        .expect_create()
        .withf(|u, hash| u.email.as_str() == PLACEHOLDER && hash.is_none())
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |u, _| {
            slot.put(u.clone());
            put_id.put(u.id);
            Ok(())
        });
    m.accounts
        .expect_link()
        .withf(|_, p, a, at| *p == AccountProvider::Clerk && a == SUBJECT && *at == now())
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |id, _, _, _| {
            assert_eq!(id, linked_id.take());
            Ok(())
        });
    m.users.expect_update().never();
    created
}

#[tokio::test]
async fn an_unverified_local_account_is_not_linked_and_a_placeholder_user_is_created() {
    let mut local = local_verified();
    local.email_verified = false;
    let mut m = Mocks::new();
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, None);
    expect_email_lookup(&mut m, "ada@example.com", Some(local));
    let created = expect_created_under_placeholder(&mut m);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Created));
    let user = created.take();
    assert!(!user.email_verified, "a placeholder is never verified");
    assert_eq!(user.clerk_id.as_deref(), Some(SUBJECT));
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.role, Role::Staff);
}

#[tokio::test]
async fn an_unverified_clerk_email_links_nothing_and_a_placeholder_user_is_created() {
    let mut unverified = update();
    unverified.profile.email_verified = false;
    let mut m = Mocks::new();
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, None);
    m.users.expect_find_by_email().never();
    let created = expect_created_under_placeholder(&mut m);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&unverified).await;

    assert_eq!(outcome, Ok(SyncOutcome::Created));
    assert_eq!(created.take().email.as_str(), PLACEHOLDER);
}

#[tokio::test]
async fn a_verified_local_account_already_linked_elsewhere_is_not_relinked() {
    let mut local = local_verified();
    local.clerk_id = Some("user_someone_else".into());
    let mut m = Mocks::new();
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, None);
    expect_email_lookup(&mut m, "ada@example.com", Some(local));
    let created = expect_created_under_placeholder(&mut m);
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Created));
    assert_eq!(created.take().email.as_str(), PLACEHOLDER);
}

#[tokio::test]
async fn a_new_subject_with_a_free_email_gets_a_user_with_that_email_and_its_verification() {
    let mut m = Mocks::new();
    expect_synced_at(&mut m, None);
    expect_clerk_lookup(&mut m, None);
    expect_email_lookup(&mut m, "ada@example.com", None);
    let created = Slot::new();
    let slot = created.clone();
    m.users.expect_create().times(1).returning(move |u, _| {
        slot.put(u.clone());
        Ok(())
    });
    m.accounts
        .expect_link()
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Created));
    let user = created.take();
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert!(user.email_verified);
    assert_eq!(user.role, Role::Staff);
    assert_eq!(user.created_at, now());
}

#[tokio::test]
async fn a_delivery_that_loses_the_create_race_applies_its_profile_to_the_winner() {
    // A token provisioned the subject meanwhile, with a placeholder email.
    let mut winner = User::new(
        keel_domain::identity::Email::parse(PLACEHOLDER).expect("a valid email"),
        now(),
    );
    winner.clerk_id = Some(SUBJECT.into());
    let id = winner.id;
    let mut m = Mocks::new();
    expect_staff_role(&mut m);
    expect_synced_at(&mut m, None);
    let mut seq = Sequence::new();
    m.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    m.users
        .expect_find_by_email()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    m.users
        .expect_create()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(RepoError::Conflict("users_clerk_id_key".into())));
    m.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_| Ok(Some(winner.clone())));
    m.users
        .expect_find_by_email()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    let saved = expect_one_update(&mut m);
    m.accounts.expect_link().never();
    expect_marked(&mut m, UPDATED_AT);

    let outcome = m.external_users(None).apply_update(&update()).await;

    assert_eq!(outcome, Ok(SyncOutcome::Updated));
    let user = saved.take();
    assert_eq!(user.id, id);
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert!(user.email_verified);
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.role, Role::Staff);
}
