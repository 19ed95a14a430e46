//! The profile adapter against a real, migrated database (SQLite by
//! default, PostgreSQL with `TEST_DATABASE_URL`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use keel_domain::identity::{Email, User, UserRepo};
use keel_domain::profiles::{
    Contact, ContactId, ContactType, CountryCode, JobEntry, JobEntryId, Location, LocationId,
    PersonName, Profile, ProfileFilter, ProfileId, ProfileItem, ProfileRepo,
};
use keel_domain::{PageRequest, RepoError};
use keel_infrastructure::persistence::SeaOrmUserRepo;
use keel_infrastructure::persistence::profiles::SeaOrmProfileRepo;
use sea_orm::{ConnectionTrait, DatabaseConnection};

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn user(db: &DatabaseConnection, email: &str) -> User {
    let u = User::new(Email::parse(email).unwrap(), now());
    SeaOrmUserRepo::new(db.clone())
        .create(&u, None)
        .await
        .unwrap();
    u
}

fn profile(user: &User, first: &str, city: Option<&str>, country: &str) -> Profile {
    let at = now();
    Profile {
        id: ProfileId::generate(),
        user_id: user.id,
        first_name: PersonName::parse(first, "first_name").unwrap(),
        last_name: PersonName::parse("Tester", "last_name").unwrap(),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 17),
        gender: None,
        bio: Some("Builds analytical engines".into()),
        profile_picture_url: None,
        is_public: true,
        allow_contact: true,
        location: Some(Location {
            id: LocationId::generate(),
            country: CountryCode::parse(country, "country").unwrap(),
            state_province: None,
            city: city.map(str::to_owned),
            postal_code: None,
            created_at: at,
            updated_at: at,
            deactivated_at: None,
        }),
        created_at: at,
        updated_at: at,
        deactivated_at: None,
    }
}

fn contact(p: &Profile, kind: ContactType, value: &str, primary: bool) -> Contact {
    let at = now();
    Contact {
        id: ContactId::generate(),
        profile_id: p.id,
        kind,
        value: value.into(),
        is_primary: primary,
        created_at: at,
        updated_at: at,
        deactivated_at: None,
    }
}

fn job(p: &Profile, title: &str, start: (i32, u32, u32)) -> JobEntry {
    let at = now();
    JobEntry {
        id: JobEntryId::generate(),
        profile_id: p.id,
        title: title.into(),
        company: "Engines Ltd".into(),
        industry: None,
        start_date: NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
        end_date: None,
        created_at: at,
        updated_at: at,
        deactivated_at: None,
    }
}

#[tokio::test]
async fn a_profile_reads_back_whole_in_a_fixed_number_of_queries() {
    let mut db = common::fresh_db().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let repo = SeaOrmProfileRepo::new(db.clone());
    let owner = user(&db, "ada@example.com").await;
    let p = profile(&owner, "Ada", Some("London"), "gb");
    repo.save(&p).await.unwrap();

    let mut counts = Vec::new();
    for n in [1usize, 10] {
        for i in 0..n {
            repo.save_contact(&contact(
                &p,
                ContactType::Other,
                &format!("c{n}-{i}"),
                false,
            ))
            .await
            .unwrap();
            repo.save_job(&job(&p, &format!("Job {n}-{i}"), (2000 + i as i32, 1, 1)))
                .await
                .unwrap();
        }
        statements.store(0, Ordering::SeqCst);
        let view = repo.view(p.id).await.unwrap().expect("found");
        counts.push(statements.load(Ordering::SeqCst));
        assert_eq!(view.profile, p);
        assert!(view.owner_active);
        assert_eq!(view.contacts.len(), if n == 1 { 1 } else { 11 });
        let latest = if n == 1 { "Job 1-0" } else { "Job 10-9" };
        assert_eq!(view.jobs[0].title, latest, "latest start first");
    }
    assert_eq!(counts[0], counts[1], "queries do not grow with the items");
    assert!(counts[0] <= 4, "{counts:?}");
    assert_eq!(
        repo.view_by_user(owner.id)
            .await
            .unwrap()
            .unwrap()
            .profile
            .id,
        p.id
    );
}

