//! `UserService::update_me`, `change_password` and `delete_me`.

use keel_domain::RepoError;
use keel_domain::identity::{PasswordHash, SessionId, User};
use mockall::predicate::eq;

use super::test_support::{Mocks, invalid_fields, now, principal, stored_hash, user};
use super::{IdentityError, UpdateMe};

const CURRENT: &str = "old password";
const NEW: &str = "new password!";

fn new_hash() -> PasswordHash {
    PasswordHash::new("$argon2id$v=19$new")
}

/// Mocks that accept no user update.
fn mocks_expecting_no_update() -> Mocks {
    let mut m = Mocks::new();
    m.users.expect_update().never();
    m
}

#[tokio::test]
async fn update_me_reports_a_bad_name_username_and_image_url_each_under_its_field() {
    let update = UpdateMe {
        name: Some(Some("   ".into())),
        username: Some(Some("no spaces allowed".into())),
        image_url: Some(Some("javascript:alert(1)".into())),
    };
    let result = mocks_expecting_no_update()
        .user_service()
        .update_me(&principal(user(), None), update)
        .await;
    assert_eq!(invalid_fields(result), ["name", "username", "image_url"]);
}

#[tokio::test]
async fn update_me_with_only_a_relative_image_url_reports_only_image_url() {
    let update = UpdateMe {
        name: Some(Some("Ada".into())),
        image_url: Some(Some("/me.png".into())),
        ..UpdateMe::default()
    };
    let result = mocks_expecting_no_update()
        .user_service()
        .update_me(&principal(user(), None), update)
        .await;
    assert_eq!(invalid_fields(result), ["image_url"]);
}

#[tokio::test]
async fn update_me_saves_trimmed_values_and_stamps_updated_at() {
    let me = user();
    let id = me.id;
    let mut m = Mocks::new();
    m.users
        .expect_update()
        .withf(move |u| {
            u.id == id
                && u.name.as_deref() == Some("Ada L.")
                && u.username.as_deref() == Some("ada.l")
                && u.image_url.as_deref() == Some("https://cdn.example.com/new.png")
                && u.updated_at == now()
        })
        .times(1)
        .returning(|_| Ok(()));
    let update = UpdateMe {
        name: Some(Some("  Ada L. ".into())),
        username: Some(Some(" ada.l ".into())),
        image_url: Some(Some(" https://cdn.example.com/new.png ".into())),
    };

    let saved = m
        .user_service()
        .update_me(&principal(me, None), update)
        .await
        .expect("update succeeds");

    assert_eq!(saved.name.as_deref(), Some("Ada L."));
    assert_eq!(saved.username.as_deref(), Some("ada.l"));
    assert_eq!(
        saved.image_url.as_deref(),
        Some("https://cdn.example.com/new.png")
    );
    assert_eq!(saved.updated_at, now());
}

#[tokio::test]
async fn update_me_with_null_clears_the_field_and_leaves_absent_fields_alone() {
    let me = user();
    let expected = User {
        image_url: None,
        updated_at: now(),
        ..me.clone()
    };
    let saved_as = expected.clone();
    let mut m = Mocks::new();
    m.users
        .expect_update()
        .with(eq(saved_as))
        .times(1)
        .returning(|_| Ok(()));
    let update = UpdateMe {
        image_url: Some(None),
        ..UpdateMe::default()
    };

    let saved = m
        .user_service()
        .update_me(&principal(me.clone(), None), update)
        .await
        .expect("update succeeds");

    assert_eq!(saved, expected);
    assert_eq!(saved.name, me.name);
    assert_eq!(saved.username, me.username);
}

#[tokio::test]
async fn update_me_with_a_taken_username_returns_conflict() {
    let mut m = Mocks::new();
    m.users
        .expect_update()
        .times(1)
        .returning(|_| Err(RepoError::Conflict("users_username_key".into())));
    let update = UpdateMe {
        username: Some(Some("taken".into())),
        ..UpdateMe::default()
    };

    let result = m
        .user_service()
        .update_me(&principal(user(), None), update)
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Conflict("username is already taken".into())
    );
}

#[tokio::test]
async fn update_me_when_storage_is_unavailable_returns_unavailable() {
    let mut m = Mocks::new();
    m.users
        .expect_update()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("db down".into())));

    let result = m
        .user_service()
        .update_me(&principal(user(), None), UpdateMe::default())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Unavailable("db down".into())
    );
}

