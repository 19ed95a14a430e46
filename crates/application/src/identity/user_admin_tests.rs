//! `UserService` admin methods: `list`, `get`, `update`, `delete`.

use keel_domain::identity::{Principal, Role, SessionId, User, UserFilter};
use keel_domain::{Page, PageRequest, RepoError};
use mockall::predicate::eq;

use super::test_support::{
    Mocks, deactivated_user, invalid_fields, now, principal, user, user_with_role,
};
use super::{AdminUpdate, IdentityError, UpdateMe};

fn admin() -> Principal {
    principal(user_with_role(Role::Admin), Some(SessionId::generate()))
}

/// `find_by_id(target.id)` answers `target` once.
fn expect_target(m: &mut Mocks, target: &User) {
    let found = target.clone();
    m.users
        .expect_find_by_id()
        .with(eq(target.id))
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
}

#[tokio::test]
async fn admin_only_methods_are_forbidden_for_customers_and_staff() {
    for role in [Role::Customer, Role::Staff] {
        let caller = principal(user_with_role(role), None);
        let target = user().id;
        let mut m = Mocks::new();
        m.users.expect_list().never();
        m.users.expect_find_by_id().never();
        m.users.expect_update().never();
        m.sessions.expect_revoke_all_for_user().never();
        let svc = m.user_service();

        let listed = svc
            .list(&caller, UserFilter::default(), PageRequest::default())
            .await;
        assert_eq!(listed.unwrap_err(), IdentityError::Forbidden, "{role}");
        let got = svc.get(&caller, target).await;
        assert_eq!(got.unwrap_err(), IdentityError::Forbidden, "{role}");
        let update = AdminUpdate {
            role: Some(Role::Admin),
            ..AdminUpdate::default()
        };
        // Not even on themselves: no self-promotion.
        let updated = svc.update(&caller, caller.user.id, update).await;
        assert_eq!(updated.unwrap_err(), IdentityError::Forbidden, "{role}");
        let deleted = svc.delete(&caller, target).await;
        assert_eq!(deleted.unwrap_err(), IdentityError::Forbidden, "{role}");
    }
}

#[tokio::test]
async fn list_trims_and_lowercases_the_query_and_drops_a_blank_one() {
    let page = PageRequest::parse(Some(2), Some(10)).expect("a valid page");
    let mut m = Mocks::new();
    let found = user();
    let expected_items = vec![found.clone()];
    m.users
        .expect_list()
        .with(
            eq(UserFilter {
                query: Some("ada l".into()),
                role: Some(Role::Staff),
            }),
            eq(page),
        )
        .times(1)
        .returning(move |_, p| {
            Ok(Page {
                items: vec![found.clone()],
                total: 11,
                request: p,
            })
        });
    m.users
        .expect_list()
        .with(eq(UserFilter::default()), eq(page))
        .times(1)
        .returning(|_, p| {
            Ok(Page {
                items: vec![],
                total: 0,
                request: p,
            })
        });
    let svc = m.user_service();

    let filter = UserFilter {
        query: Some("  Ada L ".into()),
        role: Some(Role::Staff),
    };
    let listed = svc.list(&admin(), filter, page).await.expect("listed");
    assert_eq!((listed.items, listed.total), (expected_items, 11));

    let blank = UserFilter {
        query: Some("   ".into()),
        role: None,
    };
    let listed = svc.list(&admin(), blank, page).await.expect("listed");
    assert_eq!(listed.total, 0);
}

#[tokio::test]
async fn get_returns_a_deactivated_user_to_an_admin() {
    let target = deactivated_user();
    let mut m = Mocks::new();
    expect_target(&mut m, &target);

    let got = m.user_service().get(&admin(), target.id).await;

    assert_eq!(got, Ok(target));
}

#[tokio::test]
async fn get_with_an_unknown_id_returns_not_found() {
    let id = user().id;
    let mut m = Mocks::new();
    m.users
        .expect_find_by_id()
        .with(eq(id))
        .times(1)
        .returning(|_| Ok(None));

    let got = m.user_service().get(&admin(), id).await;

    assert_eq!(got, Err(IdentityError::NotFound));
}

