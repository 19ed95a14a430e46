//! `AuthService::register`.

use chrono::Duration;
use keel_domain::RepoError;
use keel_domain::identity::{Email, HashError, PasswordHash, Role, Session, User};
use mockall::Sequence;
use mockall::predicate::eq;

use super::test_support::{
    ACCESS_TTL_SECS, Mocks, NEW_REFRESH_HASH, NEW_REFRESH_PLAIN, REFRESH_TTL_DAYS, Slot,
    access_token_for, client, invalid_fields, now, user,
};
use super::{IdentityError, RegisterCommand};
use crate::identity::IdentityCase;

fn command() -> RegisterCommand {
    RegisterCommand {
        email: "  Ada@Example.COM ".into(),
        password: "correct horse".into(),
        name: Some("  Ada Lovelace ".into()),
        username: Some("ada_l".into()),
    }
}

fn email() -> Email {
    Email::parse("ada@example.com").expect("a valid email")
}

fn new_hash() -> PasswordHash {
    PasswordHash::new("$argon2id$v=19$correct-horse")
}

/// Mocks that reject every port call: validation must fail first.
fn mocks_expecting_no_port_call() -> Mocks {
    let mut m = Mocks::new();
    m.users.expect_find_by_email().never();
    m.users.expect_create().never();
    m.hasher.expect_hash().never();
    m.sessions.expect_create().never();
    m
}

#[tokio::test]
async fn register_hashes_once_stores_the_user_with_its_hash_and_opens_a_session() {
    let mut m = Mocks::new();
    m.users
        .expect_find_by_email()
        .with(eq(email()))
        .times(1)
        .returning(|_| Ok(None));
    m.hasher
        .expect_hash()
        .withf(|p| p.expose() == "correct horse")
        .times(1)
        .returning(|_| Ok(new_hash()));
    let created: Slot<User> = Slot::new();
    let slot = created.clone();
    m.users
        .expect_create()
        .withf(|_, hash| hash.as_ref() == Some(&new_hash()))
        .times(1)
        .returning(move |u, _| {
            slot.put(u.clone());
            Ok(())
        });
    let opened: Slot<Session> = Slot::new();
    let slot = opened.clone();
    m.sessions.expect_create().times(1).returning(move |s| {
        slot.put(s.clone());
        Ok(())
    });
    m.expect_one_new_refresh_token();
    let claims = m.expect_one_access_token();

    let tokens = m
        .auth_service()
        .register(command(), client())
        .await
        .expect("registration succeeds");

    let user = created.take();
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.username.as_deref(), Some("ada_l"));
    assert_eq!(user.role, Role::Customer);
    assert!(user.can_sign_in());
    assert!(!user.email_verified);
    assert_eq!(user.created_at, now());
    assert_eq!(user.last_login_at, Some(now()));

    let session = opened.take();
    assert_eq!(session.user_id, user.id);
    assert_eq!(session.refresh_token_hash, NEW_REFRESH_HASH);
    assert_eq!(session.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(session.user_agent.as_deref(), Some("test-agent/1.0"));
    assert_eq!(session.created_at, now());
    assert_eq!(session.last_used_at, now());
    assert_eq!(session.expires_at, now() + Duration::days(REFRESH_TTL_DAYS));
    assert_eq!((session.revoked_at, session.replaced_by), (None, None));

    let claims = claims.take();
    assert_eq!(claims.user_id, user.id);
    assert_eq!(claims.session_id, session.family_id);
    assert_eq!(claims.role, Role::Customer);

    assert_eq!(tokens.user, user);
    assert_eq!(tokens.session_id, session.family_id);
    assert_eq!(tokens.access_token, access_token_for(session.family_id));
    assert_eq!(tokens.refresh_token, NEW_REFRESH_PLAIN);
    assert_eq!(tokens.expires_in, ACCESS_TTL_SECS);
}

#[tokio::test]
async fn register_with_an_invalid_email_reports_email_and_never_hashes() {
    let cmd = RegisterCommand {
        email: "not-an-email".into(),
        ..command()
    };
    let result = mocks_expecting_no_port_call()
        .auth_service()
        .register(cmd, client())
        .await;
    assert_eq!(invalid_fields(result), ["email"]);
}

