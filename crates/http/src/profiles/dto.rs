//! Profile request and response bodies.

use chrono::{DateTime, NaiveDate, Utc};
use keel_application::profiles::{
    ContactInput, ContactPatch, JobInput, JobPatch, LocationInput, ProfileInput,
};
use keel_domain::profiles::{
    Contact, ContactType, CountryCode, Gender, JobEntry, Location, Profile, ProfileView,
};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A gender on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderDto {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Non-binary.
    NonBinary,
    /// Another gender.
    Other,
    /// Rather not say.
    PreferNotToSay,
}

impl GenderDto {
    fn name(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::NonBinary => "non_binary",
            Self::Other => "other",
            Self::PreferNotToSay => "prefer_not_to_say",
        }
    }

    fn from_domain(g: Gender) -> Self {
        match g {
            Gender::Female => Self::Female,
            Gender::Male => Self::Male,
            Gender::NonBinary => Self::NonBinary,
            Gender::Other => Self::Other,
            Gender::PreferNotToSay => Self::PreferNotToSay,
        }
    }
}

/// A contact type on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactTypeDto {
    /// Digits, spaces, `-`, `( )` and a leading `+`; 5 to 15 digits.
    Phone,
    /// An email address.
    Email,
    /// An absolute http(s) URL.
    Website,
    /// A LinkedIn profile URL.
    Linkedin,
    /// Anything else, 1 to 200 characters.
    Other,
}

impl ContactTypeDto {
    fn name(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Website => "website",
            Self::Linkedin => "linkedin",
            Self::Other => "other",
        }
    }

    fn from_domain(t: ContactType) -> Self {
        match t {
            ContactType::Phone => Self::Phone,
            ContactType::Email => Self::Email,
            ContactType::Website => Self::Website,
            ContactType::Linkedin => Self::Linkedin,
            ContactType::Other => Self::Other,
        }
    }
}

fn country_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(CountryCode::codes().iter().copied()))
        .description(Some(
            "ISO 3166-1 alpha-2 code (lower case is accepted too).",
        ))
        .build()
}

/// A location as clients send and read it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationDto {
    /// ISO 3166-1 alpha-2.
    #[schema(schema_with = country_schema)]
    pub country: String,
    /// State, province or region.
    #[schema(max_length = 100)]
    pub state_province: Option<String>,
    /// City.
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// Postal code.
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
}

impl From<Location> for LocationDto {
    fn from(l: Location) -> Self {
        Self {
            country: l.country.as_str().to_owned(),
            state_province: l.state_province,
            city: l.city,
            postal_code: l.postal_code,
        }
    }
}

/// `PUT /users/me/profile`: the whole profile (absent optional fields are cleared).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    /// 1 to 100 characters.
    #[schema(
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub first_name: String,
    /// 1 to 100 characters.
    #[schema(
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub last_name: String,
    /// Between 1900-01-01 and today.
    pub date_of_birth: Option<NaiveDate>,
    /// As the person states it.
    pub gender: Option<GenderDto>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub bio: Option<String>,
    /// An absolute http(s) URL or an uploaded picture's path (empty clears it).
    #[schema(
        max_length = 2048,
        pattern = r"^(|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s\u0000-\u001F\u007F-\u009F]*)?|/api/v1/images/[a-z0-9]{1,64}\.(jpg|png|webp))$"
    )]
    pub profile_picture_url: Option<String>,
    /// Listed in search and readable by anyone (default false).
    #[serde(default)]
    pub is_public: bool,
    /// Contacts shown to others (default false).
    #[serde(default)]
    pub allow_contact: bool,
    /// Where the person lives.
    pub location: Option<LocationDto>,
}

