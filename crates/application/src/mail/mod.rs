//! Mail: rendering and sending letters (the `mail.send` job), issuing and
//! mailing single-use tokens (the `mail.account` job), and the outbox that
//! queues both on the durable job queue.

mod account_job;
mod outbox;
mod postman;

pub use account_job::{AccountMailJob, MailLinks};
pub use outbox::QueueOutbox;
pub use postman::{Postman, SendMailJob};

#[cfg(test)]
mod account_job_tests;
#[cfg(test)]
mod postman_tests;
