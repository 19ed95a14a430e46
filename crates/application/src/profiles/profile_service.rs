use std::sync::Arc;

use chrono::NaiveDate;
use keel_domain::FieldError;
use keel_domain::catalog::{FileStorage, ImageDecoder, StorageKey};
use keel_domain::clock::Clock;
use keel_domain::identity::{ImageUrl, Principal, Role};
use keel_domain::profiles::{
    CountryCode, Gender, Location, LocationId, PersonName, Profile, ProfileFilter, ProfileId,
    ProfileRepo, ProfileView,
};
use keel_domain::{Page, PageRequest};

use super::error::{ProfilesCase, ProfilesError};

/// The body of `PUT /users/me/profile`: the whole profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// 1..=100 characters.
    pub first_name: String,
    /// 1..=100 characters.
    pub last_name: String,
    /// Not in the future, not before 1900.
    pub date_of_birth: Option<NaiveDate>,
    /// `female`, `male`, `non_binary`, `other` or `prefer_not_to_say`.
    pub gender: Option<String>,
    /// At most 2000 characters.
    pub bio: Option<String>,
    /// An absolute http(s) URL or the path of an uploaded image.
    pub profile_picture_url: Option<String>,
    /// Listed and readable by anyone.
    pub is_public: bool,
    /// Contacts shown to others.
    pub allow_contact: bool,
    /// Where the person lives.
    pub location: Option<LocationInput>,
}

/// A location as clients send it.
#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// At most 100 characters.
    pub state_province: Option<String>,
    /// At most 100 characters.
    pub city: Option<String>,
    /// At most 20 characters.
    pub postal_code: Option<String>,
}

/// The filters of `GET /profiles`.
#[derive(Debug, Clone, Default)]
pub struct ProfileSearch {
    /// Substring of the names, bio or city.
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Exact city, any case.
    pub city: Option<String>,
}

/// Profiles: the caller's own, public reads and search, pictures.
pub struct ProfileService {
    profiles: Arc<dyn ProfileRepo>,
    storage: Arc<dyn FileStorage>,
    images: Arc<dyn ImageDecoder>,
    clock: Arc<dyn Clock>,
    url_for: PictureUrl,
}

/// Where the HTTP layer serves a stored image (its path for a key).
pub type PictureUrl = Arc<dyn Fn(&StorageKey) -> String + Send + Sync>;

/// `Some(text)` trimmed within `max` characters, `None` when blank.
pub(crate) fn optional_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = raw.map(str::trim).filter(|v| !v.is_empty())?;
    if value.chars().count() > max
        || value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    Some(value.to_owned())
}

fn collect<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// The caller's live (not deleted) profile with its items.
pub(crate) async fn live_profile(
    profiles: &dyn ProfileRepo,
    principal: &Principal,
) -> Result<ProfileView, ProfilesError> {
    profiles
        .view_by_user(principal.user.id)
        .await?
        .filter(|v| v.profile.deactivated_at.is_none())
        .ok_or(ProfilesError::NotFound)
}

/// Whether `raw` is a picture URL: absolute http(s), or where `url_for`
/// serves an uploaded image.
fn picture_url(raw: &str, url_for: &PictureUrl) -> Result<String, FieldError> {
    let raw = raw.trim();
    let uploaded = raw
        .rsplit('/')
        .next()
        .and_then(|last| StorageKey::parse(last).ok())
        .is_some_and(|key| url_for(&key) == raw);
    if uploaded {
        return Ok(raw.to_owned());
    }
    ImageUrl::parse(raw)
        .map(|u| u.as_str().to_owned())
        .map_err(|_| {
            FieldError::new(
                "profile_picture_url",
                "must be an absolute http(s) URL or an uploaded image",
            )
        })
}