impl From<ProfileRequest> for ProfileInput {
    fn from(r: ProfileRequest) -> Self {
        Self {
            first_name: r.first_name,
            last_name: r.last_name,
            date_of_birth: r.date_of_birth,
            gender: r.gender.map(|g| g.name().to_owned()),
            bio: r.bio,
            profile_picture_url: r.profile_picture_url,
            is_public: r.is_public,
            allow_contact: r.allow_contact,
            location: r.location.map(|l| LocationInput {
                country: l.country,
                state_province: l.state_province,
                city: l.city,
                postal_code: l.postal_code,
            }),
        }
    }
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    /// Contact id.
    pub id: Uuid,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ContactTypeDto,
    /// The value.
    pub value: String,
    /// The primary contact of its type.
    pub is_primary: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Contact> for ContactResponse {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id.as_uuid(),
            kind: ContactTypeDto::from_domain(c.kind),
            value: c.value,
            is_primary: c.is_primary,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A job-history entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobResponse {
    /// Entry id.
    pub id: Uuid,
    /// Job title.
    pub title: String,
    /// Employer.
    pub company: String,
    /// Industry.
    pub industry: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day; `null` while current.
    pub end_date: Option<NaiveDate>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<JobEntry> for JobResponse {
    fn from(j: JobEntry) -> Self {
        Self {
            id: j.id.as_uuid(),
            title: j.title,
            company: j.company,
            industry: j.industry,
            start_date: j.start_date,
            end_date: j.end_date,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// A profile in a list: no contacts or jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileSummary {
    /// Profile id.
    pub id: Uuid,
    /// The owner's user id.
    pub user_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// At most 2000 characters.
    pub bio: Option<String>,
    /// Picture URL.
    pub profile_picture_url: Option<String>,
    /// Listed and readable by anyone.
    pub is_public: bool,
    /// Where the person lives.
    pub location: Option<LocationDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Profile> for ProfileSummary {
    fn from(p: Profile) -> Self {
        Self {
            id: p.id.as_uuid(),
            user_id: p.user_id.as_uuid(),
            first_name: p.first_name.as_str().to_owned(),
            last_name: p.last_name.as_str().to_owned(),
            bio: p.bio,
            profile_picture_url: p.profile_picture_url,
            is_public: p.is_public,
            location: p.location.map(LocationDto::from),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A whole profile: contacts (only when the reader may see them) and jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileResponse {
    /// Profile id.
    pub id: Uuid,
    /// The owner's user id.
    pub user_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Gender, as stated.
    pub gender: Option<GenderDto>,
    /// At most 2000 characters.
    pub bio: Option<String>,
    /// Picture URL.
    pub profile_picture_url: Option<String>,
    /// Listed and readable by anyone.
    pub is_public: bool,
    /// Contacts shown to others.
    pub allow_contact: bool,
    /// Where the person lives.
    pub location: Option<LocationDto>,
    /// Contacts, primary first.
    pub contacts: Vec<ContactResponse>,
    /// Job history, latest start first.
    pub jobs: Vec<JobResponse>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<ProfileView> for ProfileResponse {
    fn from(v: ProfileView) -> Self {
        let p = v.profile;
        Self {
            id: p.id.as_uuid(),
            user_id: p.user_id.as_uuid(),
            first_name: p.first_name.as_str().to_owned(),
            last_name: p.last_name.as_str().to_owned(),
            date_of_birth: p.date_of_birth,
            gender: p.gender.map(GenderDto::from_domain),
            bio: p.bio,
            profile_picture_url: p.profile_picture_url,
            is_public: p.is_public,
            allow_contact: p.allow_contact,
            location: p.location.map(LocationDto::from),
            contacts: v.contacts.into_iter().map(ContactResponse::from).collect(),
            jobs: v.jobs.into_iter().map(JobResponse::from).collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `POST /users/me/profile/contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// Its type; the value must suit it.
    #[serde(rename = "type")]
    pub kind: ContactTypeDto,
    /// The value.
    #[schema(max_length = 320)]
    pub value: String,
    /// Make it the primary of its type (the previous primary stops being one).
    #[serde(default)]
    pub is_primary: bool,
}

impl From<ContactRequest> for ContactInput {
    fn from(r: ContactRequest) -> Self {
        Self {
            kind: r.kind.name().to_owned(),
            value: r.value,
            is_primary: r.is_primary,
        }
    }
}

/// `PATCH /users/me/profile/contacts/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatchRequest {
    /// New type.
    #[serde(rename = "type")]
    pub kind: Option<ContactTypeDto>,
    /// New value.
    #[schema(max_length = 320)]
    pub value: Option<String>,
    /// New primary flag.
    pub is_primary: Option<bool>,
}

impl From<ContactPatchRequest> for ContactPatch {
    fn from(r: ContactPatchRequest) -> Self {
        Self {
            kind: r.kind.map(|k| k.name().to_owned()),
            value: r.value,
            is_primary: r.is_primary,
        }
    }
}

/// `POST /users/me/profile/jobs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// 1 to 200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// 1 to 200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub company: String,
    /// At most 100 characters.
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, not before `start_date`.
    pub end_date: Option<NaiveDate>,
}

impl From<JobRequest> for JobInput {
    fn from(r: JobRequest) -> Self {
        Self {
            title: r.title,
            company: r.company,
            industry: r.industry,
            start_date: Some(r.start_date),
            end_date: r.end_date,
        }
    }
}

/// `PATCH /users/me/profile/jobs/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobPatchRequest {
    /// New title.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: Option<String>,
    /// New company.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub company: Option<String>,
    /// New industry; `null` clears it.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub industry: Option<Option<String>>,
    /// New first day.
    pub start_date: Option<NaiveDate>,
    /// New last day; `null` makes it current.
    #[serde(default, deserialize_with = "crate::serde_util::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Option<Option<NaiveDate>>,
}

impl From<JobPatchRequest> for JobPatch {
    fn from(r: JobPatchRequest) -> Self {
        Self {
            title: r.title,
            company: r.company,
            industry: r.industry,
            start_date: r.start_date,
            end_date: r.end_date,
        }
    }
}

/// `GET /profiles` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileListQuery {
    /// Case-insensitive substring of the names, bio or city.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[param(schema_with = country_schema)]
    pub country: Option<String>,
    /// City (case-insensitive, exact).
    #[param(max_length = 100)]
    pub city: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

/// A page of [`ProfileSummary`].
pub type ProfilePage = crate::page::PageResponse<ProfileSummary>;
