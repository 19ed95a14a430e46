use std::sync::Arc;

use keel_domain::identity::ports::MockUserRepo;
use keel_domain::jobs::{Job, JobError, JobHandler};
use keel_domain::mail::ports::{MockMailRenderer, MockMailer};
use keel_domain::mail::{Letter, Mail, MailError, Recipient};
use serde_json::json;
use uuid::Uuid;

use super::{Postman, SendMailJob};
use crate::test_support::identity::{deactivated_user, user};

fn rendered(to: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: "s".into(),
        text: "t".into(),
        html: "<p>t</p>".into(),
        headers: vec![],
    }
}

fn job(payload: String) -> Job {
    Job {
        id: Uuid::now_v7(),
        kind: "mail.send".into(),
        payload,
        attempt: 1,
        max_attempts: 8,
    }
}

fn renderer_for(template: &'static str) -> MockMailRenderer {
    let mut renderer = MockMailRenderer::new();
    renderer
        .expect_render()
        .withf(move |t, _, _| t == template)
        .returning(|_, to, _| Ok(rendered(to)));
    renderer
}

#[tokio::test]
async fn a_letter_to_a_user_goes_to_their_current_address() {
    let u = user();
    let address = u.email.as_str().to_owned();
    let mut users = MockUserRepo::new();
    let found = u.clone();
    users
        .expect_find_by_id()
        .returning(move |_| Ok(Some(found.clone())));
    let mut mailer = MockMailer::new();
    let want = address.clone();
    mailer
        .expect_send()
        .withf(move |m| m.to == want)
        .times(1)
        .returning(|_| Ok(()));
    let postman = Postman::new(
        Arc::new(renderer_for("order_status")),
        Arc::new(mailer),
        Arc::new(users),
    );
    let sent = postman
        .deliver(&Letter::new(
            Recipient::User(u.id),
            "order_status",
            json!({}),
        ))
        .await
        .unwrap();
    assert!(sent);
}

#[tokio::test]
async fn a_letter_to_a_deactivated_user_is_dropped() {
    let u = deactivated_user();
    let mut users = MockUserRepo::new();
    users
        .expect_find_by_id()
        .returning(move |_| Ok(Some(u.clone())));
    let postman = Postman::new(
        Arc::new(MockMailRenderer::new()),
        Arc::new(MockMailer::new()),
        Arc::new(users),
    );
    let sent = postman
        .deliver(&Letter::new(
            Recipient::User(keel_domain::identity::UserId::generate()),
            "order_status",
            json!({}),
        ))
        .await
        .unwrap();
    assert!(!sent);
}

async fn run_with_mailer_error(err: MailError) -> Result<(), JobError> {
    let mut mailer = MockMailer::new();
    mailer.expect_send().returning(move |_| Err(err.clone()));
    let postman = Postman::new(
        Arc::new(renderer_for("notice")),
        Arc::new(mailer),
        Arc::new(MockUserRepo::new()),
    );
    let letter = Letter::new(
        Recipient::Address("a@example.com".into()),
        "notice",
        json!({}),
    );
    SendMailJob::new(Arc::new(postman))
        .handle(&job(serde_json::to_string(&letter).unwrap()))
        .await
}

#[tokio::test]
async fn a_4xx_retries_and_a_5xx_is_dead_with_its_reason() {
    assert_eq!(
        run_with_mailer_error(MailError::Transient("421 busy".into())).await,
        Err(JobError::Transient("421 busy".into()))
    );
    assert_eq!(
        run_with_mailer_error(MailError::Permanent("550 no such user".into())).await,
        Err(JobError::Permanent("550 no such user".into()))
    );
}

#[tokio::test]
async fn a_payload_that_is_no_letter_is_dead_at_once() {
    let postman = Postman::new(
        Arc::new(MockMailRenderer::new()),
        Arc::new(MockMailer::new()),
        Arc::new(MockUserRepo::new()),
    );
    let result = SendMailJob::new(Arc::new(postman))
        .handle(&job("{}".into()))
        .await;
    assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
}
