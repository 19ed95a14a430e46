//! Inbound webhooks: verify, store durably, answer fast; a background job
//! applies each stored event once.

mod clerk_event;
mod clerk_job;
mod service;

pub use clerk_event::{ClerkEvent, parse_clerk_event};
pub use clerk_job::{CLERK_WEBHOOK_JOB, ClerkWebhookJob};
pub use service::{Receipt, WebhookService};
