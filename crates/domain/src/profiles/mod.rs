//! Profiles: a user's personal and professional profile, its location,
//! contacts and job history, and the ports that store them.

pub mod error;
pub mod model;
pub mod ports;
pub mod values;

pub use error::ProfileRuleError;
pub use model::{Contact, JobEntry, Location, Profile, ProfileFilter, ProfileView};
pub use ports::{ProfileItem, ProfileRepo};
pub use values::{
    ContactId, ContactType, CountryCode, Gender, JobEntryId, LocationId, PersonName, ProfileId,
};
