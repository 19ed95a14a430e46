//! `ExternalUserService::principal_for`: the local user behind a verified
//! Clerk session token, provisioned on first sight.

use keel_domain::RepoError;
use keel_domain::identity::external::MockExternalDirectory;
use keel_domain::identity::{
    AccountProvider, AuthError, Email, ExternalIdentity, ExternalProfile, Role, User,
};
use mockall::Sequence;
use mockall::predicate::eq;

use super::test_support::{Mocks, Slot, deactivated_user, now, user_with_role};

const SUBJECT: &str = "user_2abcXYZ";
const PLACEHOLDER: &str = "user_2abcxyz@clerk.invalid";

/// A verified token for [`SUBJECT`] granting `role`, carrying `email`.
fn identity(role: Role, email: Option<&str>) -> ExternalIdentity {
    ExternalIdentity {
        subject: SUBJECT.into(),
        session_id: Some("sess_1".into()),
        role,
        impersonated: false,
        email: email.map(str::to_owned),
    }
}

/// A user already linked to [`SUBJECT`], stored with `role`.
fn linked_user(role: Role) -> User {
    let mut user = user_with_role(role);
    user.clerk_id = Some(SUBJECT.into());
    user
}

/// `find_by_clerk_id(SUBJECT)` answers `found` once.
fn expect_clerk_lookup(m: &mut Mocks, found: Option<User>) {
    m.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

/// Exactly one `create` (without password) that succeeds; returns the slot
/// the created user lands in. The `clerk` link of that user is expected too.
fn expect_one_create_and_link(m: &mut Mocks) -> Slot<User> {
    let created = Slot::new();
    let slot = created.clone();
    let linked = Slot::new();
    let linked_id = linked.clone();
    m.users
        .expect_create()
        .withf(|_, hash| hash.is_none())
        .times(1)
        .returning(move |u, _| {
            slot.put(u.clone());
            linked_id.put(u.id);
            Ok(())
        });
    m.accounts
        .expect_link()
        .withf(move |_, provider, account, at| {
            *provider == AccountProvider::Clerk && account == SUBJECT && *at == now()
        })
        .times(1)
        .returning(move |id, _, _, _| {
            assert_eq!(id, linked.take(), "links the user it just created");
            Ok(())
        });
    created
}

#[tokio::test]
async fn a_known_subject_yields_its_user_with_the_token_role_and_no_session() {
    let stored = linked_user(Role::Admin);
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, Some(stored.clone()));
    m.users.expect_create().never();
    m.users.expect_update().never();

    let principal = m
        .external_users(None)
        .principal_for(identity(Role::Staff, None))
        .await
        .expect("authenticated");

    assert_eq!(principal.user, stored);
    assert_eq!(
        principal.role,
        Role::Staff,
        "the token's role, not the stored one"
    );
    assert_eq!(principal.session_id, None);
}

#[tokio::test]
async fn a_known_but_deactivated_subject_is_an_invalid_token() {
    let mut stored = deactivated_user();
    stored.clerk_id = Some(SUBJECT.into());
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, Some(stored));
    m.users.expect_create().never();

    let result = m
        .external_users(None)
        .principal_for(identity(Role::Customer, None))
        .await;

    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
}

#[tokio::test]
async fn an_unknown_subject_without_email_is_provisioned_with_an_unverified_placeholder() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    m.users.expect_find_by_email().never();
    let created = expect_one_create_and_link(&mut m);

    let principal = m
        .external_users(None)
        .principal_for(identity(Role::Staff, None))
        .await
        .expect("provisioned");

    let user = created.take();
    assert_eq!(user.email.as_str(), PLACEHOLDER);
    assert!(!user.email_verified);
    assert_eq!(user.clerk_id.as_deref(), Some(SUBJECT));
    assert_eq!(user.role, Role::Staff, "the role the token grants");
    assert!(user.can_sign_in());
    assert_eq!(user.created_at, now());
    assert_eq!(principal.user, user);
    assert_eq!(principal.role, Role::Staff);
    assert_eq!(principal.session_id, None);
}

