//! Inbound webhooks (Clerk's, delivered by Svix): signature verification and
//! the durable event log.

pub mod error;
pub mod model;
pub mod ports;
pub mod values;

pub use error::WebhookError;
pub use model::{DirectoryEvent, WebhookEvent, WebhookStatus};
pub use ports::{WebhookEventRepo, WebhookPayloadReader, WebhookVerifier};
pub use values::WebhookHeaders;
