//! Identity port errors.

/// Why a bearer token did not authenticate.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// Missing, malformed, expired, revoked or otherwise unacceptable token.
    /// Deliberately says nothing about which check failed.
    #[error("invalid token")]
    InvalidToken,
    /// The token is genuine but the caller may not proceed (e.g. a pending session).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The verifier cannot decide right now (e.g. no signing keys); retry later.
    #[error("identity provider unavailable")]
    Unavailable {
        /// Seconds after which a retry may succeed.
        retry_after_secs: u64,
    },
}

/// A token could not be issued or verified.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// The token is not one this service accepts (signature, claims, type...).
    #[error("invalid token")]
    Invalid,
    /// The token could not be produced; the message is for logs only.
    #[error("token encoding failed: {0}")]
    Encoding(String),
}

/// Hashing or verifying a password failed for a reason other than a mismatch.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HashError {
    /// The hasher failed (a corrupt stored hash, a worker that died).
    #[error("password hashing failed: {0}")]
    Failed(String),
    /// Too many hashes are already waiting: shed the request (503 with
    /// `Retry-After`) rather than queue it without bound.
    #[error("too many password checks are waiting")]
    Busy,
}