#[tokio::test]
async fn update_sets_the_role_and_reactivates_a_user_without_revoking_sessions() {
    let target = deactivated_user();
    let expected = User {
        role: Role::Staff,
        is_active: true,
        deactivated_at: None,
        updated_at: now(),
        name: Some("Ada Staff".into()),
        ..target.clone()
    };
    let mut m = Mocks::new();
    expect_target(&mut m, &target);
    let profile = User {
        name: Some("Ada Staff".into()),
        updated_at: now(),
        ..target.clone()
    };
    m.users
        .expect_update()
        .with(eq(profile))
        .times(1)
        .returning(|_| Ok(()));
    m.users
        .expect_set_role()
        .with(eq(target.id), eq(Role::Staff), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.users
        .expect_set_active()
        .with(eq(target.id), eq(true), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions.expect_revoke_all_for_user().never();
    let update = AdminUpdate {
        profile: UpdateMe {
            name: Some(Some("Ada Staff".into())),
            ..UpdateMe::default()
        },
        role: Some(Role::Staff),
        is_active: Some(true),
    };

    let saved = m.user_service().update(&admin(), target.id, update).await;

    assert_eq!(saved, Ok(expected));
}

#[tokio::test]
async fn update_with_an_unknown_id_returns_not_found() {
    let id = user().id;
    let mut m = Mocks::new();
    m.users.expect_find_by_id().times(1).returning(|_| Ok(None));
    m.users.expect_update().never();

    let result = m
        .user_service()
        .update(&admin(), id, AdminUpdate::default())
        .await;

    assert_eq!(result, Err(IdentityError::NotFound));
}

#[tokio::test]
async fn update_with_an_invalid_profile_returns_validation_and_saves_nothing() {
    let target = user();
    let mut m = Mocks::new();
    expect_target(&mut m, &target);
    m.users.expect_update().never();
    let update = AdminUpdate {
        profile: UpdateMe {
            username: Some(Some("x".into())),
            ..UpdateMe::default()
        },
        ..AdminUpdate::default()
    };

    let result = m.user_service().update(&admin(), target.id, update).await;

    assert_eq!(invalid_fields(result), ["username"]);
}

#[tokio::test]
async fn admin_demoting_or_deactivating_themselves_returns_conflict_and_saves_nothing() {
    let demote = AdminUpdate {
        role: Some(Role::Staff),
        ..AdminUpdate::default()
    };
    let deactivate = AdminUpdate {
        is_active: Some(false),
        ..AdminUpdate::default()
    };
    for update in [demote, deactivate] {
        let me = admin();
        let mut m = Mocks::new();
        expect_target(&mut m, &me.user);
        m.users.expect_update().never();
        m.sessions.expect_revoke_all_for_user().never();

        let result = m.user_service().update(&me, me.user.id, update).await;

        assert!(
            matches!(result, Err(IdentityError::Conflict(_))),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn admin_may_update_their_own_profile_while_staying_an_active_admin() {
    let me = admin();
    let id = me.user.id;
    let mut m = Mocks::new();
    expect_target(&mut m, &me.user);
    m.users
        .expect_update()
        .withf(move |u| u.id == id && u.role == Role::Admin && u.name.as_deref() == Some("Root"))
        .times(1)
        .returning(|_| Ok(()));
    let update = AdminUpdate {
        profile: UpdateMe {
            name: Some(Some("Root".into())),
            ..UpdateMe::default()
        },
        role: Some(Role::Admin),
        is_active: Some(true),
    };

    let saved = m.user_service().update(&me, id, update).await;

    assert_eq!(saved.map(|u| u.role), Ok(Role::Admin));
}

#[tokio::test]
async fn update_deactivating_a_user_revokes_all_their_sessions() {
    let target = user();
    let id = target.id;
    let mut m = Mocks::new();
    expect_target(&mut m, &target);
    m.users
        .expect_set_active()
        .with(eq(id), eq(false), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions
        .expect_revoke_all_for_user()
        .with(eq(id), eq(None::<SessionId>), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(4));
    let update = AdminUpdate {
        is_active: Some(false),
        ..AdminUpdate::default()
    };

    let saved = m
        .user_service()
        .update(&admin(), id, update)
        .await
        .expect("update succeeds");

    assert!(!saved.can_sign_in());
    assert_eq!(saved.deactivated_at, Some(now()));
}

#[tokio::test]
async fn update_renaming_and_deactivating_with_a_taken_username_reports_the_username_conflict() {
    let target = user();
    let mut m = Mocks::new();
    expect_target(&mut m, &target);
    m.users.expect_update().times(1).returning(|_| {
        Err(RepoError::Conflict(
            "UNIQUE constraint failed: users.username".into(),
        ))
    });
    m.sessions.expect_revoke_all_for_user().never();
    let update = AdminUpdate {
        profile: UpdateMe {
            username: Some(Some("taken".into())),
            ..UpdateMe::default()
        },
        is_active: Some(false),
        ..AdminUpdate::default()
    };

    let result = m.user_service().update(&admin(), target.id, update).await;

    // The driver's message must not reach the client.
    assert_eq!(
        result,
        Err(IdentityError::Conflict("username is already taken".into()))
    );
}

#[tokio::test]
async fn delete_of_oneself_returns_conflict_without_touching_storage() {
    let me = admin();
    let mut m = Mocks::new();
    m.users.expect_find_by_id().never();
    m.users.expect_update().never();
    m.sessions.expect_revoke_all_for_user().never();

    let result = m.user_service().delete(&me, me.user.id).await;

    assert!(
        matches!(result, Err(IdentityError::Conflict(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn delete_deactivates_the_user_and_revokes_all_their_sessions() {
    let target = user();
    let id = target.id;
    let mut m = Mocks::new();
    expect_target(&mut m, &target);
    m.users
        .expect_set_active()
        .with(eq(id), eq(false), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions
        .expect_revoke_all_for_user()
        .with(eq(id), eq(None::<SessionId>), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(1));

    let result = m.user_service().delete(&admin(), id).await;

    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn delete_of_an_unknown_id_returns_not_found() {
    let mut m = Mocks::new();
    m.users.expect_find_by_id().times(1).returning(|_| Ok(None));
    m.users.expect_update().never();
    m.sessions.expect_revoke_all_for_user().never();

    let result = m.user_service().delete(&admin(), user().id).await;

    assert_eq!(result, Err(IdentityError::NotFound));
}
