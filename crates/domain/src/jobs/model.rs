//! Jobs as use cases enqueue them and handlers see them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which handler runs it, e.g. `clerk.webhook`.
    pub kind: String,
    /// Handler input, JSON text.
    pub payload: String,
    /// Not before this instant.
    pub run_at: DateTime<Utc>,
    /// Attempts before the job is dead.
    pub max_attempts: u32,
}

impl NewJob {
    /// A job of `kind` due at `now` with 8 attempts.
    pub fn new(kind: impl Into<String>, payload: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            kind: kind.into(),
            payload: payload.into(),
            run_at: now,
            max_attempts: 8,
        }
    }
}

/// A claimed job as a handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: Uuid,
    /// Handler name.
    pub kind: String,
    /// Handler input.
    pub payload: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// Attempts allowed in all.
    pub max_attempts: u32,
}
