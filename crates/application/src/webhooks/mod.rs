//! Inbound webhooks: verify, store durably, answer fast; a background job
//! applies each stored event once.

mod clerk_job;
mod error;
mod service;

#[cfg(test)]
mod clerk_job_failure_tests;
#[cfg(test)]
mod clerk_job_tests;
#[cfg(test)]
mod service_admin_tests;
#[cfg(test)]
mod service_tests;
#[cfg(test)]
use crate::test_support::webhooks as test_support;

pub use clerk_job::{CLERK_WEBHOOK_JOB, ClerkWebhookJob};
pub use error::{WebhooksCase, WebhooksError};
pub use service::{HANDLED_TYPES, Receipt, WebhookService};
