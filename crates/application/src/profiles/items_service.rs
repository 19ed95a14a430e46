use std::sync::Arc;

use chrono::NaiveDate;
use keel_domain::FieldError;
use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::profiles::{
    Contact, ContactId, ContactType, JobEntry, JobEntryId, ProfileId, ProfileItem, ProfileRepo,
    ProfileView,
};

use super::error::ProfilesError;
use super::profile_service::{live_profile, optional_text};

/// A new contact.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    /// `phone`, `email`, `website`, `linkedin` or `other`.
    pub kind: String,
    /// Valid for its type.
    pub value: String,
    /// The primary contact of its type (the previous one stops being primary).
    pub is_primary: bool,
}

/// A partial contact update.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    /// New type (the value must suit it).
    pub kind: Option<String>,
    /// New value.
    pub value: Option<String>,
    /// New primary flag.
    pub is_primary: Option<bool>,
}

/// A new job entry.
#[derive(Debug, Clone, Default)]
pub struct JobInput {
    /// 1..=200 characters.
    pub title: String,
    /// 1..=200 characters.
    pub company: String,
    /// At most 100 characters.
    pub industry: Option<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day, not before `start_date`.
    pub end_date: Option<NaiveDate>,
}

/// A partial job update; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct JobPatch {
    /// New title.
    pub title: Option<String>,
    /// New company.
    pub company: Option<String>,
    /// New industry.
    pub industry: Option<Option<String>>,
    /// New first day.
    pub start_date: Option<NaiveDate>,
    /// New last day.
    pub end_date: Option<Option<NaiveDate>>,
}

/// The caller's contacts and job history. Items of another user's profile
/// are `NotFound`, never `Forbidden`.
pub struct ProfileItemService {
    profiles: Arc<dyn ProfileRepo>,
    clock: Arc<dyn Clock>,
}

fn required(raw: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = optional_text(Some(raw), field, max, errors);
    if value.is_none() && raw.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    value
}

impl ProfileItemService {
    /// Wires the service.
    pub fn new(profiles: Arc<dyn ProfileRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { profiles, clock }
    }

    /// The caller's live profile with its items.
    async fn own_view(&self, principal: &Principal) -> Result<ProfileView, ProfilesError> {
        live_profile(self.profiles.as_ref(), principal).await
    }

    async fn own_profile(&self, principal: &Principal) -> Result<ProfileId, ProfilesError> {
        Ok(self.own_view(principal).await?.profile.id)
    }

    /// The caller's active contacts.
    ///
    /// # Errors
    /// `NotFound` without a live profile; storage errors.
    pub async fn contacts(&self, principal: &Principal) -> Result<Vec<Contact>, ProfilesError> {
        Ok(self.own_view(principal).await?.contacts)
    }

    /// Adds a contact.
    ///
    /// # Errors
    /// `Validation` for a bad type or a value that does not suit it,
    /// `NotFound` without a live profile; storage errors.
    pub async fn add_contact(
        &self,
        principal: &Principal,
        input: ContactInput,
    ) -> Result<Contact, ProfilesError> {
        let kind =
            ContactType::parse(&input.kind).map_err(|e| ProfilesError::Validation(vec![e]))?;
        let value = kind
            .validate(&input.value)
            .map_err(|e| ProfilesError::Validation(vec![e]))?;
        let profile_id = self.own_profile(principal).await?;
        let now = self.clock.now();
        let contact = Contact {
            id: ContactId::generate(),
            profile_id,
            kind,
            value,
            is_primary: input.is_primary,
            created_at: now,
            updated_at: now,
            deactivated_at: None,
        };
        self.profiles.save_contact(&contact).await?;
        Ok(contact)
    }

