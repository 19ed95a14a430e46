//! `UserService::create_admin` (the `keel create-admin` command).

use chrono::Duration;
use keel_domain::identity::{Email, PasswordHash, Role, User};
use mockall::predicate::eq;

use super::CreateAdminOutcome;
use super::test_support::{Mocks, invalid_fields, now, user_with_role};

const ADMIN_PASSWORD: &str = "admin password";

fn admin_email() -> Email {
    Email::parse("root@example.com").expect("a valid email")
}

/// `find_by_email(root@example.com)` answers `found` once.
fn expect_admin_lookup(m: &mut Mocks, found: Option<User>) {
    m.users
        .expect_find_by_email()
        .with(eq(admin_email()))
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

#[tokio::test]
async fn create_admin_for_a_new_email_creates_a_verified_admin_with_a_hashed_password() {
    let mut m = Mocks::new();
    expect_admin_lookup(&mut m, None);
    m.hasher
        .expect_hash()
        .withf(|p| p.expose() == ADMIN_PASSWORD)
        .times(1)
        .returning(|_| Ok(PasswordHash::new("phc-admin")));
    m.users
        .expect_create()
        .withf(|u, hash| {
            u.email == admin_email()
                && u.role == Role::Admin
                && u.email_verified
                && u.can_sign_in()
                && u.created_at == now()
                && hash.as_ref() == Some(&PasswordHash::new("phc-admin"))
        })
        .times(1)
        .returning(|_, _| Ok(()));

    let outcome = m
        .user_service()
        .create_admin(" Root@Example.com ", ADMIN_PASSWORD)
        .await;

    assert_eq!(outcome, Ok(CreateAdminOutcome::Created));
}

#[tokio::test]
async fn create_admin_for_an_existing_customer_promotes_without_touching_the_password() {
    let existing = User {
        email: admin_email(),
        ..user_with_role(Role::Customer)
    };
    let id = existing.id;
    let mut m = Mocks::new();
    expect_admin_lookup(&mut m, Some(existing));
    m.hasher.expect_hash().never();
    m.users.expect_create().never();
    m.accounts.expect_set_password_hash().never();
    m.users
        .expect_set_role()
        .with(eq(id), eq(Role::Admin), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.users.expect_set_active().never();

    let outcome = m
        .user_service()
        .create_admin("root@example.com", ADMIN_PASSWORD)
        .await;

    assert_eq!(outcome, Ok(CreateAdminOutcome::Promoted));
}

#[tokio::test]
async fn create_admin_for_a_deactivated_admin_reactivates_them_as_promoted() {
    let mut existing = User {
        email: admin_email(),
        ..user_with_role(Role::Admin)
    };
    existing.deactivate(now() - Duration::days(3));
    let id = existing.id;
    let mut m = Mocks::new();
    expect_admin_lookup(&mut m, Some(existing));
    m.hasher.expect_hash().never();
    m.users
        .expect_set_role()
        .with(eq(id), eq(Role::Admin), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.users
        .expect_set_active()
        .with(eq(id), eq(true), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));

    let outcome = m
        .user_service()
        .create_admin("root@example.com", ADMIN_PASSWORD)
        .await;

    assert_eq!(outcome, Ok(CreateAdminOutcome::Promoted));
}

#[tokio::test]
async fn create_admin_for_an_active_admin_changes_nothing() {
    let existing = User {
        email: admin_email(),
        ..user_with_role(Role::Admin)
    };
    let mut m = Mocks::new();
    expect_admin_lookup(&mut m, Some(existing));
    m.hasher.expect_hash().never();
    m.users.expect_update().never();
    m.users.expect_create().never();

    let outcome = m
        .user_service()
        .create_admin("root@example.com", ADMIN_PASSWORD)
        .await;

    assert_eq!(outcome, Ok(CreateAdminOutcome::Unchanged));
}

#[tokio::test]
async fn create_admin_with_an_invalid_email_or_password_reports_the_field_before_any_lookup() {
    for (email, password, field) in [
        ("root", ADMIN_PASSWORD, "email"),
        ("root@example.com", "short", "password"),
    ] {
        let mut m = Mocks::new();
        m.users.expect_find_by_email().never();
        m.hasher.expect_hash().never();

        let result = m.user_service().create_admin(email, password).await;

        assert_eq!(invalid_fields(result), [field]);
    }
}
