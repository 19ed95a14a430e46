//! The mail adapters against real peers: the SMTP mailer against an SMTP
//! server on loopback (AUTH, connection reuse, STARTTLS refused, 4xx, 5xx),
//! the `.eml` file writer, and the send job on the real queue and runner.

mod common;

use std::sync::Arc;
use std::time::Duration;

use keel_application::mail::{Postman, SendMailJob};
use keel_domain::jobs::{JobQueue, NewJob};
use keel_domain::mail::{Letter, Mail, MailError, Mailer, Recipient, SEND_MAIL_JOB};
use keel_infrastructure::jobs::{JobRunner, JobRunnerConfig, SeaOrmJobQueue};
use keel_infrastructure::mail::{FileMailer, SmtpConfig, SmtpMailer, SmtpTls, TemplateRenderer};
use keel_infrastructure::persistence::SeaOrmUserRepo;
use keel_infrastructure::test_support::smtp_sink::{SinkConfig, SmtpSink};
use sea_orm::{ConnectionTrait, Statement};

fn mail(to: &str, subject: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: subject.into(),
        text: "plain body with a link: http://x/verify?token=abc".into(),
        html: "<p>html body</p>".into(),
        headers: vec![("X-Keel-Template".into(), "test".into())],
    }
}

fn smtp(port: u16, tls: SmtpTls, credentials: Option<(&str, &str)>) -> SmtpMailer {
    SmtpMailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls,
        credentials: credentials.map(|(u, p)| (u.into(), p.into())),
        from: "Keel <no-reply@keel.test>".into(),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

#[tokio::test]
async fn smtp_authenticates_sends_multipart_mail_and_reuses_the_connection() {
    let sink = SmtpSink::start(SinkConfig {
        credentials: Some(("mailer".into(), "s3cret".into())),
        ..SinkConfig::default()
    })
    .await;
    let mailer = smtp(sink.port, SmtpTls::None, Some(("mailer", "s3cret")));
    mailer
        .send(&mail("ada@example.com", "First"))
        .await
        .unwrap();
    // The pool takes a connection back on a task of its own.
    tokio::time::sleep(Duration::from_millis(200)).await;
    mailer
        .send(&mail("bob@example.com", "Second"))
        .await
        .unwrap();
    let got = sink.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].auth_user.as_deref(), Some("mailer"));
    assert_eq!(got[0].from, "no-reply@keel.test");
    assert_eq!(got[0].to, ["ada@example.com"]);
    assert_eq!(got[1].to, ["bob@example.com"]);
    let data = &got[0].data;
    assert!(data.contains("Subject: First"), "{data}");
    assert!(data.contains("X-Keel-Template: test"), "{data}");
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
    assert_eq!(sink.connections(), 1, "the second mail reused the session");
}