    /// Changes a contact of the caller's.
    ///
    /// # Errors
    /// `NotFound` for another user's or a deleted contact; `Validation`.
    pub async fn update_contact(
        &self,
        principal: &Principal,
        id: ContactId,
        patch: ContactPatch,
    ) -> Result<Contact, ProfilesError> {
        let profile_id = self.own_profile(principal).await?;
        let mut contact = self
            .profiles
            .find_contact(profile_id, id)
            .await?
            .ok_or(ProfilesError::NotFound)?;
        if let Some(kind) = patch.kind.as_deref() {
            contact.kind =
                ContactType::parse(kind).map_err(|e| ProfilesError::Validation(vec![e]))?;
        }
        let value = patch.value.unwrap_or_else(|| contact.value.clone());
        contact.value = contact
            .kind
            .validate(&value)
            .map_err(|e| ProfilesError::Validation(vec![e]))?;
        if let Some(primary) = patch.is_primary {
            contact.is_primary = primary;
        }
        contact.updated_at = self.clock.now();
        self.profiles.save_contact(&contact).await?;
        Ok(contact)
    }

    /// The caller's active job history, latest start first.
    ///
    /// # Errors
    /// `NotFound` without a live profile; storage errors.
    pub async fn jobs(&self, principal: &Principal) -> Result<Vec<JobEntry>, ProfilesError> {
        Ok(self.own_view(principal).await?.jobs)
    }

    /// Adds a job entry.
    ///
    /// # Errors
    /// `Validation` (dates, lengths), `NotFound` without a live profile.
    pub async fn add_job(
        &self,
        principal: &Principal,
        input: JobInput,
    ) -> Result<JobEntry, ProfilesError> {
        let mut errors = Vec::new();
        let title = required(&input.title, "title", 200, &mut errors);
        let company = required(&input.company, "company", 200, &mut errors);
        let industry = optional_text(input.industry.as_deref(), "industry", 100, &mut errors);
        if input.start_date.is_none() {
            errors.push(FieldError::new("start_date", "is required"));
        }
        let (Some(title), Some(company), Some(start_date), true) =
            (title, company, input.start_date, errors.is_empty())
        else {
            return Err(ProfilesError::Validation(errors));
        };
        JobEntry::check_dates(start_date, input.end_date)?;
        let profile_id = self.own_profile(principal).await?;
        let now = self.clock.now();
        let job = JobEntry {
            id: JobEntryId::generate(),
            profile_id,
            title,
            company,
            industry,
            start_date,
            end_date: input.end_date,
            created_at: now,
            updated_at: now,
            deactivated_at: None,
        };
        self.profiles.save_job(&job).await?;
        Ok(job)
    }

    /// Changes a job entry of the caller's.
    ///
    /// # Errors
    /// `NotFound` for another user's or a deleted entry; `Validation`.
    pub async fn update_job(
        &self,
        principal: &Principal,
        id: JobEntryId,
        patch: JobPatch,
    ) -> Result<JobEntry, ProfilesError> {
        let profile_id = self.own_profile(principal).await?;
        let mut job = self
            .profiles
            .find_job(profile_id, id)
            .await?
            .ok_or(ProfilesError::NotFound)?;
        let mut errors = Vec::new();
        if let Some(title) = patch.title.as_deref() {
            job.title = required(title, "title", 200, &mut errors).unwrap_or_default();
        }
        if let Some(company) = patch.company.as_deref() {
            job.company = required(company, "company", 200, &mut errors).unwrap_or_default();
        }
        if let Some(industry) = patch.industry {
            job.industry = optional_text(industry.as_deref(), "industry", 100, &mut errors);
        }
        if !errors.is_empty() {
            return Err(ProfilesError::Validation(errors));
        }
        if let Some(start) = patch.start_date {
            job.start_date = start;
        }
        if let Some(end) = patch.end_date {
            job.end_date = end;
        }
        JobEntry::check_dates(job.start_date, job.end_date)?;
        job.updated_at = self.clock.now();
        self.profiles.save_job(&job).await?;
        Ok(job)
    }

    /// Soft-deletes a contact or job entry of the caller's.
    ///
    /// # Errors
    /// `NotFound` for another user's, a deleted or an unknown item.
    pub async fn delete(
        &self,
        principal: &Principal,
        item: ProfileItem,
    ) -> Result<(), ProfilesError> {
        let profile_id = self.own_profile(principal).await?;
        if self
            .profiles
            .deactivate_item(profile_id, item, self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(ProfilesError::NotFound)
        }
    }
}
