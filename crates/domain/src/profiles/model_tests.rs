use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn profile(is_public: bool) -> Profile {
    let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    Profile {
        id: ProfileId::generate(),
        user_id: UserId::generate(),
        first_name: PersonName::parse("Ada", "first_name").unwrap(),
        last_name: PersonName::parse("Lovelace", "last_name").unwrap(),
        date_of_birth: None,
        gender: None,
        bio: None,
        profile_picture_url: None,
        is_public,
        allow_contact: false,
        location: None,
        created_at: now,
        updated_at: now,
        deactivated_at: None,
    }
}

#[test]
fn a_job_may_not_end_before_it_starts() {
    assert_eq!(JobEntry::check_dates(date(2020, 1, 1), None), Ok(()));
    assert_eq!(
        JobEntry::check_dates(date(2020, 1, 1), Some(date(2020, 1, 1))),
        Ok(())
    );
    assert_eq!(
        JobEntry::check_dates(date(2020, 1, 2), Some(date(2020, 1, 1))),
        Err(ProfileRuleError::EndBeforeStart)
    );
}

#[test]
fn strangers_see_only_public_live_profiles_of_active_users_owners_and_admins_see_all() {
    let public = profile(true);
    let private = profile(false);
    let stranger = Some((UserId::generate(), false));
    let admin = Some((UserId::generate(), true));
    assert!(public.visible_to(None, true));
    assert!(public.visible_to(stranger, true));
    assert!(!public.visible_to(stranger, false), "owner deactivated");
    assert!(!private.visible_to(None, true));
    assert!(!private.visible_to(stranger, true));
    assert!(private.visible_to(Some((private.user_id, false)), true));
    assert!(private.visible_to(admin, false));
    let mut deleted = profile(true);
    deleted.deactivated_at = Some(deleted.created_at);
    assert!(!deleted.visible_to(stranger, true));
    assert!(deleted.visible_to(Some((deleted.user_id, false)), true));
}
