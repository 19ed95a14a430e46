//! `ProfileItemService`: contacts and job history of the caller's profile.

use chrono::NaiveDate;
use keel_domain::identity::Role;
use keel_domain::profiles::{Contact, ContactId, ContactType, JobEntry, JobEntryId, ProfileItem};

use super::test_support::{Mocks, Slot, invalid_fields, now, principal, profile_of, view};
use super::{ContactInput, ContactPatch, JobInput, JobPatch, ProfilesError};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn a_contact_is_validated_for_its_type_and_stored_on_the_callers_profile() {
    let me = principal(Role::Customer);
    let profile = profile_of(me.user.id);
    let pid = profile.id;
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile)));
    let saved: Slot<Contact> = Slot::new();
    let slot = saved.clone();
    m.profiles
        .expect_save_contact()
        .times(1)
        .returning(move |c| {
            slot.put(c.clone());
            Ok(())
        });
    let items = m.items();

    let contact = items
        .add_contact(
            &me,
            ContactInput {
                kind: "email".into(),
                value: "Ada@Example.com".into(),
                is_primary: true,
            },
        )
        .await
        .expect("added");

    assert_eq!(saved.take(), contact);
    assert_eq!(
        (contact.profile_id, contact.kind),
        (pid, ContactType::Email)
    );
    assert_eq!(contact.value, "ada@example.com");
    assert!(contact.is_primary);
    for (kind, value, field) in [("fax", "1", "type"), ("phone", "call me", "value")] {
        let result = items
            .add_contact(
                &me,
                ContactInput {
                    kind: kind.into(),
                    value: value.into(),
                    is_primary: false,
                },
            )
            .await;
        assert_eq!(invalid_fields(result), [field]);
    }
}

#[tokio::test]
async fn changing_another_users_contact_is_not_found() {
    let me = principal(Role::Customer);
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile_of(me.user.id))));
    m.profiles.expect_find_contact().returning(|_, _| Ok(None));
    m.profiles.expect_save_contact().never();

    let result = m
        .items()
        .update_contact(&me, ContactId::generate(), ContactPatch::default())
        .await;

    assert_eq!(result, Err(ProfilesError::NotFound));
}

#[tokio::test]
async fn a_contact_patch_revalidates_the_value_against_a_new_type() {
    let me = principal(Role::Customer);
    let profile = profile_of(me.user.id);
    let existing = Contact {
        id: ContactId::generate(),
        profile_id: profile.id,
        kind: ContactType::Other,
        value: "Signal: ada".into(),
        is_primary: false,
        created_at: now(),
        updated_at: now(),
        deactivated_at: None,
    };
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile)));
    let found = existing.clone();
    m.profiles
        .expect_find_contact()
        .returning(move |_, _| Ok(Some(found.clone())));
    m.profiles.expect_save_contact().never();

    let result = m
        .items()
        .update_contact(
            &me,
            existing.id,
            ContactPatch {
                kind: Some("website".into()),
                ..ContactPatch::default()
            },
        )
        .await;

    assert_eq!(invalid_fields(result), ["value"]);
}

#[tokio::test]
async fn a_job_must_not_end_before_it_starts_on_create_and_on_patch() {
    let me = principal(Role::Customer);
    let profile = profile_of(me.user.id);
    let job = JobEntry {
        id: JobEntryId::generate(),
        profile_id: profile.id,
        title: "Engineer".into(),
        company: "Analytical Engines".into(),
        industry: None,
        start_date: date(2020, 1, 1),
        end_date: None,
        created_at: now(),
        updated_at: now(),
        deactivated_at: None,
    };
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile)));
    let found = job.clone();
    m.profiles
        .expect_find_job()
        .returning(move |_, _| Ok(Some(found.clone())));
    m.profiles
        .expect_save_job()
        .withf(|j| j.end_date == Some(date(2021, 6, 30)) && j.updated_at == now())
        .times(1)
        .returning(|_| Ok(()));
    let items = m.items();

    let backwards = JobInput {
        title: "Engineer".into(),
        company: "Analytical Engines".into(),
        start_date: Some(date(2020, 1, 1)),
        end_date: Some(date(2019, 1, 1)),
        ..JobInput::default()
    };
    assert_eq!(
        invalid_fields(items.add_job(&me, backwards).await),
        ["end_date"]
    );
    let missing = JobInput::default();
    let mut fields = invalid_fields(items.add_job(&me, missing).await);
    fields.sort();
    assert_eq!(fields, ["company", "start_date", "title"]);
    let before = JobPatch {
        end_date: Some(Some(date(2019, 12, 31))),
        ..JobPatch::default()
    };
    assert_eq!(
        invalid_fields(items.update_job(&me, job.id, before).await),
        ["end_date"]
    );
    let fine = JobPatch {
        end_date: Some(Some(date(2021, 6, 30))),
        ..JobPatch::default()
    };
    let updated = items.update_job(&me, job.id, fine).await.expect("updated");
    assert_eq!(updated.end_date, Some(date(2021, 6, 30)));
}

#[tokio::test]
async fn deleting_an_item_is_soft_and_an_unknown_one_is_not_found() {
    let me = principal(Role::Customer);
    let profile = profile_of(me.user.id);
    let pid = profile.id;
    let known = ContactId::generate();
    let mut m = Mocks::new();
    m.expect_own(&me, Some(view(profile)));
    m.profiles
        .expect_deactivate_item()
        .withf(move |p, _, at| *p == pid && *at == now())
        .returning(move |_, item, _| Ok(item == ProfileItem::Contact(known)));
    let items = m.items();

    items
        .delete(&me, ProfileItem::Contact(known))
        .await
        .expect("deleted");
    assert_eq!(
        items
            .delete(&me, ProfileItem::Job(JobEntryId::generate()))
            .await,
        Err(ProfilesError::NotFound)
    );
}

#[tokio::test]
async fn items_without_a_live_profile_are_not_found() {
    let me = principal(Role::Customer);
    let mut m = Mocks::new();
    m.expect_own(&me, None);
    let items = m.items();
    assert_eq!(items.contacts(&me).await, Err(ProfilesError::NotFound));
    assert_eq!(items.jobs(&me).await, Err(ProfilesError::NotFound));
}
