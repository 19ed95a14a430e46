//! `RecoveryService`: the mail-based account flows.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use keel_domain::RepoError;
use keel_domain::identity::ports::MockVerificationRepo;
use keel_domain::identity::{TokenPurpose, User, Verification};
use keel_domain::limits::{MockRateCounter, WindowCount};
use keel_domain::mail::ports::MockOutbox;
use keel_domain::mail::{Account, AccountMail, Letter, Recipient};
use mockall::predicate::eq;

use super::test_support::{Mocks, Slot, client, invalid_fields, now, principal, stored_hash, user};
use super::{IdentityCase, IdentityError, MailRequestLimits, RecoveryService};

/// Extra ports of the service beside identity's.
struct Extra {
    verifications: MockVerificationRepo,
    outbox: MockOutbox,
    counter: MockRateCounter,
    auth: Mocks,
}

impl Extra {
    /// A counter that always reports `count` hits.
    fn new(count: u64) -> Self {
        let mut counter = MockRateCounter::new();
        counter.expect_hit().returning(move |_, _| WindowCount {
            count,
            resets_in: StdDuration::from_secs(600),
        });
        Self {
            verifications: MockVerificationRepo::new(),
            outbox: MockOutbox::new(),
            counter,
            auth: Mocks::new(),
        }
    }
}

fn service(m: Mocks, x: Extra) -> RecoveryService {
    RecoveryService::new(
        m.into_ports(),
        Arc::new(x.auth.auth_service()),
        Arc::new(x.verifications),
        Arc::new(x.outbox),
        Arc::new(x.counter),
        MailRequestLimits::default(),
    )
}

fn token_row(purpose: TokenPurpose, u: &User, email: &str) -> Verification {
    let mut v = Verification::issue(purpose, u.id, "hash:tok".into(), now());
    v.email = Some(email.into());
    v.used_at = Some(now());
    v
}

/// Mocks where hashing `tok` gives `hash:tok` and the token of `purpose`
/// belongs to `u`, mailed to `email`.
fn spendable(purpose: TokenPurpose, u: &User, email: &str) -> (Mocks, Extra) {
    let mut m = Mocks::new();
    m.tokens
        .expect_hash_refresh_token()
        .returning(|t| format!("hash:{t}"));
    let found = u.clone();
    m.users
        .expect_find_by_id()
        .returning(move |_| Ok(Some(found.clone())));
    let mut x = Extra::new(1);
    let row = token_row(purpose, u, email);
    x.verifications
        .expect_consume()
        .with(eq(purpose), eq("hash:tok".to_owned()), eq(now()))
        .times(1)
        .returning(move |_, _, _| Ok(Some(row.clone())));
    (m, x)
}

#[tokio::test]
async fn forgot_password_queues_one_job_for_any_well_formed_address_without_a_lookup() {
    let mut m = Mocks::new();
    m.users.expect_find_by_email().never();
    let mut x = Extra::new(1);
    let queued: Slot<AccountMail> = Slot::new();
    let slot = queued.clone();
    x.outbox.expect_account().times(2).returning(move |mail| {
        slot.put(mail);
        Ok(())
    });
    let s = service(m, x);
    s.forgot_password("Ada@Example.com", &client())
        .await
        .unwrap();
    // An unknown address: the same work, the same answer; the job decides.
    s.forgot_password("nobody@example.com", &client())
        .await
        .unwrap();
    assert_eq!(
        queued.take(),
        AccountMail {
            purpose: TokenPurpose::PasswordReset,
            account: Account::Address("nobody@example.com".into()),
            new_email: None,
        }
    );
}

#[tokio::test]
async fn mail_requests_over_the_limit_are_429_whether_or_not_the_account_exists() {
    let mut m = Mocks::new();
    m.users.expect_find_by_email().never();
    let mut x = Extra::new(6);
    x.outbox.expect_account().never();
    let s = service(m, x);
    for result in [
        s.forgot_password("nobody@example.com", &client()).await,
        s.request_magic_link("ada@example.com", &client()).await,
    ] {
        assert_eq!(
            result,
            Err(IdentityError::Case(IdentityCase::Throttled {
                retry_after_secs: 600
            }))
        );
    }
}