#[tokio::test]
async fn a_type_has_one_primary_contact_whatever_the_concurrency() {
    let db = common::fresh_db().await;
    let repo = Arc::new(SeaOrmProfileRepo::new(db.clone()));
    let owner = user(&db, "grace@example.com").await;
    let p = profile(&owner, "Grace", None, "us");
    repo.save(&p).await.unwrap();
    let racers: Vec<_> = (0..2)
        .map(|i| {
            let (repo, c) = (
                repo.clone(),
                contact(&p, ContactType::Phone, &format!("+1 555 000 00{i}"), true),
            );
            tokio::spawn(async move { repo.save_contact(&c).await })
        })
        .collect();
    for r in racers {
        r.await.unwrap().unwrap();
    }
    let view = repo.view(p.id).await.unwrap().unwrap();
    let primaries = view
        .contacts
        .iter()
        .filter(|c| c.kind == ContactType::Phone && c.is_primary)
        .count();
    assert_eq!(view.contacts.len(), 2);
    assert_eq!(primaries, 1, "exactly one primary phone");
    // A primary of another type does not demote it.
    repo.save_contact(&contact(&p, ContactType::Email, "g@example.com", true))
        .await
        .unwrap();
    let view = repo.view(p.id).await.unwrap().unwrap();
    assert_eq!(view.contacts.iter().filter(|c| c.is_primary).count(), 2);
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_live_primary() {
    let db = common::fresh_db().await;
    let repo = SeaOrmProfileRepo::new(db.clone());
    let owner = user(&db, "linus@example.com").await;
    let p = profile(&owner, "Linus", None, "fi");
    repo.save(&p).await.unwrap();
    let first = contact(&p, ContactType::Email, "a@example.com", true);
    repo.save_contact(&first).await.unwrap();
    let second = contact(&p, ContactType::Email, "b@example.com", true);
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO profile_contacts (id, profile_id, kind, value, is_primary, created_at, updated_at) \
             VALUES ($1, $2, 'email', 'b@example.com', $3, $4, $4)"
        }
        _ => {
            "INSERT INTO profile_contacts (id, profile_id, kind, value, is_primary, created_at, updated_at) \
             VALUES (?1, ?2, 'email', 'b@example.com', ?3, ?4, ?4)"
        }
    };
    let err = db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [
                second.id.as_uuid().into(),
                p.id.as_uuid().into(),
                true.into(),
                now().into(),
            ],
        ))
        .await
        .unwrap_err();
    let text = err.to_string().to_lowercase();
    assert!(
        text.contains("unique") || text.contains("duplicate"),
        "{err}"
    );
}

