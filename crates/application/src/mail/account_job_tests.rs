use std::sync::Arc;

use keel_domain::identity::ports::{MockTokenService, MockUserRepo, MockVerificationRepo};
use keel_domain::identity::{RefreshToken, TokenPurpose, User, Verification};
use keel_domain::jobs::{Job, JobHandler};
use keel_domain::mail::ports::{MockMailRenderer, MockMailer};
use keel_domain::mail::{Account, AccountMail, Mail};
use uuid::Uuid;

use super::{AccountMailJob, MailLinks, Postman};
use crate::test_support::identity::user;
use crate::test_support::{Slot, clock, now};

struct Sent {
    verification: Slot<Verification>,
    vars: Slot<serde_json::Value>,
    to: Slot<String>,
}

/// Runs the job for `request` against `user`; `expect_mail` says whether a
/// token is issued and a mail sent.
async fn run(user: User, request: AccountMail, expect_mail: bool) -> Sent {
    let times = usize::from(expect_mail);
    let mut users = MockUserRepo::new();
    users
        .expect_find_by_id()
        .returning(move |_| Ok(Some(user.clone())));
    let mut tokens = MockTokenService::new();
    tokens
        .expect_new_refresh_token()
        .times(times)
        .returning(|| RefreshToken {
            plain: "plain-token".into(),
            hash: "hashed-token".into(),
        });
    let sent = Sent {
        verification: Slot::new(),
        vars: Slot::new(),
        to: Slot::new(),
    };
    let mut verifications = MockVerificationRepo::new();
    let slot = sent.verification.clone();
    verifications
        .expect_issue()
        .times(times)
        .returning(move |v| {
            slot.put(v.clone());
            Ok(())
        });
    let mut renderer = MockMailRenderer::new();
    let (vars, to) = (sent.vars.clone(), sent.to.clone());
    renderer
        .expect_render()
        .times(times)
        .returning(move |_, t, v| {
            vars.put(v.clone());
            to.put(t.to_owned());
            Ok(Mail {
                to: t.into(),
                subject: "s".into(),
                text: "t".into(),
                html: "h".into(),
                headers: vec![],
            })
        });
    let mut mailer = MockMailer::new();
    mailer.expect_send().times(times).returning(|_| Ok(()));
    let postman = Postman::new(
        Arc::new(renderer),
        Arc::new(mailer),
        Arc::new(MockUserRepo::new()),
    );
    let job = AccountMailJob::new(
        Arc::new(users),
        Arc::new(verifications),
        Arc::new(tokens),
        Arc::new(postman),
        Arc::new(clock()),
        MailLinks::new("https://app.example.com/"),
    );
    job.handle(&Job {
        id: Uuid::now_v7(),
        kind: "mail.account".into(),
        payload: serde_json::to_string(&request).unwrap(),
        attempt: 1,
        max_attempts: 8,
    })
    .await
    .unwrap();
    sent
}

#[tokio::test]
async fn a_reset_mail_carries_a_fresh_token_stored_only_as_its_hash() {
    let u = user();
    let sent = run(
        u.clone(),
        AccountMail {
            purpose: TokenPurpose::PasswordReset,
            account: Account::User(u.id),
            new_email: None,
        },
        true,
    )
    .await;
    let v = sent.verification.take();
    assert_eq!(v.token_hash, "hashed-token");
    assert_eq!(v.purpose, TokenPurpose::PasswordReset);
    assert_eq!(v.expires_at, now() + chrono::Duration::hours(1));
    let vars = sent.vars.take();
    assert_eq!(
        vars["link"],
        "https://app.example.com/reset-password?token=plain-token"
    );
    assert_eq!(vars["token"], "plain-token");
    assert_eq!(sent.to.take(), u.email.as_str());
}

#[tokio::test]
async fn an_email_change_mail_goes_to_the_new_address_and_remembers_it() {
    let u = user();
    let sent = run(
        u.clone(),
        AccountMail {
            purpose: TokenPurpose::EmailChange,
            account: Account::User(u.id),
            new_email: Some("new@example.com".into()),
        },
        true,
    )
    .await;
    assert_eq!(sent.to.take(), "new@example.com");
    let v = sent.verification.take();
    assert_eq!(v.email.as_deref(), Some("new@example.com"));
    assert_eq!(v.expires_at, now() + chrono::Duration::hours(24));
}

#[tokio::test]
async fn nothing_is_sent_to_verified_deactivated_or_clerk_users() {
    let mut verified = user();
    verified.email_verified = true;
    let mut inactive = user();
    inactive.deactivate(now());
    let mut clerk = user();
    clerk.clerk_id = Some("user_1".into());
    for (u, purpose) in [
        (verified, TokenPurpose::VerifyEmail),
        (inactive, TokenPurpose::MagicLink),
        (clerk, TokenPurpose::PasswordReset),
    ] {
        // The mocks expect no token, no render and no send (`times(0)`).
        run(
            u.clone(),
            AccountMail {
                purpose,
                account: Account::User(u.id),
                new_email: None,
            },
            false,
        )
        .await;
    }
}

#[tokio::test]
async fn an_anonymous_request_mails_the_account_of_the_address_and_nobody_else() {
    let u = user();
    let found = u.clone();
    let mut users = MockUserRepo::new();
    users
        .expect_find_by_email()
        .returning(move |e| Ok((e == &found.email).then(|| found.clone())));
    let mut tokens = MockTokenService::new();
    tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| RefreshToken {
            plain: "plain-token".into(),
            hash: "hashed-token".into(),
        });
    let mut verifications = MockVerificationRepo::new();
    let id = u.id;
    verifications
        .expect_issue()
        .withf(move |v| v.user_id == id && v.purpose == TokenPurpose::MagicLink)
        .times(1)
        .returning(|_| Ok(()));
    let mut renderer = MockMailRenderer::new();
    renderer.expect_render().times(1).returning(|_, t, _| {
        Ok(Mail {
            to: t.into(),
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
            headers: vec![],
        })
    });
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|m| m.to == "ada@example.com")
        .times(1)
        .returning(|_| Ok(()));
    let job = AccountMailJob::new(
        Arc::new(users),
        Arc::new(verifications),
        Arc::new(tokens),
        Arc::new(Postman::new(
            Arc::new(renderer),
            Arc::new(mailer),
            Arc::new(MockUserRepo::new()),
        )),
        Arc::new(clock()),
        MailLinks::new("http://x"),
    );
    for address in ["ada@example.com", "nobody@example.com", "not an address"] {
        let request = AccountMail {
            purpose: TokenPurpose::MagicLink,
            account: Account::Address(address.into()),
            new_email: None,
        };
        job.handle(&Job {
            id: Uuid::now_v7(),
            kind: "mail.account".into(),
            payload: serde_json::to_string(&request).unwrap(),
            attempt: 1,
            max_attempts: 8,
        })
        .await
        .unwrap();
    }
}
