//! [`Outbox`] on the durable job queue.

use std::sync::Arc;

use async_trait::async_trait;
use keel_domain::RepoError;
use keel_domain::clock::Clock;
use keel_domain::jobs::{JobQueue, NewJob};
use keel_domain::mail::{ACCOUNT_MAIL_JOB, AccountMail, Letter, Outbox, SEND_MAIL_JOB};

/// Queues letters as `mail.send` jobs and token mails as `mail.account` jobs.
pub struct QueueOutbox {
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
}

impl QueueOutbox {
    /// An outbox over `queue`.
    pub fn new(queue: Arc<dyn JobQueue>, clock: Arc<dyn Clock>) -> Self {
        Self { queue, clock }
    }

    async fn enqueue(&self, kind: &str, payload: String) -> Result<(), RepoError> {
        self.queue
            .enqueue(NewJob::new(kind, payload, self.clock.now()))
            .await
            .map(|_| ())
    }
}

fn json(value: &impl serde::Serialize) -> Result<String, RepoError> {
    serde_json::to_string(value).map_err(|e| RepoError::Internal(keel_domain::Cause::new(e)))
}

#[async_trait]
impl Outbox for QueueOutbox {
    async fn post(&self, letter: Letter) -> Result<(), RepoError> {
        self.enqueue(SEND_MAIL_JOB, json(&letter)?).await
    }

    async fn account(&self, mail: AccountMail) -> Result<(), RepoError> {
        self.enqueue(ACCOUNT_MAIL_JOB, json(&mail)?).await
    }
}
