//! `AuthService::refresh`.

use chrono::Duration;
use keel_domain::RepoError;
use keel_domain::identity::{Role, Session, User};
use mockall::predicate::{always, eq};
use uuid::Uuid;

use super::IdentityError;
use super::test_support::{
    ACCESS_TTL_SECS, Mocks, NEW_REFRESH_HASH, NEW_REFRESH_PLAIN, REFRESH_TTL_DAYS, Slot,
    access_token_for, client, deactivated_user, now, session_of, user, user_with_role,
};
use crate::identity::IdentityCase;

const OLD_PLAIN: &str = "old-refresh-plain";
const OLD_HASH: &str = "old-refresh-hash";

/// `OLD_PLAIN` hashes to `OLD_HASH`, whose row is `row`.
fn expect_lookup(m: &mut Mocks, row: Option<Session>) {
    m.tokens
        .expect_hash_refresh_token()
        .with(eq(OLD_PLAIN))
        .times(1)
        .returning(|_| OLD_HASH.into());
    m.sessions
        .expect_find_by_refresh_hash()
        .with(eq(OLD_HASH))
        .times(1)
        .returning(move |_| Ok(row.clone()));
}

/// `find_by_id(id)` answers `found` once.
fn expect_owner(m: &mut Mocks, current: &Session, found: Option<User>) {
    m.users
        .expect_find_by_id()
        .with(eq(current.user_id))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

/// The whole family of `current` is revoked exactly once; nothing is issued.
fn expect_family_revoked(m: &mut Mocks, current: &Session) {
    m.sessions
        .expect_revoke_family()
        .with(eq(current.family_id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(2));
    m.tokens.expect_issue_access().never();
}

/// No rotation and no family revocation.
fn expect_nothing_changed(m: &mut Mocks) {
    m.sessions.expect_rotate().never();
    m.sessions.expect_revoke_family().never();
    m.tokens.expect_new_refresh_token().never();
    m.tokens.expect_issue_access().never();
}

#[tokio::test]
async fn refresh_rotates_to_a_successor_in_the_same_family_and_returns_new_tokens() {
    let owner = user_with_role(Role::Staff);
    let current = session_of(owner.id);
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current.clone()));
    expect_owner(&mut m, &current, Some(owner.clone()));
    m.expect_one_new_refresh_token();
    let claims = m.expect_one_access_token();
    let successor: Slot<Session> = Slot::new();
    let slot = successor.clone();
    let current_id = current.id;
    m.sessions
        .expect_rotate()
        .withf(move |id, _| *id == current_id)
        .times(1)
        .returning(move |_, s| {
            slot.put(s.clone());
            Ok(true)
        });
    m.sessions.expect_revoke_family().never();

    let tokens = m
        .auth_service()
        .refresh(OLD_PLAIN, client())
        .await
        .expect("refresh succeeds");

    let next = successor.take();
    assert_ne!(next.id, current.id);
    assert_eq!(next.family_id, current.family_id);
    assert_eq!(next.user_id, owner.id);
    assert_eq!(next.created_at, current.created_at);
    assert_eq!(next.refresh_token_hash, NEW_REFRESH_HASH);
    assert_eq!(next.last_used_at, now());
    assert_eq!(next.expires_at, now() + Duration::days(REFRESH_TTL_DAYS));
    assert_eq!(next.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(next.user_agent.as_deref(), Some("test-agent/1.0"));
    assert_eq!((next.revoked_at, next.replaced_by), (None, None));

    let claims = claims.take();
    assert_eq!(
        (claims.user_id, claims.session_id, claims.role),
        (owner.id, current.family_id, Role::Staff)
    );
    assert_eq!(tokens.user, owner);
    assert_eq!(tokens.session_id, current.family_id);
    assert_eq!(tokens.access_token, access_token_for(current.family_id));
    assert_eq!(tokens.refresh_token, NEW_REFRESH_PLAIN);
    assert_eq!(tokens.expires_in, ACCESS_TTL_SECS);
}

#[tokio::test]
async fn refresh_with_an_unknown_token_returns_invalid_token() {
    let mut m = Mocks::new();
    expect_lookup(&mut m, None);
    m.users.expect_find_by_id().never();
    expect_nothing_changed(&mut m);

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_with_an_already_rotated_token_revokes_the_whole_family() {
    let current = Session {
        replaced_by: Some(Uuid::now_v7()),
        ..session_of(user().id)
    };
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current.clone()));
    expect_family_revoked(&mut m, &current);
    m.users.expect_find_by_id().never();
    m.sessions.expect_rotate().never();

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_with_a_revoked_token_revokes_the_whole_family() {
    let current = Session {
        revoked_at: Some(now() - Duration::minutes(5)),
        ..session_of(user().id)
    };
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current.clone()));
    expect_family_revoked(&mut m, &current);
    m.users.expect_find_by_id().never();
    m.sessions.expect_rotate().never();

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_with_a_token_expiring_right_now_returns_invalid_token_without_rotating() {
    let current = Session {
        expires_at: now(),
        ..session_of(user().id)
    };
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current));
    m.users.expect_find_by_id().never();
    expect_nothing_changed(&mut m);

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_that_loses_the_rotation_race_revokes_the_family() {
    let owner = user();
    let current = session_of(owner.id);
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current.clone()));
    expect_owner(&mut m, &current, Some(owner));
    m.expect_one_new_refresh_token();
    m.sessions
        .expect_rotate()
        .with(eq(current.id), always())
        .times(1)
        .returning(|_, _| Ok(false));
    expect_family_revoked(&mut m, &current);

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_for_a_deactivated_user_revokes_the_family() {
    let owner = deactivated_user();
    let current = session_of(owner.id);
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current.clone()));
    expect_owner(&mut m, &current, Some(owner));
    expect_family_revoked(&mut m, &current);
    m.sessions.expect_rotate().never();
    m.tokens.expect_new_refresh_token().never();

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_for_a_vanished_user_revokes_the_family() {
    let current = session_of(user().id);
    let mut m = Mocks::new();
    expect_lookup(&mut m, Some(current.clone()));
    expect_owner(&mut m, &current, None);
    expect_family_revoked(&mut m, &current);
    m.sessions.expect_rotate().never();

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

/// Mocks that reject every port call: the token must be refused up front.
fn mocks_expecting_no_port_call() -> Mocks {
    let mut m = Mocks::new();
    m.tokens.expect_hash_refresh_token().never();
    m.sessions.expect_find_by_refresh_hash().never();
    expect_nothing_changed(&mut m);
    m
}

#[tokio::test]
async fn refresh_with_an_empty_token_touches_no_port() {
    let result = mocks_expecting_no_port_call()
        .auth_service()
        .refresh("", client())
        .await;
    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_with_a_token_over_256_bytes_touches_no_port() {
    // 257 ASCII bytes, and 129 two-byte characters (258 bytes).
    for token in ["x".repeat(257), "é".repeat(129)] {
        let result = mocks_expecting_no_port_call()
            .auth_service()
            .refresh(&token, client())
            .await;
        assert_eq!(
            result.unwrap_err(),
            IdentityError::Case(IdentityCase::InvalidToken)
        );
    }
}

#[tokio::test]
async fn refresh_with_a_token_of_exactly_256_bytes_is_looked_up() {
    let token = "x".repeat(256);
    let mut m = Mocks::new();
    m.tokens
        .expect_hash_refresh_token()
        .with(eq(token.clone()))
        .times(1)
        .returning(|_| OLD_HASH.into());
    m.sessions
        .expect_find_by_refresh_hash()
        .with(eq(OLD_HASH))
        .times(1)
        .returning(|_| Ok(None));

    let result = m.auth_service().refresh(&token, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Case(IdentityCase::InvalidToken)
    );
}

#[tokio::test]
async fn refresh_when_the_session_store_is_unavailable_returns_unavailable() {
    let mut m = Mocks::new();
    m.tokens
        .expect_hash_refresh_token()
        .times(1)
        .returning(|_| OLD_HASH.into());
    m.sessions
        .expect_find_by_refresh_hash()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("db down".into())));
    expect_nothing_changed(&mut m);

    let result = m.auth_service().refresh(OLD_PLAIN, client()).await;

    assert_eq!(
        result.unwrap_err(),
        IdentityError::Unavailable("db down".into())
    );
}