#[tokio::test]
async fn wrong_smtp_credentials_are_a_permanent_failure() {
    let sink = SmtpSink::start(SinkConfig {
        credentials: Some(("mailer".into(), "s3cret".into())),
        ..SinkConfig::default()
    })
    .await;
    let result = smtp(sink.port, SmtpTls::None, Some(("mailer", "wrong")))
        .send(&mail("ada@example.com", "x"))
        .await;
    assert!(
        matches!(result, Err(MailError::Permanent(ref r)) if r.contains("535")),
        "{result:?}"
    );
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_relay_without_starttls_is_refused_when_starttls_is_required() {
    for offer in [false, true] {
        let sink = SmtpSink::start(SinkConfig {
            offer_starttls: offer,
            ..SinkConfig::default()
        })
        .await;
        let result = smtp(sink.port, SmtpTls::StartTls, None)
            .send(&mail("ada@example.com", "x"))
            .await;
        assert!(result.is_err(), "offered {offer}: sent in clear text");
        assert!(sink.received().is_empty(), "offered {offer}");
    }
}

#[tokio::test]
async fn a_4xx_is_transient_a_5xx_permanent_and_a_closed_port_transient() {
    let busy = SmtpSink::start(SinkConfig {
        rcpt_reply: Some("450 4.2.1 Mailbox busy".into()),
        ..SinkConfig::default()
    })
    .await;
    let result = smtp(busy.port, SmtpTls::None, None)
        .send(&mail("a@example.com", "x"))
        .await;
    assert!(
        matches!(result, Err(MailError::Transient(ref r)) if r.contains("450")),
        "{result:?}"
    );

    let rejecting = SmtpSink::start(SinkConfig {
        rcpt_reply: Some("550 5.1.1 No such user".into()),
        ..SinkConfig::default()
    })
    .await;
    let result = smtp(rejecting.port, SmtpTls::None, None)
        .send(&mail("a@example.com", "x"))
        .await;
    assert!(
        matches!(result, Err(MailError::Permanent(ref r)) if r.contains("550")),
        "{result:?}"
    );

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let result = smtp(closed, SmtpTls::None, None)
        .send(&mail("a@example.com", "x"))
        .await;
    assert!(matches!(result, Err(MailError::Transient(_))), "{result:?}");
}

#[tokio::test]
async fn the_file_transport_writes_one_complete_eml_per_mail() {
    let dir = std::env::temp_dir().join(format!("keel-mail-{}", uuid::Uuid::new_v4().simple()));
    let mailer = FileMailer::new(&dir, "Keel <no-reply@keel.test>").unwrap();
    mailer.send(&mail("ada@example.com", "One")).await.unwrap();
    mailer.send(&mail("ada@example.com", "Two")).await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "eml"))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "only the owner reads a mail: {mode:o}");
    }
    let first = std::fs::read_to_string(&files[0]).unwrap();
    assert!(first.contains("To: ada@example.com"), "{first}");
    assert!(first.contains("Subject: One"), "{first}");
    std::fs::remove_dir_all(dir).unwrap();
}

async fn job_state(db: &sea_orm::DatabaseConnection) -> (String, i32, Option<String>) {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, attempts, last_error FROM jobs",
        ))
        .await
        .unwrap()
        .expect("one job");
    (
        row.try_get("", "status").unwrap(),
        row.try_get("", "attempts").unwrap(),
        row.try_get("", "last_error").unwrap(),
    )
}

/// A queued letter through the real runner, template renderer and SMTP
/// mailer against a sink answering RCPT with `rcpt_reply`.
async fn run_letter_job(rcpt_reply: &str) -> (String, i32, Option<String>) {
    let db = common::fresh_db().await;
    let sink = SmtpSink::start(SinkConfig {
        rcpt_reply: Some(rcpt_reply.into()),
        ..SinkConfig::default()
    })
    .await;
    let clock: Arc<dyn keel_domain::clock::Clock> = Arc::new(keel_infrastructure::SystemClock);
    let postman = Arc::new(Postman::new(
        Arc::new(TemplateRenderer::new("Keel")),
        Arc::new(smtp(sink.port, SmtpTls::None, None)),
        Arc::new(SeaOrmUserRepo::new(db.clone())),
    ));
    let mut runner = JobRunner::new(
        db.clone(),
        JobRunnerConfig {
            poll_interval: Duration::from_millis(20),
            base_backoff: Duration::from_secs(60),
            ..JobRunnerConfig::default()
        },
        clock.clone(),
    );
    runner.register(SEND_MAIL_JOB, Arc::new(SendMailJob::new(postman)));
    let letter = Letter::new(
        Recipient::Address("ada@example.com".into()),
        "order_status",
        serde_json::json!({"order_id": "o-1", "status": "shipped"}),
    );
    SeaOrmJobQueue::new(db.clone(), None, clock.clone())
        .enqueue(NewJob::new(
            SEND_MAIL_JOB,
            serde_json::to_string(&letter).unwrap(),
            clock.now(),
        ))
        .await
        .unwrap();
    assert!(runner.run_once().await.unwrap());
    job_state(&db).await
}

#[tokio::test]
async fn an_smtp_4xx_leaves_the_mail_queued_for_a_retry_and_a_5xx_kills_it_with_the_reason() {
    let (status, attempts, error) = run_letter_job("451 4.3.0 Try again later").await;
    assert_eq!((status.as_str(), attempts), ("retrying", 1));
    assert!(error.unwrap().contains("451"));
    let (status, attempts, error) = run_letter_job("550 5.1.1 No such user").await;
    assert_eq!((status.as_str(), attempts), ("dead", 1));
    let error = error.unwrap();
    assert!(
        error.contains("550") && error.contains("No such user"),
        "{error}"
    );
}
