//! `AuthService::login`.

use chrono::Duration;
use keel_domain::RepoError;
use keel_domain::identity::{Email, HashError, PasswordHash, Role, Session, User};
use mockall::predicate::eq;

use super::test_support::{
    ACCESS_TTL_SECS, Mocks, NEW_REFRESH_HASH, NEW_REFRESH_PLAIN, REFRESH_TTL_DAYS, Slot,
    access_token_for, client, deactivated_user, now, stored_hash, user_with_role,
};
use super::{ClientInfo, IdentityError};
use crate::identity::IdentityCase;

const PASSWORD: &str = "correct horse";
/// The throttle key for [`client`] and `ada@example.com`.
const KEY: &str = "203.0.113.7|ada@example.com";

fn email() -> Email {
    Email::parse("ada@example.com").expect("a valid email")
}

/// Throttle open for `key`.
fn expect_not_throttled(m: &mut Mocks, key: &'static str) {
    m.throttle
        .expect_acquire()
        .with(eq(key), eq(now()))
        .times(1)
        .returning(|_, _| None);
}

/// The login fails: the reserved attempt stays counted (neither
/// released nor reset), no session.
fn expect_one_failure(m: &mut Mocks) {
    m.throttle.expect_release().never();
    m.throttle.expect_reset().never();
    m.users.expect_update().never();
    m.sessions.expect_create().never();
}

