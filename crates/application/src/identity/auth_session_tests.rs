//! `AuthService::logout`, `list_sessions` and `revoke_session`.

use chrono::Duration;
use keel_domain::RepoError;
use keel_domain::identity::{Role, Session, SessionId, User};
use mockall::predicate::eq;

use super::IdentityError;
use super::test_support::{Mocks, now, principal, session_of, user, user_with_role};

#[tokio::test]
async fn logout_revokes_the_principals_session_family() {
    let sid = SessionId::generate();
    let mut m = Mocks::new();
    m.sessions
        .expect_revoke_family()
        .with(eq(sid), eq(now()))
        .times(1)
        .returning(|_, _| Ok(1));

    let result = m.auth_service().logout(&principal(user(), Some(sid))).await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn logout_without_a_keel_session_revokes_nothing() {
    let mut m = Mocks::new();
    m.sessions.expect_revoke_family().never();
    m.sessions.expect_revoke_all_for_user().never();

    let result = m.auth_service().logout(&principal(user(), None)).await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn logout_when_the_session_store_is_unavailable_returns_unavailable() {
    let mut m = Mocks::new();
    m.sessions
        .expect_revoke_family()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("db down".into())));

    let result = m
        .auth_service()
        .logout(&principal(user(), Some(SessionId::generate())))
        .await;

    assert_eq!(result, Err(IdentityError::Unavailable("db down".into())));
}

/// Two live sessions of `owner`: the newer from a phone, the older from a laptop.
fn two_sessions(owner: &User) -> [Session; 2] {
    let phone = Session {
        ip_address: Some("192.0.2.10".into()),
        user_agent: Some("phone".into()),
        created_at: now() - Duration::hours(3),
        last_used_at: now() - Duration::minutes(2),
        ..session_of(owner.id)
    };
    let laptop = Session {
        ip_address: None,
        user_agent: Some("laptop".into()),
        ..session_of(owner.id)
    };
    [phone, laptop]
}

#[tokio::test]
async fn list_sessions_marks_only_the_callers_own_session_as_current() {
    let me = user();
    let [phone, laptop] = two_sessions(&me);
    let rows = vec![phone.clone(), laptop.clone()];
    let mut m = Mocks::new();
    m.sessions
        .expect_list_active()
        .with(eq(me.id), eq(now()))
        .times(1)
        .returning(move |_, _| Ok(rows.clone()));

    let views = m
        .auth_service()
        .list_sessions(&principal(me, Some(laptop.family_id)))
        .await
        .expect("listing succeeds");

    let summary: Vec<_> = views.iter().map(|v| (v.id, v.current)).collect();
    assert_eq!(
        summary,
        [(phone.family_id, false), (laptop.family_id, true)]
    );
    let first = &views[0];
    assert_eq!(first.created_at, phone.created_at);
    assert_eq!(first.last_used_at, phone.last_used_at);
    assert_eq!(first.ip_address, phone.ip_address);
    assert_eq!(first.user_agent, phone.user_agent);
    assert_eq!(views[1].ip_address, None);
}

#[tokio::test]
async fn list_sessions_without_a_keel_session_marks_none_as_current() {
    let me = user();
    let rows = two_sessions(&me).to_vec();
    let mut m = Mocks::new();
    m.sessions
        .expect_list_active()
        .with(eq(me.id), eq(now()))
        .times(1)
        .returning(move |_, _| Ok(rows.clone()));

    let views = m
        .auth_service()
        .list_sessions(&principal(me, None))
        .await
        .expect("listing succeeds");

    assert_eq!(views.len(), 2);
    assert!(views.iter().all(|v| !v.current));
}

#[tokio::test]
async fn revoke_session_of_another_users_session_returns_not_found_and_revokes_nothing() {
    let me = user();
    let other = user_with_role(Role::Customer);
    let theirs = session_of(other.id);
    let sid = theirs.family_id;
    let mut m = Mocks::new();
    m.sessions
        .expect_find_active()
        .with(eq(sid), eq(now()))
        .times(1)
        .returning(move |_, _| Ok(Some(theirs.clone())));
    m.sessions.expect_revoke_family().never();

    let result = m
        .auth_service()
        .revoke_session(&principal(me, None), sid)
        .await;

    assert_eq!(result, Err(IdentityError::NotFound));
}

#[tokio::test]
async fn revoke_session_of_an_unknown_or_dead_session_returns_not_found() {
    let sid = SessionId::generate();
    let mut m = Mocks::new();
    m.sessions
        .expect_find_active()
        .with(eq(sid), eq(now()))
        .times(1)
        .returning(|_, _| Ok(None));
    m.sessions.expect_revoke_family().never();

    let result = m
        .auth_service()
        .revoke_session(&principal(user(), None), sid)
        .await;

    assert_eq!(result, Err(IdentityError::NotFound));
}

#[tokio::test]
async fn revoke_session_of_an_own_session_revokes_its_family() {
    let me = user();
    let mine = session_of(me.id);
    let sid = mine.family_id;
    let mut m = Mocks::new();
    m.sessions
        .expect_find_active()
        .with(eq(sid), eq(now()))
        .times(1)
        .returning(move |_, _| Ok(Some(mine.clone())));
    m.sessions
        .expect_revoke_family()
        .with(eq(sid), eq(now()))
        .times(1)
        .returning(|_, _| Ok(1));

    let result = m
        .auth_service()
        .revoke_session(&principal(me, Some(SessionId::generate())), sid)
        .await;

    assert_eq!(result, Ok(()));
}