#[tokio::test]
async fn search_finds_public_live_profiles_of_active_users_by_term_country_and_city() {
    let db = common::fresh_db().await;
    let repo = SeaOrmProfileRepo::new(db.clone());
    let users = SeaOrmUserRepo::new(db.clone());
    let a = user(&db, "a@example.com").await;
    let b = user(&db, "b@example.com").await;
    let c = user(&db, "c@example.com").await;
    let d = user(&db, "d@example.com").await;
    let e = user(&db, "e@example.com").await;
    let ada = profile(&a, "Ada", Some("London"), "gb");
    let bob = profile(&b, "Bob", Some("Paris"), "fr");
    let mut hidden = profile(&c, "Carol", Some("London"), "gb");
    hidden.is_public = false;
    let mut gone = profile(&d, "Dave", Some("London"), "gb");
    gone.deactivated_at = Some(now());
    let deactivated_owner = profile(&e, "Eve", Some("London"), "gb");
    for p in [&ada, &bob, &hidden, &gone, &deactivated_owner] {
        repo.save(p).await.unwrap();
    }
    users.set_active(e.id, false, now()).await.unwrap();
    let page = PageRequest::parse(Some(1), Some(20)).unwrap();
    let names = |filter: ProfileFilter| {
        let repo = repo.clone();
        async move {
            let mut names: Vec<String> = repo
                .search(&filter, page)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.first_name.as_str().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(names(ProfileFilter::default()).await, ["Ada", "Bob"]);
    let term = |q: &str| ProfileFilter {
        query: Some(q.into()),
        ..ProfileFilter::default()
    };
    assert_eq!(names(term("ada")).await, ["Ada"]);
    assert_eq!(names(term("paris")).await, ["Bob"], "the city is searched");
    assert_eq!(
        names(term("engines")).await,
        ["Ada", "Bob"],
        "the bio is searched"
    );
    assert_eq!(names(term("100%")).await, Vec::<String>::new());
    let country = ProfileFilter {
        country: Some(CountryCode::parse("GB", "country").unwrap()),
        ..ProfileFilter::default()
    };
    assert_eq!(names(country).await, ["Ada"]);
    let city = ProfileFilter {
        city: Some("paris".into()),
        ..ProfileFilter::default()
    };
    assert_eq!(names(city).await, ["Bob"]);
    let admin = ProfileFilter {
        include_hidden: true,
        ..ProfileFilter::default()
    };
    assert_eq!(names(admin).await, ["Ada", "Bob", "Carol", "Dave", "Eve"]);
    let total = repo
        .search(&ProfileFilter::default(), page)
        .await
        .unwrap()
        .total;
    assert_eq!(total, 2);
    let owner_view = repo.view(deactivated_owner.id).await.unwrap().unwrap();
    assert!(!owner_view.owner_active);
}

#[tokio::test]
async fn the_owner_state_follows_the_user_both_ways_and_binds_new_profiles() {
    let db = common::fresh_db().await;
    let repo = SeaOrmProfileRepo::new(db.clone());
    let users = SeaOrmUserRepo::new(db.clone());
    let active = user(&db, "on@example.com").await;
    let inactive = user(&db, "off@example.com").await;
    users.set_active(inactive.id, false, now()).await.unwrap();
    let shown = profile(&active, "Shown", None, "gb");
    // Saved after its owner was deactivated: the insert takes the state.
    let late = profile(&inactive, "Late", None, "gb");
    repo.save(&shown).await.unwrap();
    repo.save(&late).await.unwrap();
    let page = PageRequest::parse(Some(1), Some(20)).unwrap();
    let public = ProfileFilter::default();
    let found = repo.search(&public, page).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, shown.id);
    assert!(!repo.view(late.id).await.unwrap().unwrap().owner_active);

    // Reactivated: listed again; a later save keeps the state.
    users.set_active(inactive.id, true, now()).await.unwrap();
    repo.save(&late).await.unwrap();
    assert_eq!(repo.search(&public, page).await.unwrap().total, 2);
    // Deactivated: gone in the same statement, however it was done.
    db.execute_unprepared(&format!(
        "UPDATE users SET is_active = false WHERE email = '{}'",
        active.email.as_str()
    ))
    .await
    .unwrap();
    let found = repo.search(&public, page).await.unwrap();
    assert_eq!((found.total, found.items.len()), (1, 1));
    assert_eq!(found.items[0].id, late.id);
}

#[tokio::test]
async fn country_and_city_filters_follow_a_replaced_location_and_any_case_of_a_non_ascii_city() {
    let db = common::fresh_db().await;
    let repo = SeaOrmProfileRepo::new(db.clone());
    let owner = user(&db, "sven@example.com").await;
    let mut p = profile(&owner, "Sven", Some("Örebro"), "se");
    repo.save(&p).await.unwrap();
    let page = PageRequest::parse(Some(1), Some(20)).unwrap();
    let count = |country: Option<&str>, city: Option<&str>| {
        let repo = repo.clone();
        let filter = ProfileFilter {
            country: country.map(|c| CountryCode::parse(c, "country").unwrap()),
            city: city.map(str::to_lowercase),
            ..ProfileFilter::default()
        };
        async move { repo.search(&filter, page).await.unwrap().total }
    };
    assert_eq!(
        count(None, Some("ÖREBRO")).await,
        1,
        "Unicode case on both engines"
    );
    assert_eq!(count(Some("SE"), None).await, 1);
    assert_eq!(count(Some("NO"), None).await, 0);
    // Moved: the old location no longer matches.
    let mut moved = p.location.clone().unwrap();
    moved.id = LocationId::generate();
    moved.country = CountryCode::parse("NO", "country").unwrap();
    moved.city = Some("Tromsø".into());
    p.location = Some(moved);
    repo.save(&p).await.unwrap();
    assert_eq!(count(Some("SE"), None).await, 0);
    assert_eq!(count(None, Some("örebro")).await, 0);
    assert_eq!(count(Some("NO"), Some("TROMSØ")).await, 1);
    // No location: no country or city matches.
    p.location = None;
    repo.save(&p).await.unwrap();
    assert_eq!(count(Some("NO"), None).await, 0);
    assert_eq!(count(None, None).await, 1);
}

#[tokio::test]
async fn a_search_page_is_one_statement_with_locations_and_its_total_counts_every_match() {
    let mut db = common::fresh_db().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let repo = SeaOrmProfileRepo::new(db.clone());
    for i in 0..5 {
        let owner = user(&db, &format!("p{i}@example.com")).await;
        repo.save(&profile(&owner, &format!("Person{i}"), Some("Leeds"), "gb"))
            .await
            .unwrap();
    }
    let filter = ProfileFilter {
        query: Some("person".into()),
        ..ProfileFilter::default()
    };
    let mut seen = Vec::new();
    for n in 1..=3 {
        statements.store(0, Ordering::SeqCst);
        let page = repo
            .search(&filter, PageRequest::parse(Some(n), Some(2)).unwrap())
            .await
            .unwrap();
        assert_eq!(
            statements.load(Ordering::SeqCst),
            1,
            "rows with their locations and total"
        );
        assert_eq!(page.total, 5, "page {n}");
        assert!(page.items.iter().all(|p| {
            p.location
                .as_ref()
                .is_some_and(|l| l.city.as_deref() == Some("Leeds") && l.country.as_str() == "GB")
        }));
        seen.extend(
            page.items
                .into_iter()
                .map(|p| p.first_name.as_str().to_owned()),
        );
    }
    assert_eq!(
        seen,
        ["Person4", "Person3", "Person2", "Person1", "Person0"]
    );
    // Past the end: no rows to carry the total, so it is counted apart.
    let past = repo
        .search(&filter, PageRequest::parse(Some(9), Some(2)).unwrap())
        .await
        .unwrap();
    assert_eq!((past.total, past.items.len()), (5, 0));
}

#[tokio::test]
async fn items_are_soft_deleted_only_on_their_own_profile_and_a_deleted_profile_drops_them() {
    let db = common::fresh_db().await;
    let repo = SeaOrmProfileRepo::new(db.clone());
    let owner = user(&db, "o@example.com").await;
    let other = user(&db, "x@example.com").await;
    let mut p = profile(&owner, "Owen", None, "de");
    let q = profile(&other, "Xena", None, "de");
    repo.save(&p).await.unwrap();
    repo.save(&q).await.unwrap();
    let c = contact(&p, ContactType::Other, "pager 42", false);
    let j = job(&p, "Engineer", (2020, 1, 1));
    repo.save_contact(&c).await.unwrap();
    repo.save_job(&j).await.unwrap();

    assert!(
        !repo
            .deactivate_item(q.id, ProfileItem::Contact(c.id), now())
            .await
            .unwrap()
    );
    assert!(repo.find_contact(p.id, c.id).await.unwrap().is_some());
    assert!(repo.find_contact(q.id, c.id).await.unwrap().is_none());
    assert!(
        repo.deactivate_item(p.id, ProfileItem::Contact(c.id), now())
            .await
            .unwrap()
    );
    assert!(
        !repo
            .deactivate_item(p.id, ProfileItem::Contact(c.id), now())
            .await
            .unwrap()
    );
    assert!(repo.find_contact(p.id, c.id).await.unwrap().is_none());
    assert_eq!(repo.find_job(p.id, j.id).await.unwrap(), Some(j.clone()));

    p.deactivated_at = Some(now());
    p.updated_at = now();
    repo.save(&p).await.unwrap();
    let view = repo.view(p.id).await.unwrap().unwrap();
    assert!(view.profile.deactivated_at.is_some());
    assert!(view.jobs.is_empty(), "a deleted profile keeps no live jobs");
    assert!(matches!(
        repo.save(&profile(&owner, "Dup", None, "de")).await,
        Err(RepoError::Conflict(_))
    ));
}