/// `find_by_email(ada@example.com)` answers `found` once.
fn expect_lookup(m: &mut Mocks, found: Option<User>) {
    m.users
        .expect_find_by_email()
        .with(eq(email()))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

#[tokio::test]
async fn login_with_the_right_password_resets_the_throttle_stamps_last_login_and_opens_a_session() {
    let mut stored = user_with_role(Role::Staff);
    stored.email = email();
    let user_id = stored.id;
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, Some(stored.clone()));
    m.accounts
        .expect_password_hash()
        .with(eq(user_id))
        .times(1)
        .returning(|_| Ok(Some(stored_hash())));
    m.hasher
        .expect_verify()
        .with(eq(PASSWORD), eq(Some(stored_hash())))
        .times(1)
        .returning(|_, _| Ok(true));
    m.throttle
        .expect_reset()
        .with(eq(KEY))
        .times(1)
        .return_const(());
    m.throttle.expect_release().never();
    m.users
        .expect_record_login()
        .with(eq(user_id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
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
        .login(" Ada@Example.com ", PASSWORD, client())
        .await
        .expect("login succeeds");

    let session = opened.take();
    assert_eq!(session.user_id, user_id);
    assert_eq!(session.refresh_token_hash, NEW_REFRESH_HASH);
    assert_eq!(session.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(session.created_at, now());
    assert_eq!(session.expires_at, now() + Duration::days(REFRESH_TTL_DAYS));
    let claims = claims.take();
    assert_eq!(
        (claims.user_id, claims.session_id, claims.role),
        (user_id, session.family_id, Role::Staff)
    );
    assert_eq!(tokens.user.id, user_id);
    assert_eq!(tokens.user.last_login_at, Some(now()));
    assert_eq!(tokens.session_id, session.family_id);
    assert_eq!(tokens.access_token, access_token_for(session.family_id));
    assert_eq!(tokens.refresh_token, NEW_REFRESH_PLAIN);
    assert_eq!(tokens.expires_in, ACCESS_TTL_SECS);
}

#[tokio::test]
async fn login_with_unknown_email_still_runs_one_password_verify() {
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, None);
    m.accounts.expect_password_hash().never();
    m.hasher
        .expect_verify()
        .with(eq(PASSWORD), eq(None::<PasswordHash>))
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("ada@example.com", PASSWORD, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_with_a_malformed_email_skips_the_lookup_but_still_runs_one_password_verify() {
    let key = "203.0.113.7|not-an-email";
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, key);
    m.users.expect_find_by_email().never();
    m.hasher
        .expect_verify()
        .with(eq(PASSWORD), eq(None::<PasswordHash>))
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("Not-An-Email", PASSWORD, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_with_a_wrong_password_records_a_failure_and_returns_invalid_credentials() {
    let mut stored = user_with_role(Role::Customer);
    stored.email = email();
    let user_id = stored.id;
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, Some(stored));
    m.accounts
        .expect_password_hash()
        .with(eq(user_id))
        .times(1)
        .returning(|_| Ok(Some(stored_hash())));
    m.hasher
        .expect_verify()
        .with(eq("wrong horse"), eq(Some(stored_hash())))
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("ada@example.com", "wrong horse", client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_with_a_deactivated_user_verifies_against_no_hash_and_returns_invalid_credentials() {
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, Some(deactivated_user()));
    m.accounts.expect_password_hash().never();
    // Even a hasher that said yes must not let a deactivated user in.
    m.hasher
        .expect_verify()
        .with(eq(PASSWORD), eq(None::<PasswordHash>))
        .times(1)
        .returning(|_, _| Ok(true));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("ada@example.com", PASSWORD, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_for_a_user_without_a_password_verifies_against_no_hash() {
    let mut stored = user_with_role(Role::Customer);
    stored.email = email();
    stored.clerk_id = Some("user_clerk".into());
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, Some(stored));
    m.accounts
        .expect_password_hash()
        .times(1)
        .returning(|_| Ok(None));
    m.hasher
        .expect_verify()
        .with(eq(PASSWORD), eq(None::<PasswordHash>))
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("ada@example.com", PASSWORD, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_while_throttled_returns_throttled_and_never_verifies() {
    let mut m = Mocks::new();
    m.throttle
        .expect_acquire()
        .with(eq(KEY), eq(now()))
        .times(1)
        .returning(|_, _| Some(42));
    m.users.expect_find_by_email().never();
    m.hasher.expect_verify().never();
    m.throttle.expect_release().never();
    m.throttle.expect_reset().never();

    let result = m
        .auth_service()
        .login("ada@example.com", PASSWORD, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::Throttled {
            retry_after_secs: 42
        })
    );
}

#[tokio::test]
async fn login_with_a_password_over_128_characters_never_verifies_and_records_a_failure() {
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    m.users.expect_find_by_email().never();
    m.accounts.expect_password_hash().never();
    m.hasher.expect_verify().never();
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("ada@example.com", &"é".repeat(129), client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_with_a_password_of_exactly_128_characters_is_still_verified() {
    let long = "é".repeat(128);
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, None);
    m.hasher
        .expect_verify()
        .with(eq(long.clone()), eq(None::<PasswordHash>))
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("ada@example.com", &long, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_without_a_client_ip_throttles_on_a_dash_and_the_normalised_email() {
    let key = "-|ada@example.com";
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, key);
    expect_lookup(&mut m, None);
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);

    let result = m
        .auth_service()
        .login("  ADA@example.COM", PASSWORD, ClientInfo::default())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_when_the_hasher_fails_returns_internal_and_releases_the_reserved_attempt() {
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    expect_lookup(&mut m, None);
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Err(HashError::Failed("bad phc string".into())));
    m.throttle
        .expect_release()
        .with(eq(KEY))
        .times(1)
        .return_const(());
    m.throttle.expect_reset().never();
    m.sessions.expect_create().never();

    let result = m
        .auth_service()
        .login("ada@example.com", PASSWORD, client())
        .await;

    assert!(
        matches!(result, Err(IdentityError::Internal(ref why)) if why.chain().contains("bad phc string")),
        "{result:?}"
    );
}

#[tokio::test]
async fn login_when_the_user_store_is_unavailable_returns_unavailable_and_never_verifies() {
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, KEY);
    m.users
        .expect_find_by_email()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("db down".into())));
    m.hasher.expect_verify().never();
    m.throttle
        .expect_release()
        .with(eq(KEY))
        .times(1)
        .return_const(());

    let result = m
        .auth_service()
        .login("ada@example.com", PASSWORD, client())
        .await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Unavailable("db down".into())
    );
}

#[tokio::test]
async fn the_login_email_limit_counts_characters_not_bytes() {
    // 300 two-byte characters: 600 bytes, within the documented 320
    // characters, so it is checked (and fails) like any unknown email.
    let long = "é".repeat(300);
    let key: &'static str = Box::leak(format!("203.0.113.7|{long}").into_boxed_str());
    let mut m = Mocks::new();
    expect_not_throttled(&mut m, key);
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    expect_one_failure(&mut m);
    let result = m.auth_service().login(&long, PASSWORD, client()).await;
    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidCredentials)
    );

    // Over 320 characters: refused before the throttle or the hasher.
    let m = Mocks::new();
    let result = m
        .auth_service()
        .login(&"a".repeat(321), PASSWORD, client())
        .await;
    assert!(
        matches!(result, Err(IdentityError::Validation(_))),
        "{result:?}"
    );
}
