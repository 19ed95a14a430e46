//! The durable job runner: jobs live in the main database (`jobs` table), so
//! they survive restarts; runners claim them atomically (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, a single-statement claim under SQLite's one writer),
//! so several instances never run the same job at once; a job whose runner
//! died is reclaimed after the lock timeout; failures back off exponentially
//! with jitter until a dead state.

mod queue;
mod runner;

pub use queue::SeaOrmJobQueue;
pub(crate) use queue::{insert_job, schedule_job};
pub use runner::{JobRunner, JobRunnerConfig, backoff};
