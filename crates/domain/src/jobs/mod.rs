//! Durable background jobs: use cases enqueue work through [`JobQueue`]
//! without knowing the runner; handlers do the work.

pub mod error;
pub mod model;
pub mod ports;

pub use error::JobError;
pub use model::{Job, NewJob};
pub use ports::{JobHandler, JobQueue};
