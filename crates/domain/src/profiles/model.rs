//! Profile entities. Every entity carries `created_at`, `updated_at` and
//! `deactivated_at`, set by the application; deletes are soft.

use chrono::{DateTime, NaiveDate, Utc};

use super::error::ProfileRuleError;
use super::values::{
    ContactId, ContactType, CountryCode, Gender, JobEntryId, LocationId, PersonName, ProfileId,
};
use crate::identity::UserId;

/// Where a person lives, its own entity referenced by the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Its id.
    pub id: LocationId,
    /// ISO 3166-1 alpha-2.
    pub country: CountryCode,
    /// State, province or region.
    pub state_province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Set when removed.
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// One profile per user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Its id.
    pub id: ProfileId,
    /// Its owner.
    pub user_id: UserId,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Gender, as stated.
    pub gender: Option<Gender>,
    /// Free text, at most 2000 characters.
    pub bio: Option<String>,
    /// Picture URL (an uploaded image's path, or an absolute http(s) URL).
    pub profile_picture_url: Option<String>,
    /// Listed in search and readable by anyone.
    pub is_public: bool,
    /// Contacts shown to others (on a public profile).
    pub allow_contact: bool,
    /// Where the person lives.
    pub location: Option<Location>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Set when the owner deleted it.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl Profile {
    /// Whether `viewer` (none for an anonymous caller) may read it: the
    /// owner and admins always; anyone else only while it is public, not
    /// deleted and its owner is active.
    pub fn visible_to(&self, viewer: Option<(UserId, bool)>, owner_active: bool) -> bool {
        match viewer {
            Some((id, _)) if id == self.user_id => true,
            Some((_, true)) => true,
            _ => self.is_public && self.deactivated_at.is_none() && owner_active,
        }
    }
}

/// A way to reach the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Its id.
    pub id: ContactId,
    /// The profile it belongs to.
    pub profile_id: ProfileId,
    /// Its type.
    pub kind: ContactType,
    /// The value, valid for its type.
    pub value: String,
    /// The primary contact of its type (at most one per type and profile).
    pub is_primary: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Set when removed.
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// One position in the person's job history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEntry {
    /// Its id.
    pub id: JobEntryId,
    /// The profile it belongs to.
    pub profile_id: ProfileId,
    /// Job title.
    pub title: String,
    /// Employer.
    pub company: String,
    /// Industry.
    pub industry: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day; `None` while current.
    pub end_date: Option<NaiveDate>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Set when removed.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl JobEntry {
    /// Checks that the entry ends no earlier than it starts.
    ///
    /// # Errors
    /// [`ProfileRuleError::EndBeforeStart`].
    pub fn check_dates(start: NaiveDate, end: Option<NaiveDate>) -> Result<(), ProfileRuleError> {
        match end {
            Some(end) if end < start => Err(ProfileRuleError::EndBeforeStart),
            _ => Ok(()),
        }
    }
}

/// A profile with its active contacts and job history, and whether its
/// owner is active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileView {
    /// The profile (with its location).
    pub profile: Profile,
    /// Active contacts, primary first then oldest first.
    pub contacts: Vec<Contact>,
    /// Active job entries, latest start first.
    pub jobs: Vec<JobEntry>,
    /// Whether the owning user is active.
    pub owner_active: bool,
}

/// Which public profiles a search returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFilter {
    /// Case-insensitive substring of the names, bio or city.
    pub query: Option<String>,
    /// Only this country.
    pub country: Option<CountryCode>,
    /// Only this city (case-insensitive, exact).
    pub city: Option<String>,
    /// Every profile, private and deactivated ones included (admins).
    pub include_hidden: bool,
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
