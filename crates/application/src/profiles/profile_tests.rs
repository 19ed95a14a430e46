//! `ProfileService`: the caller's profile, visibility, search and pictures.

use chrono::NaiveDate;
use keel_domain::catalog::{ImageInfo, ImageType};
use keel_domain::identity::Role;
use keel_domain::profiles::{Contact, ContactId, ContactType, Profile, ProfileFilter};
use keel_domain::{Page, PageRequest};

use super::test_support::{Mocks, Slot, invalid_fields, now, principal, profile_of, view};
use super::{LocationInput, ProfileInput, ProfileSearch, ProfilesCase, ProfilesError};

fn input() -> ProfileInput {
    ProfileInput {
        first_name: " Ada ".into(),
        last_name: "Lovelace".into(),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 12, 10),
        gender: Some("female".into()),
        bio: Some("Analyst".into()),
        is_public: true,
        location: Some(LocationInput {
            country: "gb".into(),
            city: Some("London".into()),
            ..LocationInput::default()
        }),
        ..ProfileInput::default()
    }
}

#[tokio::test]
async fn mine_before_any_put_or_after_a_delete_is_not_found() {
    let me = principal(Role::Customer);
    for found in [None, {
        let mut p = profile_of(me.user.id);
        p.deactivated_at = Some(now());
        Some(view(p))
    }] {
        let mut m = Mocks::new();
        m.expect_own(&me, found);
        assert_eq!(m.service().mine(&me).await, Err(ProfilesError::NotFound));
    }
}

#[tokio::test]
async fn a_first_put_creates_the_profile_with_its_location_at_now() {
    let me = principal(Role::Customer);
    let saved: Slot<Profile> = Slot::new();
    let mut m = Mocks::new();
    let user = me.user.id;
    let mut calls = 0;
    m.profiles
        .expect_view_by_user()
        .withf(move |u| *u == user)
        .times(2)
        .returning(move |_| {
            calls += 1;
            Ok((calls > 1).then(|| view(profile_of(user))))
        });
    let capture = saved.clone();
    m.profiles.expect_save().times(1).returning(move |p| {
        capture.put(p.clone());
        Ok(())
    });

    let (_, created) = m.service().put_mine(&me, input()).await.expect("saved");

    assert!(created);
    let p = saved.take();
    assert_eq!(p.user_id, me.user.id);
    assert_eq!(p.first_name.as_str(), "Ada");
    assert_eq!(p.created_at, now());
    let location = p.location.expect("a location");
    assert_eq!(location.country.as_str(), "GB");
    assert_eq!(location.city.as_deref(), Some("London"));
}

#[tokio::test]
async fn a_put_over_a_live_profile_replaces_it_keeping_its_id_and_creation_time() {
    let me = principal(Role::Customer);
    let mut old = profile_of(me.user.id);
    old.created_at = now() - chrono::Duration::days(3);
    let (id, created_at) = (old.id, old.created_at);
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(old)));
    m.profiles
        .expect_save()
        .withf(move |p| p.id == id && p.created_at == created_at && p.updated_at == now())
        .times(1)
        .returning(|_| Ok(()));

    let (_, created) = m.service().put_mine(&me, input()).await.expect("saved");

    assert!(!created);
}

#[tokio::test]
async fn a_put_with_bad_fields_names_each_and_saves_nothing() {
    let me = principal(Role::Customer);
    let bad = ProfileInput {
        first_name: "".into(),
        last_name: "x".repeat(101),
        date_of_birth: NaiveDate::from_ymd_opt(2999, 1, 1),
        gender: Some("robot".into()),
        profile_picture_url: Some("javascript:alert(1)".into()),
        location: Some(LocationInput {
            country: "XX".into(),
            ..LocationInput::default()
        }),
        ..ProfileInput::default()
    };
    let mut m = Mocks::new();
    m.profiles.expect_save().never();

    let result = m.service().put_mine(&me, bad).await;

    let mut fields = invalid_fields(result);
    fields.sort();
    assert_eq!(
        fields,
        [
            "date_of_birth",
            "first_name",
            "gender",
            "last_name",
            "location.country",
            "profile_picture_url"
        ]
    );
}

