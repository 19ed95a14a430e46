//! Identity handlers: local accounts, tokens and sessions; my account and
//! user administration.

pub mod auth;
pub mod recovery;
pub mod users;
