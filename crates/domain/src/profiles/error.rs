//! Profile rule errors.

/// A profile rule a change would break.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProfileRuleError {
    /// A job's `end_date` before its `start_date`.
    #[error("end_date must not be before start_date")]
    EndBeforeStart,
}
