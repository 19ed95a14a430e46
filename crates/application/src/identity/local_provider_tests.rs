//! `LocalIdentityProvider::authenticate`.

use chrono::Duration;
use keel_domain::RepoError;
use keel_domain::identity::{
    AccessClaims, AuthError, IdentityProvider, Role, Session, TokenError, User,
};
use mockall::predicate::eq;

use super::local_provider::MAX_BEARER_LEN;
use super::test_support::{Mocks, deactivated_user, now, session_of, user, user_with_role};

const BEARER: &str = "header.payload.signature";

/// Claims for `user`'s session `session`; the role inside is deliberately
/// `Customer`, so tests can tell it apart from the stored role.
fn claims_for(session: &Session) -> AccessClaims {
    AccessClaims {
        user_id: session.user_id,
        session_id: session.family_id,
        role: Role::Customer,
        issued_at: now() - Duration::minutes(1),
        expires_at: now() + Duration::minutes(14),
    }
}

/// `BEARER` verifies to `claims`.
fn expect_verified(m: &mut Mocks, claims: AccessClaims) {
    m.tokens
        .expect_verify_access()
        .with(eq(BEARER))
        .times(1)
        .returning(move |_| Ok(claims.clone()));
}

/// `find_active_with_user(claims.session_id, now)` answers `row` once: the
/// one read a token check makes.
fn expect_live_session(m: &mut Mocks, claims: &AccessClaims, row: Option<(Session, User)>) {
    m.sessions
        .expect_find_active_with_user()
        .with(eq(claims.session_id), eq(now()))
        .times(1)
        .returning(move |_, _| Ok(row.clone()));
    m.sessions.expect_find_active().never();
    m.users.expect_find_by_id().never();
}

#[tokio::test]
async fn a_valid_token_with_a_live_session_of_an_active_user_yields_the_stored_role() {
    let stored = user_with_role(Role::Admin);
    let session = session_of(stored.id);
    let claims = claims_for(&session);
    let mut m = Mocks::new();
    expect_verified(&mut m, claims.clone());
    expect_live_session(&mut m, &claims, Some((session.clone(), stored.clone())));

    let principal = m
        .local_provider()
        .authenticate(BEARER)
        .await
        .expect("authenticated");

    assert_eq!(principal.role, Role::Admin);
    assert_eq!(principal.user, stored);
    assert_eq!(principal.session_id, Some(session.family_id));
}

#[tokio::test]
async fn a_token_that_fails_verification_is_invalid_and_touches_no_repo() {
    let mut m = Mocks::new();
    m.tokens
        .expect_verify_access()
        .with(eq(BEARER))
        .times(1)
        .returning(|_| Err(TokenError::Invalid));
    m.sessions.expect_find_active_with_user().never();

    let result = m.local_provider().authenticate(BEARER).await;

    assert_eq!(result, Err(AuthError::InvalidToken));
}

#[tokio::test]
async fn a_token_without_a_live_session_is_invalid() {
    let session = session_of(user().id);
    let claims = claims_for(&session);
    let mut m = Mocks::new();
    expect_verified(&mut m, claims.clone());
    expect_live_session(&mut m, &claims, None);

    let result = m.local_provider().authenticate(BEARER).await;

    assert_eq!(result, Err(AuthError::InvalidToken));
}

#[tokio::test]
async fn a_token_whose_session_belongs_to_another_user_is_invalid() {
    let session = session_of(user().id);
    let claims = AccessClaims {
        user_id: user_with_role(Role::Admin).id,
        ..claims_for(&session)
    };
    let mut m = Mocks::new();
    expect_verified(&mut m, claims.clone());
    let owner = user();
    expect_live_session(&mut m, &claims, Some((session, owner)));

    let result = m.local_provider().authenticate(BEARER).await;

    assert_eq!(result, Err(AuthError::InvalidToken));
}

#[tokio::test]
async fn a_token_of_a_deactivated_user_is_invalid() {
    let stored = deactivated_user();
    let session = session_of(stored.id);
    let claims = claims_for(&session);
    let mut m = Mocks::new();
    expect_verified(&mut m, claims.clone());
    expect_live_session(&mut m, &claims, Some((session, stored)));

    let result = m.local_provider().authenticate(BEARER).await;

    assert_eq!(result, Err(AuthError::InvalidToken));
}

#[tokio::test]
async fn a_session_store_failure_is_unavailable_rather_than_invalid() {
    let claims = claims_for(&session_of(user().id));
    let mut m = Mocks::new();
    expect_verified(&mut m, claims);
    m.sessions
        .expect_find_active_with_user()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("db down".into())));

    let result = m.local_provider().authenticate(BEARER).await;

    assert_eq!(
        result,
        Err(AuthError::Unavailable {
            retry_after_secs: 1
        })
    );
}

#[tokio::test]
async fn an_empty_oversized_or_non_ascii_bearer_is_invalid_without_verifying() {
    for bearer in [
        String::new(),
        "x".repeat(MAX_BEARER_LEN + 1),
        "header.päyload.signature".to_owned(),
    ] {
        let mut m = Mocks::new();
        m.tokens.expect_verify_access().never();
        m.sessions.expect_find_active_with_user().never();

        let result = m.local_provider().authenticate(&bearer).await;

        assert_eq!(
            result,
            Err(AuthError::InvalidToken),
            "{} bytes",
            bearer.len()
        );
    }
}

#[tokio::test]
async fn a_bearer_of_exactly_8_kib_is_still_verified() {
    let bearer = "x".repeat(MAX_BEARER_LEN);
    let mut m = Mocks::new();
    m.tokens
        .expect_verify_access()
        .with(eq(bearer.clone()))
        .times(1)
        .returning(|_| Err(TokenError::Invalid));

    let result = m.local_provider().authenticate(&bearer).await;

    assert_eq!(result, Err(AuthError::InvalidToken));
}
