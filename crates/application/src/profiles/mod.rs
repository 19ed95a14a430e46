//! Profile use cases: the caller's profile, its contacts and job history,
//! public reads and search, pictures.

mod error;
mod items_service;
mod profile_service;

#[cfg(test)]
mod items_tests;
#[cfg(test)]
mod profile_tests;
#[cfg(test)]
use crate::test_support::profiles as test_support;

pub use error::{ProfilesCase, ProfilesError};
pub use items_service::{ContactInput, ContactPatch, JobInput, JobPatch, ProfileItemService};
pub use profile_service::{LocationInput, PictureUrl, ProfileInput, ProfileSearch, ProfileService};