#[tokio::test]
async fn register_with_a_seven_character_password_reports_password_and_never_hashes() {
    let cmd = RegisterCommand {
        password: "1234567".into(),
        ..command()
    };
    let result = mocks_expecting_no_port_call()
        .auth_service()
        .register(cmd, client())
        .await;
    assert_eq!(invalid_fields(result), ["password"]);
}

#[tokio::test]
async fn register_with_a_129_character_password_reports_password_and_never_hashes() {
    let cmd = RegisterCommand {
        password: "x".repeat(129),
        ..command()
    };
    let result = mocks_expecting_no_port_call()
        .auth_service()
        .register(cmd, client())
        .await;
    assert_eq!(invalid_fields(result), ["password"]);
}

#[tokio::test]
async fn register_collects_every_invalid_field_into_one_validation_error() {
    let cmd = RegisterCommand {
        email: "ada@".into(),
        password: "short".into(),
        name: Some("   ".into()),
        username: Some("has space".into()),
    };
    let result = mocks_expecting_no_port_call()
        .auth_service()
        .register(cmd, client())
        .await;
    assert_eq!(
        invalid_fields(result),
        ["email", "password", "name", "username"]
    );
}

#[tokio::test]
async fn register_with_a_taken_email_returns_email_taken_without_hashing_or_creating() {
    let mut m = Mocks::new();
    m.users
        .expect_find_by_email()
        .with(eq(email()))
        .times(1)
        .returning(|_| Ok(Some(user())));
    m.hasher.expect_hash().never();
    m.users.expect_create().never();
    m.sessions.expect_create().never();

    let result = m.auth_service().register(command(), client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::EmailTaken)
    );
}

/// Expects: email free, hash, `create` fails with a conflict, then the second
/// email lookup answers `email_now_taken`. No session may be opened.
fn mocks_losing_a_create_race(email_now_taken: bool) -> Mocks {
    let mut m = Mocks::new();
    let mut seq = Sequence::new();
    m.users
        .expect_find_by_email()
        .with(eq(email()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    m.hasher
        .expect_hash()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(new_hash()));
    m.users
        .expect_create()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(RepoError::Conflict("unique violation".into())));
    m.users
        .expect_find_by_email()
        .with(eq(email()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_| Ok(email_now_taken.then(user)));
    m.sessions.expect_create().never();
    m.tokens.expect_new_refresh_token().never();
    m
}

#[tokio::test]
async fn register_losing_a_create_race_for_the_email_returns_email_taken() {
    let result = mocks_losing_a_create_race(true)
        .auth_service()
        .register(command(), client())
        .await;
    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::EmailTaken)
    );
}

#[tokio::test]
async fn register_with_a_conflict_while_the_email_is_still_free_blames_the_username() {
    let result = mocks_losing_a_create_race(false)
        .auth_service()
        .register(command(), client())
        .await;
    assert_eq!(
        result.unwrap_err(),
        IdentityError::Conflict("username is already taken".into())
    );
}

#[tokio::test]
async fn register_when_create_is_unavailable_returns_unavailable_and_opens_no_session() {
    let mut m = Mocks::new();
    m.users
        .expect_find_by_email()
        .times(1)
        .returning(|_| Ok(None));
    m.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(new_hash()));
    m.users
        .expect_create()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("db down".into())));
    m.sessions.expect_create().never();

    let result = m.auth_service().register(command(), client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Unavailable("db down".into())
    );
}

#[tokio::test]
async fn register_when_the_hasher_fails_returns_internal_and_creates_nothing() {
    let mut m = Mocks::new();
    m.users
        .expect_find_by_email()
        .times(1)
        .returning(|_| Ok(None));
    m.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Err(HashError::Failed("out of memory".into())));
    m.users.expect_create().never();
    m.sessions.expect_create().never();

    let result = m.auth_service().register(command(), client()).await;

    assert!(
        matches!(result, Err(IdentityError::Internal(ref why)) if why.chain().contains("out of memory")),
        "{result:?}"
    );
}