#[tokio::test]
async fn strangers_get_public_profiles_without_contacts_unless_allowed_and_never_private_ones() {
    let owner = principal(Role::Customer);
    let stranger = principal(Role::Staff);
    let admin = principal(Role::Admin);
    let mut public = profile_of(owner.user.id);
    let contact = Contact {
        id: ContactId::generate(),
        profile_id: public.id,
        kind: ContactType::Phone,
        value: "+44 20 7946 0000".into(),
        is_primary: true,
        created_at: now(),
        updated_at: now(),
        deactivated_at: None,
    };
    let with_contact = |p: Profile| {
        let mut v = view(p);
        v.contacts = vec![contact.clone()];
        v
    };
    let get = |found: keel_domain::profiles::ProfileView| {
        let mut m = Mocks::new();
        m.profiles
            .expect_view()
            .returning(move |_| Ok(Some(found.clone())));
        m.service()
    };
    let id = public.id;
    let seen = get(with_contact(public.clone()))
        .get(Some(&stranger), id)
        .await
        .unwrap();
    assert!(
        seen.contacts.is_empty(),
        "contacts hidden without allow_contact"
    );
    public.allow_contact = true;
    let seen = get(with_contact(public.clone()))
        .get(None, id)
        .await
        .unwrap();
    assert_eq!(seen.contacts.len(), 1);

    public.is_public = false;
    assert_eq!(
        get(with_contact(public.clone()))
            .get(Some(&stranger), id)
            .await,
        Err(ProfilesError::NotFound)
    );
    assert!(
        get(with_contact(public.clone()))
            .get(Some(&owner), id)
            .await
            .is_ok()
    );
    let admin_view = get(with_contact(public.clone()))
        .get(Some(&admin), id)
        .await
        .unwrap();
    assert_eq!(admin_view.contacts.len(), 1);
}

#[tokio::test]
async fn search_passes_normalised_filters_and_admins_also_see_hidden_profiles() {
    for (role, hidden) in [(Role::Customer, false), (Role::Admin, true)] {
        let who = principal(role);
        let mut m = Mocks::new();
        m.profiles
            .expect_search()
            .withf(move |f: &ProfileFilter, _| {
                f.query.as_deref() == Some("ada")
                    && f.country.is_some_and(|c| c.as_str() == "GB")
                    && f.city.as_deref() == Some("london")
                    && f.include_hidden == hidden
            })
            .times(1)
            .returning(|_, page| {
                Ok(Page {
                    items: Vec::new(),
                    total: 0,
                    request: page,
                })
            });
        let search = ProfileSearch {
            q: Some(" ADA ".into()),
            country: Some("gb".into()),
            city: Some("London".into()),
        };
        let page = m
            .service()
            .search(
                Some(&who),
                search,
                PageRequest::parse(Some(1), Some(20)).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 0);
    }
    let bad = ProfileSearch {
        country: Some("Narnia".into()),
        ..ProfileSearch::default()
    };
    let result = Mocks::new()
        .service()
        .search(None, bad, PageRequest::parse(Some(1), Some(20)).unwrap())
        .await;
    assert_eq!(invalid_fields(result), ["country"]);
}

#[tokio::test]
async fn delete_mine_soft_deletes_at_now() {
    let me = principal(Role::Customer);
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile_of(me.user.id))));
    m.profiles
        .expect_save()
        .withf(|p| p.deactivated_at == Some(now()))
        .times(1)
        .returning(|_| Ok(()));
    m.service().delete_mine(&me).await.expect("deleted");
}

#[tokio::test]
async fn a_picture_is_typed_by_content_stored_and_set_and_anything_else_is_refused() {
    let me = principal(Role::Customer);
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile_of(me.user.id))));
    m.images.expect_inspect().returning(|b| {
        (b == b"png").then_some(ImageInfo {
            kind: ImageType::Png,
            width: 1,
            height: 1,
        })
    });
    m.storage.expect_put().times(1).returning(|_, _, _| Ok(()));
    m.profiles
        .expect_save()
        .withf(|p| {
            p.profile_picture_url
                .as_deref()
                .is_some_and(|u| u.starts_with("/pictures/") && u.ends_with(".png"))
        })
        .times(1)
        .returning(|_| Ok(()));
    let service = m.service();

    service
        .set_picture(&me, b"png".to_vec())
        .await
        .expect("set");
    assert_eq!(
        service.set_picture(&me, b"<html>".to_vec()).await,
        Err(ProfilesError::Case(ProfilesCase::UnsupportedMediaType))
    );
}