#[tokio::test]
async fn a_malformed_address_is_422_before_any_count() {
    let mut m = Mocks::new();
    m.users.expect_find_by_email().never();
    let s = service(m, Extra::new(0));
    assert_eq!(
        invalid_fields(s.request_magic_link("not-an-address", &client()).await),
        ["email"]
    );
}

#[tokio::test]
async fn reset_sets_the_new_hash_and_revokes_every_session() {
    let u = user();
    let (mut m, x) = spendable(TokenPurpose::PasswordReset, &u, "ada@example.com");
    m.hasher
        .expect_hash()
        .withf(|p| p.expose() == "a new secret")
        .returning(|_| Ok(stored_hash()));
    m.accounts
        .expect_set_password_hash()
        .with(eq(u.id), eq(stored_hash()), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions
        .expect_revoke_all_for_user()
        .with(eq(u.id), eq(None), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(2));
    let mut x = x;
    x.verifications
        .expect_revoke_all()
        .with(eq(u.id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(1));
    service(m, x)
        .reset_password("tok", "a new secret")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reset_mailed_to_a_former_address_resets_nothing() {
    let u = user();
    let (mut m, x) = spendable(TokenPurpose::PasswordReset, &u, "old@example.com");
    m.hasher.expect_hash().never();
    m.accounts.expect_set_password_hash().never();
    assert_eq!(
        service(m, x).reset_password("tok", "a new secret").await,
        Err(IdentityError::Case(IdentityCase::InvalidMailToken))
    );
}

#[tokio::test]
async fn reset_checks_the_password_before_spending_the_token() {
    let m = Mocks::new();
    let mut x = Extra::new(1);
    x.verifications.expect_consume().never();
    assert_eq!(
        invalid_fields(service(m, x).reset_password("tok", "short").await),
        ["new_password"]
    );
}

#[tokio::test]
async fn a_spent_unknown_or_oversized_token_is_400() {
    let mut m = Mocks::new();
    m.tokens
        .expect_hash_refresh_token()
        .returning(|t| format!("hash:{t}"));
    let mut x = Extra::new(1);
    x.verifications
        .expect_consume()
        .times(1)
        .returning(|_, _, _| Ok(None));
    let s = service(m, x);
    let invalid = Err(IdentityError::Case(IdentityCase::InvalidMailToken));
    assert_eq!(s.verify_email("spent").await, invalid);
    assert_eq!(s.verify_email(&"x".repeat(129)).await, invalid);
    assert_eq!(s.verify_email("").await, invalid);
}

#[tokio::test]
async fn verify_marks_the_address_the_token_was_mailed_to() {
    let u = user();
    let (mut m, x) = spendable(TokenPurpose::VerifyEmail, &u, "ada@example.com");
    m.users.expect_update().never();
    m.users
        .expect_mark_email_verified()
        .with(eq(u.id), eq(u.email.clone()), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(true));
    let verified = service(m, x).verify_email("tok").await.unwrap();
    assert!(verified.email_verified);
}

#[tokio::test]
async fn a_verification_racing_an_email_change_verifies_nothing() {
    let u = user();
    let (mut m, x) = spendable(TokenPurpose::VerifyEmail, &u, "ada@example.com");
    m.users
        .expect_mark_email_verified()
        .times(1)
        .returning(|_, _, _| Ok(false));
    assert_eq!(
        service(m, x).verify_email("tok").await,
        Err(IdentityError::Case(IdentityCase::InvalidMailToken))
    );
}

#[tokio::test]
async fn a_verification_mailed_to_a_former_address_verifies_nothing() {
    let u = user();
    let (mut m, x) = spendable(TokenPurpose::VerifyEmail, &u, "old@example.com");
    m.users.expect_mark_email_verified().never();
    assert_eq!(
        service(m, x).verify_email("tok").await,
        Err(IdentityError::Case(IdentityCase::InvalidMailToken))
    );
}

#[tokio::test]
async fn a_magic_link_signs_in_and_verifies_the_address() {
    let u = user();
    let (mut m, mut x) = spendable(TokenPurpose::MagicLink, &u, "ada@example.com");
    m.users
        .expect_mark_email_verified()
        .times(1)
        .returning(|_, _, _| Ok(true));
    x.auth
        .users
        .expect_record_login()
        .with(eq(u.id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    x.auth.expect_one_new_refresh_token();
    x.auth.expect_one_access_token();
    x.auth
        .sessions
        .expect_create()
        .times(1)
        .returning(|_| Ok(()));
    let tokens = service(m, x)
        .sign_in_with_link("tok", client())
        .await
        .unwrap();
    assert_eq!(tokens.user.id, u.id);
    assert!(tokens.user.email_verified);
    assert_eq!(tokens.user.last_login_at, Some(now()));
}

fn change_mocks(password_ok: bool) -> Mocks {
    let mut m = Mocks::new();
    m.accounts
        .expect_password_hash()
        .returning(|_| Ok(Some(stored_hash())));
    m.hasher
        .expect_verify()
        .returning(move |_, _| Ok(password_ok));
    m
}

#[tokio::test]
async fn an_email_change_mails_the_new_address_and_notifies_the_old() {
    let u = user();
    let mut m = change_mocks(true);
    m.users.expect_find_by_email().returning(|_| Ok(None));
    let mut x = Extra::new(1);
    let id = u.id;
    x.outbox
        .expect_account()
        .with(eq(AccountMail {
            purpose: TokenPurpose::EmailChange,
            account: Account::User(id),
            new_email: Some("new@example.com".into()),
        }))
        .times(1)
        .returning(|_| Ok(()));
    let posted: Slot<Letter> = Slot::new();
    let slot = posted.clone();
    x.outbox.expect_post().times(1).returning(move |l| {
        slot.put(l);
        Ok(())
    });
    service(m, x)
        .request_email_change(&principal(u, None), "New@Example.com", "secret", &client())
        .await
        .unwrap();
    let notice = posted.take();
    assert_eq!(notice.to, Recipient::Address("ada@example.com".into()));
    assert_eq!(notice.template, "email_change_notice");
    assert_eq!(notice.vars["new_email"], "new@example.com");
}

#[tokio::test]
async fn an_email_change_needs_the_password_a_free_address_and_a_local_account() {
    let wrong = service(change_mocks(false), Extra::new(1))
        .request_email_change(
            &principal(user(), None),
            "new@example.com",
            "bad",
            &client(),
        )
        .await;
    assert_eq!(invalid_fields(wrong), ["current_password"]);

    let mut m = change_mocks(true);
    m.users.expect_find_by_email().returning(|_| {
        Ok(Some(super::test_support::user_with_role(
            keel_domain::identity::Role::Staff,
        )))
    });
    let taken = service(m, Extra::new(1))
        .request_email_change(
            &principal(user(), None),
            "staff@example.com",
            "ok",
            &client(),
        )
        .await;
    assert_eq!(taken, Err(IdentityError::Case(IdentityCase::EmailTaken)));

    let same = service(Mocks::new(), Extra::new(1))
        .request_email_change(&principal(user(), None), "ADA@example.com", "ok", &client())
        .await;
    assert_eq!(invalid_fields(same), ["new_email"]);

    let mut clerk = user();
    clerk.clerk_id = Some("user_1".into());
    let managed = service(Mocks::new(), Extra::new(1))
        .request_email_change(&principal(clerk, None), "new@example.com", "ok", &client())
        .await;
    assert_eq!(
        managed,
        Err(IdentityError::Case(IdentityCase::ManagedExternally))
    );
}

#[tokio::test]
async fn confirming_moves_the_account_to_the_new_verified_address() {
    let u = user();
    let (mut m, mut x) = spendable(TokenPurpose::EmailChange, &u, "new@example.com");
    let from = u.email.clone();
    m.users
        .expect_change_email()
        .withf(move |id, f, to, at| {
            (*id, f, to.as_str(), *at) == (u.id, &from, "new@example.com", now())
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    x.verifications
        .expect_revoke_all()
        .times(1)
        .returning(|_, _| Ok(0));
    let moved = service(m, x).confirm_email_change("tok").await.unwrap();
    assert_eq!(moved.email.as_str(), "new@example.com");
    assert!(moved.email_verified);
}

#[tokio::test]
async fn confirming_after_the_address_changed_otherwise_is_a_conflict() {
    let u = user();
    let (mut m, mut x) = spendable(TokenPurpose::EmailChange, &u, "new@example.com");
    m.users
        .expect_change_email()
        .returning(|_, _, _, _| Ok(false));
    x.verifications.expect_revoke_all().never();
    assert!(matches!(
        service(m, x).confirm_email_change("tok").await,
        Err(IdentityError::Conflict(_))
    ));
}

#[tokio::test]
async fn confirming_an_address_taken_meanwhile_is_409() {
    let u = user();
    let (mut m, x) = spendable(TokenPurpose::EmailChange, &u, "new@example.com");
    m.users
        .expect_change_email()
        .returning(|_, _, _, _| Err(RepoError::Conflict("users.email".into())));
    assert_eq!(
        service(m, x).confirm_email_change("tok").await,
        Err(IdentityError::Case(IdentityCase::EmailTaken))
    );
}

#[tokio::test]
async fn a_verification_request_is_409_for_clerk_and_silent_when_verified() {
    let mut clerk = user();
    clerk.clerk_id = Some("user_1".into());
    let s = service(Mocks::new(), Extra::new(1));
    assert_eq!(
        s.request_verification(&principal(clerk, None), &client())
            .await,
        Err(IdentityError::Case(IdentityCase::ManagedExternally))
    );
    let mut verified = user();
    verified.email_verified = true;
    let mut x = Extra::new(1);
    x.outbox.expect_account().never();
    service(Mocks::new(), x)
        .request_verification(&principal(verified, None), &client())
        .await
        .unwrap();
    let mut x = Extra::new(1);
    x.outbox
        .expect_account()
        .withf(|m| m.purpose == TokenPurpose::VerifyEmail)
        .times(1)
        .returning(|_| Ok(()));
    service(Mocks::new(), x)
        .request_verification(&principal(user(), None), &client())
        .await
        .unwrap();
}

#[tokio::test]
async fn registration_queues_a_verification_mail_and_survives_a_queue_failure() {
    for queue_works in [true, false] {
        let mut m = Mocks::new();
        m.users.expect_find_by_email().returning(|_| Ok(None));
        m.hasher.expect_hash().returning(|_| Ok(stored_hash()));
        m.users.expect_create().times(1).returning(|_, _| Ok(()));
        m.sessions.expect_create().times(1).returning(|_| Ok(()));
        m.expect_one_new_refresh_token();
        m.expect_one_access_token();
        let mut outbox = MockOutbox::new();
        outbox
            .expect_account()
            .withf(|m| m.purpose == TokenPurpose::VerifyEmail && m.new_email.is_none())
            .times(1)
            .returning(move |_| match queue_works {
                true => Ok(()),
                false => Err(RepoError::Unavailable(keel_domain::Cause::msg("down"))),
            });
        let auth = m.auth_service().with_outbox(Arc::new(outbox));
        let tokens = auth
            .register(
                super::RegisterCommand {
                    email: "new@example.com".into(),
                    password: "correct horse".into(),
                    name: None,
                    username: None,
                },
                client(),
            )
            .await
            .unwrap();
        assert!(!tokens.user.email_verified);
    }
}

#[tokio::test]
async fn a_password_change_spends_every_mailed_token_of_the_user() {
    let u = user();
    let mut m = change_mocks(true);
    m.hasher.expect_hash().returning(|_| Ok(stored_hash()));
    m.accounts
        .expect_set_password_hash()
        .returning(|_, _, _| Ok(()));
    m.sessions
        .expect_revoke_all_for_user()
        .returning(|_, _, _| Ok(1));
    let mut verifications = MockVerificationRepo::new();
    verifications
        .expect_revoke_all()
        .with(eq(u.id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(2));
    m.user_service()
        .with_verifications(Arc::new(verifications))
        .change_password(&principal(u, None), "old secret", "a new secret")
        .await
        .unwrap();
}