/// Mocks where no password is stored and no session revoked.
fn mocks_expecting_no_password_change() -> Mocks {
    let mut m = Mocks::new();
    m.hasher.expect_hash().never();
    m.accounts.expect_set_password_hash().never();
    m.sessions.expect_revoke_all_for_user().never();
    m
}

#[tokio::test]
async fn change_password_with_a_wrong_current_password_reports_current_password_and_changes_nothing()
 {
    let me = user();
    let mut m = mocks_expecting_no_password_change();
    m.accounts
        .expect_password_hash()
        .with(eq(me.id))
        .times(1)
        .returning(|_| Ok(Some(stored_hash())));
    m.hasher
        .expect_verify()
        .with(eq("wrong password"), eq(Some(stored_hash())))
        .times(1)
        .returning(|_, _| Ok(false));

    let result = m
        .user_service()
        .change_password(&principal(me, None), "wrong password", NEW)
        .await;

    assert_eq!(invalid_fields(result), ["current_password"]);
}

#[tokio::test]
async fn change_password_sets_the_new_hash_and_revokes_every_other_session() {
    let me = user();
    let sid = SessionId::generate();
    let mut m = Mocks::new();
    m.accounts
        .expect_password_hash()
        .with(eq(me.id))
        .times(1)
        .returning(|_| Ok(Some(stored_hash())));
    m.hasher
        .expect_verify()
        .with(eq(CURRENT), eq(Some(stored_hash())))
        .times(1)
        .returning(|_, _| Ok(true));
    m.hasher
        .expect_hash()
        .withf(|p| p.expose() == NEW)
        .times(1)
        .returning(|_| Ok(new_hash()));
    m.accounts
        .expect_set_password_hash()
        .with(eq(me.id), eq(new_hash()), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions
        .expect_revoke_all_for_user()
        .with(eq(me.id), eq(Some(sid)), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(3));

    let result = m
        .user_service()
        .change_password(&principal(me, Some(sid)), CURRENT, NEW)
        .await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn change_password_with_a_too_short_new_password_reports_new_password_before_any_lookup() {
    let mut m = mocks_expecting_no_password_change();
    m.accounts.expect_password_hash().never();
    m.hasher.expect_verify().never();

    let result = m
        .user_service()
        .change_password(&principal(user(), None), CURRENT, "1234567")
        .await;

    assert_eq!(invalid_fields(result), ["new_password"]);
}

#[tokio::test]
async fn change_password_with_a_129_character_new_password_reports_new_password() {
    let mut m = mocks_expecting_no_password_change();
    m.accounts.expect_password_hash().never();
    m.hasher.expect_verify().never();

    let result = m
        .user_service()
        .change_password(&principal(user(), None), CURRENT, &"x".repeat(129))
        .await;

    assert_eq!(invalid_fields(result), ["new_password"]);
}

#[tokio::test]
async fn change_password_with_a_current_password_over_128_characters_never_verifies() {
    let mut m = mocks_expecting_no_password_change();
    m.accounts
        .expect_password_hash()
        .times(1)
        .returning(|_| Ok(Some(stored_hash())));
    m.hasher.expect_verify().never();

    let result = m
        .user_service()
        .change_password(&principal(user(), None), &"x".repeat(129), NEW)
        .await;

    assert_eq!(invalid_fields(result), ["current_password"]);
}

#[tokio::test]
async fn change_password_for_a_user_without_a_password_verifies_against_no_hash() {
    let mut m = mocks_expecting_no_password_change();
    m.accounts
        .expect_password_hash()
        .times(1)
        .returning(|_| Ok(None));
    m.hasher
        .expect_verify()
        .with(eq(CURRENT), eq(None::<PasswordHash>))
        .times(1)
        .returning(|_, _| Ok(false));

    let result = m
        .user_service()
        .change_password(&principal(user(), None), CURRENT, NEW)
        .await;

    assert_eq!(invalid_fields(result), ["current_password"]);
}

#[tokio::test]
async fn delete_me_deactivates_the_caller_and_revokes_all_their_sessions() {
    let me = user();
    let id = me.id;
    let mut m = Mocks::new();
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

    let result = m
        .user_service()
        .delete_me(&principal(me, Some(SessionId::generate())))
        .await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn delete_me_when_the_user_store_fails_revokes_nothing() {
    let mut m = Mocks::new();
    m.users
        .expect_set_active()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Unavailable("db down".into())));
    m.sessions.expect_revoke_all_for_user().never();

    let result = m.user_service().delete_me(&principal(user(), None)).await;

    assert_eq!(result, Err(IdentityError::Unavailable("db down".into())));
}
