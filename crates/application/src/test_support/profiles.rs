//! Fixtures for the profile use-case tests.

use std::sync::Arc;

use keel_domain::catalog::ports::{MockFileStorage, MockImageDecoder};
use keel_domain::identity::{Principal, UserId};
use keel_domain::profiles::ports::MockProfileRepo;
use keel_domain::profiles::{PersonName, Profile, ProfileId, ProfileView};

pub(crate) use super::principal_with as principal;
pub(crate) use super::{Slot, clock, invalid_fields, now};
use crate::profiles::{ProfileItemService, ProfileService};

/// A live, public profile of `user`.
pub(crate) fn profile_of(user: UserId) -> Profile {
    Profile {
        id: ProfileId::generate(),
        user_id: user,
        first_name: PersonName::parse("Ada", "first_name").expect("valid"),
        last_name: PersonName::parse("Lovelace", "last_name").expect("valid"),
        date_of_birth: None,
        gender: None,
        bio: None,
        profile_picture_url: None,
        is_public: true,
        allow_contact: false,
        location: None,
        created_at: now(),
        updated_at: now(),
        deactivated_at: None,
    }
}

/// `profile` with no contacts or jobs, its owner active.
pub(crate) fn view(profile: Profile) -> ProfileView {
    ProfileView {
        profile,
        contacts: Vec::new(),
        jobs: Vec::new(),
        owner_active: true,
    }
}

/// The ports of the profile services; any call a test did not expect panics.
pub(crate) struct Mocks {
    pub(crate) profiles: MockProfileRepo,
    pub(crate) storage: MockFileStorage,
    pub(crate) images: MockImageDecoder,
}

impl Mocks {
    /// Fresh mocks without expectations.
    pub(crate) fn new() -> Self {
        Self {
            profiles: MockProfileRepo::new(),
            storage: MockFileStorage::new(),
            images: MockImageDecoder::new(),
        }
    }

    /// `view_by_user(principal)` answers `found` on every call.
    pub(crate) fn expect_own(&mut self, who: &Principal, found: Option<ProfileView>) {
        let user = who.user.id;
        self.profiles
            .expect_view_by_user()
            .withf(move |u| *u == user)
            .returning(move |_| Ok(found.clone()));
    }

    /// A [`ProfileService`] over these mocks.
    pub(crate) fn service(self) -> ProfileService {
        ProfileService::new(
            Arc::new(self.profiles),
            Arc::new(self.storage),
            Arc::new(self.images),
            Arc::new(clock()),
            Arc::new(|k| format!("/pictures/{}", k.as_str())),
        )
    }

    /// A [`ProfileItemService`] over these mocks.
    pub(crate) fn items(self) -> ProfileItemService {
        ProfileItemService::new(Arc::new(self.profiles), Arc::new(clock()))
    }
}