impl ProfileService {
    /// Wires the service; pictures go through the shop's image pipeline
    /// (`storage` and `images`) and are served where `url_for` says.
    pub fn new(
        profiles: Arc<dyn ProfileRepo>,
        storage: Arc<dyn FileStorage>,
        images: Arc<dyn ImageDecoder>,
        clock: Arc<dyn Clock>,
        url_for: PictureUrl,
    ) -> Self {
        Self {
            profiles,
            storage,
            images,
            clock,
            url_for,
        }
    }

    /// The caller's live profile.
    async fn live_own(&self, principal: &Principal) -> Result<ProfileView, ProfilesError> {
        live_profile(self.profiles.as_ref(), principal).await
    }

    /// The caller's profile with its contacts and jobs.
    ///
    /// # Errors
    /// `NotFound` before the first `PUT` or after `DELETE`; storage errors.
    pub async fn mine(&self, principal: &Principal) -> Result<ProfileView, ProfilesError> {
        self.live_own(principal).await
    }

    /// Creates or replaces the caller's profile; `true` when it was created
    /// (a deleted profile comes back as created, with no contacts or jobs).
    ///
    /// # Errors
    /// `Validation` naming every bad field; storage errors.
    pub async fn put_mine(
        &self,
        principal: &Principal,
        input: ProfileInput,
    ) -> Result<(ProfileView, bool), ProfilesError> {
        let now = self.clock.now();
        let mut errors = Vec::new();
        let first_name = collect(
            PersonName::parse(&input.first_name, "first_name"),
            &mut errors,
        );
        let last_name = collect(
            PersonName::parse(&input.last_name, "last_name"),
            &mut errors,
        );
        let gender = input
            .gender
            .as_deref()
            .and_then(|g| collect(Gender::parse(g), &mut errors));
        let bio = optional_text(input.bio.as_deref(), "bio", 2000, &mut errors);
        let picture = input
            .profile_picture_url
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .and_then(|p| collect(picture_url(p, &self.url_for), &mut errors));
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        if let Some(born) = input.date_of_birth
            && (born > now.date_naive() || born < earliest)
        {
            errors.push(FieldError::new(
                "date_of_birth",
                "must be between 1900-01-01 and today",
            ));
        }
        let location = input.location.as_ref().and_then(|l| {
            let country = collect(
                CountryCode::parse(&l.country, "location.country"),
                &mut errors,
            );
            let state = optional_text(
                l.state_province.as_deref(),
                "location.state_province",
                100,
                &mut errors,
            );
            let city = optional_text(l.city.as_deref(), "location.city", 100, &mut errors);
            let postal = optional_text(
                l.postal_code.as_deref(),
                "location.postal_code",
                20,
                &mut errors,
            );
            country.map(|country| (country, state, city, postal))
        });
        let (Some(first_name), Some(last_name), true) = (first_name, last_name, errors.is_empty())
        else {
            return Err(ProfilesError::Validation(errors));
        };
        let existing = self.profiles.view_by_user(principal.user.id).await?;
        let live = existing
            .as_ref()
            .filter(|v| v.profile.deactivated_at.is_none());
        let created = live.is_none();
        let (id, created_at) = match &existing {
            Some(v) => (
                v.profile.id,
                if created { now } else { v.profile.created_at },
            ),
            None => (ProfileId::generate(), now),
        };
        let location = location.map(|(country, state_province, city, postal_code)| {
            let kept = live.and_then(|v| v.profile.location.as_ref());
            Location {
                id: kept.map_or_else(LocationId::generate, |l| l.id),
                country,
                state_province,
                city,
                postal_code,
                created_at: kept.map_or(now, |l| l.created_at),
                updated_at: now,
                deactivated_at: None,
            }
        });
        let profile = Profile {
            id,
            user_id: principal.user.id,
            first_name,
            last_name,
            date_of_birth: input.date_of_birth,
            gender,
            bio,
            profile_picture_url: picture,
            is_public: input.is_public,
            allow_contact: input.allow_contact,
            location,
            created_at,
            updated_at: now,
            deactivated_at: None,
        };
        self.profiles.save(&profile).await?;
        let view = self.live_own(principal).await?;
        Ok((view, created))
    }

