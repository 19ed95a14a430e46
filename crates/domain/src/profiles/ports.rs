//! The profile store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{Contact, JobEntry, Profile, ProfileFilter, ProfileView};
use super::values::{ContactId, JobEntryId, ProfileId};
use crate::error::RepoError;
use crate::identity::UserId;
use crate::pagination::{Page, PageRequest};

/// Stores profiles with their location, contacts and job history. Reads of
/// one profile take a fixed number of queries whatever its counts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProfileRepo: Send + Sync {
    /// The profile of `user` (a deleted one too), with its active contacts
    /// and jobs.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn view_by_user(&self, user: UserId) -> Result<Option<ProfileView>, RepoError>;

    /// Profile `id` (a deleted one too), with its active contacts and jobs.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn view(&self, id: ProfileId) -> Result<Option<ProfileView>, RepoError>;

    /// Inserts or replaces the profile (matched by id) and its location, in
    /// one transaction.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] when the user already has another profile.
    async fn save(&self, profile: &Profile) -> Result<(), RepoError>;

    /// A page of profiles matching `filter`, newest first. Unless
    /// `include_hidden`, only public, not deleted profiles of active users.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn search(
        &self,
        filter: &ProfileFilter,
        page: PageRequest,
    ) -> Result<Page<Profile>, RepoError>;

    /// An active contact of `profile`.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_contact(
        &self,
        profile: ProfileId,
        id: ContactId,
    ) -> Result<Option<Contact>, RepoError>;

    /// Inserts or updates a contact (matched by id); when it is primary, the
    /// other primary of its type stops being primary in the same
    /// transaction, so a type has at most one primary (the database refuses
    /// a second as well).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn save_contact(&self, contact: &Contact) -> Result<(), RepoError>;

    /// An active job entry of `profile`.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn find_job(
        &self,
        profile: ProfileId,
        id: JobEntryId,
    ) -> Result<Option<JobEntry>, RepoError>;

    /// Inserts or updates a job entry (matched by id).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn save_job(&self, job: &JobEntry) -> Result<(), RepoError>;

    /// Soft-deletes an active contact or job entry of `profile`; `false`
    /// when there is none with that id.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when storage fails.
    async fn deactivate_item(
        &self,
        profile: ProfileId,
        item: ProfileItem,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
}

/// A contact or a job entry, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileItem {
    /// A contact.
    Contact(ContactId),
    /// A job entry.
    Job(JobEntryId),
}
