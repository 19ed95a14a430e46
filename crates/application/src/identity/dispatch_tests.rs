//! `TokenDispatcher::authenticate`: one verifier per token kind, no fallback.

use std::sync::Arc;

use chrono::Duration;
use keel_domain::identity::external::MockExternalTokenVerifier;
use keel_domain::identity::{
    AccessClaims, AuthError, ExternalIdentity, IdentityProvider, Role, TokenError, TokenKind,
};
use mockall::predicate::eq;

use super::local_provider::MAX_BEARER_LEN;
use super::test_support::{Mocks, now, session_of, user_with_role};
use super::{ExternalAuth, LocalIdentityProvider, TokenDispatcher};

const BEARER: &str = "header.payload.signature";
const SUBJECT: &str = "user_2abc";

/// The dispatcher over `local`'s ports; with `external`, Clerk is enabled
/// with that verifier and an `ExternalUserService` over the second mocks.
fn dispatcher(
    local: Mocks,
    external: Option<(MockExternalTokenVerifier, Mocks)>,
) -> TokenDispatcher {
    let ports = local.into_ports();
    let provider =
        LocalIdentityProvider::new(Arc::clone(&ports.tokens), ports.sessions, ports.clock);
    let external = external.map(|(verifier, users)| ExternalAuth {
        verifier: Arc::new(verifier),
        users: Arc::new(users.external_users(None)),
    });
    TokenDispatcher::new(ports.tokens, provider, external)
}

/// `classify(BEARER)` answers `kind` once.
fn expect_classified(m: &mut Mocks, kind: TokenKind) {
    m.tokens
        .expect_classify()
        .with(eq(BEARER))
        .times(1)
        .return_const(kind);
}

/// A verifier that must not be called.
fn unused_verifier() -> MockExternalTokenVerifier {
    let mut verifier = MockExternalTokenVerifier::new();
    verifier.expect_verify().never();
    verifier
}

/// A verified Clerk identity granting `role`.
fn identity(role: Role) -> ExternalIdentity {
    ExternalIdentity {
        subject: SUBJECT.into(),
        session_id: Some("sess_1".into()),
        role,
        impersonated: false,
        email: None,
    }
}

#[tokio::test]
async fn a_local_token_goes_to_the_local_verifier_and_never_to_clerk() {
    let stored = user_with_role(Role::Staff);
    let session = session_of(stored.id);
    let claims = AccessClaims {
        user_id: stored.id,
        session_id: session.family_id,
        role: Role::Staff,
        issued_at: now() - Duration::minutes(1),
        expires_at: now() + Duration::minutes(14),
    };
    let mut m = Mocks::new();
    expect_classified(&mut m, TokenKind::Local);
    m.tokens
        .expect_verify_access()
        .with(eq(BEARER))
        .times(1)
        .returning(move |_| Ok(claims.clone()));
    let row = (session.clone(), stored.clone());
    m.sessions
        .expect_find_active_with_user()
        .with(eq(session.family_id), eq(now()))
        .times(1)
        .returning(move |_, _| Ok(Some(row.clone())));

    let principal = dispatcher(m, Some((unused_verifier(), Mocks::new())))
        .authenticate(BEARER)
        .await
        .expect("authenticated");

    assert_eq!(principal.user, stored);
    assert_eq!(principal.session_id, Some(session.family_id));
}

#[tokio::test]
async fn a_local_token_that_fails_local_verification_is_not_retried_with_clerk() {
    let mut m = Mocks::new();
    expect_classified(&mut m, TokenKind::Local);
    m.tokens
        .expect_verify_access()
        .with(eq(BEARER))
        .times(1)
        .returning(|_| Err(TokenError::Invalid));

    let result = dispatcher(m, Some((unused_verifier(), Mocks::new())))
        .authenticate(BEARER)
        .await;

    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
}

#[tokio::test]
async fn an_external_token_goes_to_clerk_and_never_to_the_local_verifier() {
    let mut stored = user_with_role(Role::Customer);
    stored.clerk_id = Some(SUBJECT.into());
    let mut m = Mocks::new();
    expect_classified(&mut m, TokenKind::External);
    m.tokens.expect_verify_access().never();
    let mut verifier = MockExternalTokenVerifier::new();
    verifier
        .expect_verify()
        .with(eq(BEARER))
        .times(1)
        .returning(|_| Ok(identity(Role::Staff)));
    let mut users = Mocks::new();
    let found = stored.clone();
    users
        .users
        .expect_find_by_clerk_id()
        .with(eq(SUBJECT))
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));

    let principal = dispatcher(m, Some((verifier, users)))
        .authenticate(BEARER)
        .await
        .expect("authenticated");

    assert_eq!(principal.user, stored);
    assert_eq!(principal.role, Role::Staff);
    assert_eq!(principal.session_id, None);
}

#[tokio::test]
async fn an_external_token_while_clerk_is_disabled_is_invalid_without_any_verification() {
    let mut m = Mocks::new();
    expect_classified(&mut m, TokenKind::External);
    m.tokens.expect_verify_access().never();

    let result = dispatcher(m, None).authenticate(BEARER).await;

    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
}

#[tokio::test]
async fn an_unknown_token_kind_is_invalid_without_any_verification() {
    let mut m = Mocks::new();
    expect_classified(&mut m, TokenKind::Unknown);
    m.tokens.expect_verify_access().never();

    let result = dispatcher(m, Some((unused_verifier(), Mocks::new())))
        .authenticate(BEARER)
        .await;

    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
}

#[tokio::test]
async fn empty_oversized_or_non_ascii_bearers_are_invalid_without_being_classified() {
    let oversized = "a".repeat(MAX_BEARER_LEN + 1);
    for bearer in ["", oversized.as_str(), "héader.payload.sig", "abc\u{ff}def"] {
        let mut m = Mocks::new();
        m.tokens.expect_classify().never();
        m.tokens.expect_verify_access().never();

        let result = dispatcher(m, Some((unused_verifier(), Mocks::new())))
            .authenticate(bearer)
            .await;

        assert_eq!(
            result.unwrap_err(),
            AuthError::InvalidToken,
            "bearer of {} bytes",
            bearer.len()
        );
    }
}

#[tokio::test]
async fn a_bearer_of_exactly_the_size_limit_is_still_classified() {
    let largest = "a".repeat(MAX_BEARER_LEN);
    let mut m = Mocks::new();
    m.tokens
        .expect_classify()
        .with(eq(largest.clone()))
        .times(1)
        .return_const(TokenKind::Unknown);

    let result = dispatcher(m, None).authenticate(&largest).await;

    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
}

#[tokio::test]
async fn clerk_verifier_errors_propagate_unchanged_and_no_user_is_looked_up() {
    let failures = [
        AuthError::Forbidden("session pending".into()),
        AuthError::Unavailable {
            retry_after_secs: 30,
        },
        AuthError::InvalidToken,
    ];
    for failure in failures {
        let mut m = Mocks::new();
        expect_classified(&mut m, TokenKind::External);
        m.tokens.expect_verify_access().never();
        let mut verifier = MockExternalTokenVerifier::new();
        let returned = failure.clone();
        verifier
            .expect_verify()
            .with(eq(BEARER))
            .times(1)
            .returning(move |_| Err(returned.clone()));
        let mut users = Mocks::new();
        users.users.expect_find_by_clerk_id().never();
        users.users.expect_create().never();

        let result = dispatcher(m, Some((verifier, users)))
            .authenticate(BEARER)
            .await;

        assert_eq!(result.unwrap_err(), failure);
    }
}