    /// Soft-deletes the caller's profile: it leaves search and public reads.
    ///
    /// # Errors
    /// `NotFound` when there is no live profile; storage errors.
    pub async fn delete_mine(&self, principal: &Principal) -> Result<(), ProfilesError> {
        let mut profile = self.live_own(principal).await?.profile;
        let now = self.clock.now();
        profile.deactivated_at = Some(now);
        profile.updated_at = now;
        Ok(self.profiles.save(&profile).await?)
    }

    /// Profile `id` as `viewer` may see it: the owner and admins see every
    /// profile whole; anyone else a public, live profile of an active user,
    /// with its contacts only when `allow_contact`.
    ///
    /// # Errors
    /// `NotFound` for a profile the viewer may not see; storage errors.
    pub async fn get(
        &self,
        viewer: Option<&Principal>,
        id: ProfileId,
    ) -> Result<ProfileView, ProfilesError> {
        let mut view = self
            .profiles
            .view(id)
            .await?
            .ok_or(ProfilesError::NotFound)?;
        let who = viewer.map(|p| (p.user.id, p.role == Role::Admin));
        if !view.profile.visible_to(who, view.owner_active) {
            return Err(ProfilesError::NotFound);
        }
        let privileged = who.is_some_and(|(uid, admin)| admin || uid == view.profile.user_id);
        if !privileged && !view.profile.allow_contact {
            view.contacts.clear();
        }
        Ok(view)
    }

    /// A page of public, live profiles of active users; admins list every
    /// profile.
    ///
    /// # Errors
    /// `Validation` for a bad country or an overlong term; storage errors.
    pub async fn search(
        &self,
        viewer: Option<&Principal>,
        search: ProfileSearch,
        page: PageRequest,
    ) -> Result<Page<Profile>, ProfilesError> {
        let mut errors = Vec::new();
        let query =
            optional_text(search.q.as_deref(), "q", 100, &mut errors).map(|q| q.to_lowercase());
        let city = optional_text(search.city.as_deref(), "city", 100, &mut errors)
            .map(|c| c.to_lowercase());
        // An empty `country=` is refused like any non-code (the documented
        // parameter is an ISO code): omit it for every country.
        let country = search
            .country
            .as_deref()
            .and_then(|c| collect(CountryCode::parse(c, "country"), &mut errors));
        if !errors.is_empty() {
            return Err(ProfilesError::Validation(errors));
        }
        let filter = ProfileFilter {
            query,
            country,
            city,
            include_hidden: viewer.is_some_and(|p| p.role == Role::Admin),
        };
        Ok(self.profiles.search(&filter, page).await?)
    }

    /// Checks, before an upload's body is read, that the caller has a live
    /// profile to put a picture on.
    ///
    /// # Errors
    /// `NotFound` without a live profile; storage errors.
    pub async fn check_picture_target(&self, principal: &Principal) -> Result<(), ProfilesError> {
        self.live_own(principal).await.map(|_| ())
    }

    /// Stores an uploaded picture (typed by its content, like product
    /// images) and points the caller's profile at it.
    ///
    /// # Errors
    /// `NotFound` without a live profile, `UnsupportedMediaType` for bytes
    /// that are not an image; storage errors.
    pub async fn set_picture(
        &self,
        principal: &Principal,
        bytes: Vec<u8>,
    ) -> Result<ProfileView, ProfilesError> {
        let mut profile = self.live_own(principal).await?.profile;
        let kind = self
            .images
            .inspect(&bytes)
            .await
            .ok_or(ProfilesError::Case(ProfilesCase::UnsupportedMediaType))?
            .kind;
        let key = StorageKey::generate(kind);
        self.storage.put(&key, bytes, kind).await?;
        profile.profile_picture_url = Some((self.url_for)(&key));
        profile.updated_at = self.clock.now();
        self.profiles.save(&profile).await?;
        self.live_own(principal).await
    }
}