#[tokio::test]
async fn a_token_email_is_used_for_a_new_user_but_never_counts_as_verified() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    m.users.expect_find_by_email().never();
    let created = expect_one_create_and_link(&mut m);
    let mut directory = MockExternalDirectory::new();
    directory.expect_profile().never();

    m.external_users(Some(directory))
        .principal_for(identity(Role::Customer, Some(" Ada@Example.com ")))
        .await
        .expect("provisioned");

    let user = created.take();
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert!(!user.email_verified);
}

#[tokio::test]
async fn a_missing_email_is_fetched_once_from_the_directory_and_its_profile_used() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    let mut directory = MockExternalDirectory::new();
    directory
        .expect_profile()
        .with(eq(SUBJECT))
        .times(1)
        .returning(|_| {
            Ok(Some(ExternalProfile {
                email: Some("grace@example.com".into()),
                email_verified: true,
                name: Some("Grace Hopper".into()),
                username: Some("grace".into()),
                image_url: Some("https://img.clerk.com/grace.png".into()),
            }))
        });
    // A verified directory email may link a local account: there is none.
    m.users
        .expect_find_by_email()
        .with(eq(Email::parse("grace@example.com").expect("a valid email")))
        .times(1)
        .returning(|_| Ok(None));
    let created = expect_one_create_and_link(&mut m);

    m.external_users(Some(directory))
        .principal_for(identity(Role::Customer, None))
        .await
        .expect("provisioned");

    let user = created.take();
    assert_eq!(user.email.as_str(), "grace@example.com");
    assert!(user.email_verified);
    assert_eq!(user.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(user.username.as_deref(), Some("grace"));
    assert_eq!(
        user.image_url.as_deref(),
        Some("https://img.clerk.com/grace.png")
    );
}

#[tokio::test]
async fn a_failing_directory_does_not_fail_provisioning_which_falls_back_to_the_placeholder() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    let mut directory = MockExternalDirectory::new();
    directory
        .expect_profile()
        .with(eq(SUBJECT))
        .times(1)
        .returning(|_| Err("connection refused".into()));
    let created = expect_one_create_and_link(&mut m);

    let principal = m
        .external_users(Some(directory))
        .principal_for(identity(Role::Customer, None))
        .await
        .expect("provisioned despite the directory");

    let user = created.take();
    assert_eq!(user.email.as_str(), PLACEHOLDER);
    assert!(!user.email_verified);
    assert_eq!(principal.user, user);
}

#[tokio::test]
async fn an_impersonated_first_sight_stores_a_customer_whatever_the_token_role() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    let created = expect_one_create_and_link(&mut m);
    let impersonated = ExternalIdentity {
        impersonated: true,
        ..identity(Role::Staff, None)
    };

    let principal = m
        .external_users(None)
        .principal_for(impersonated)
        .await
        .expect("provisioned");

    assert_eq!(created.take().role, Role::Customer);
    assert_eq!(
        principal.role,
        Role::Staff,
        "this request keeps the token role"
    );
}

#[tokio::test]
async fn losing_the_create_race_returns_the_user_the_winner_stored() {
    let winner = linked_user(Role::Customer);
    let found = winner.clone();
    let mut m = Mocks::new();
    let mut seq = Sequence::new();
    m.users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
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
        .returning(move |_| Ok(Some(found.clone())));
    m.accounts.expect_link().never();

    let principal = m
        .external_users(None)
        .principal_for(identity(Role::Customer, None))
        .await
        .expect("the winner's user");

    assert_eq!(principal.user, winner);
}

#[tokio::test]
async fn a_failing_user_lookup_is_unavailable() {
    let mut m = Mocks::new();
    m.users
        .expect_find_by_clerk_id()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("db down".into())));
    m.users.expect_create().never();

    let result = m
        .external_users(None)
        .principal_for(identity(Role::Customer, None))
        .await;

    assert!(matches!(result, Err(AuthError::Unavailable { .. })));
}

#[tokio::test]
async fn a_failing_create_is_unavailable_and_links_nothing() {
    let mut m = Mocks::new();
    expect_clerk_lookup(&mut m, None);
    m.users
        .expect_create()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("db down".into())));
    m.accounts.expect_link().never();

    let result = m
        .external_users(None)
        .principal_for(identity(Role::Customer, None))
        .await;

    assert!(matches!(result, Err(AuthError::Unavailable { .. })));
}
