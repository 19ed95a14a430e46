//! The identity adapters against a real, migrated database (SQLite by
//! default, PostgreSQL with `TEST_DATABASE_URL`).

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use keel_domain::identity::{
    AccountProvider, AccountRepo, Email, PasswordHash, Role, Session, SessionId, SessionRepo,
    TokenPurpose, User, UserFilter, UserId, UserRepo, Username, Verification, VerificationRepo,
};
use keel_domain::{PageRequest, RepoError};
use keel_infrastructure::persistence::{
    BatchingSessionRepo, SeaOrmAccountRepo, SeaOrmSessionRepo, SeaOrmUserRepo,
    SeaOrmVerificationRepo,
};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn user(email: &str) -> User {
    User::new(Email::parse(email).unwrap(), now())
}

fn session(user: &User, family: SessionId, hash: &str, expires_in: Duration) -> Session {
    let t = now();
    Session {
        id: Uuid::now_v7(),
        family_id: family,
        user_id: user.id,
        refresh_token_hash: hash.into(),
        replaced_by: None,
        ip_address: Some("127.0.0.1".into()),
        user_agent: Some("test".into()),
        created_at: t,
        last_used_at: t,
        expires_at: t + expires_in,
        revoked_at: None,
    }
}

#[tokio::test]
async fn users_round_trip_and_emails_are_unique() {
    let db = common::fresh_db().await;
    let repo = SeaOrmUserRepo::new(db);
    let mut u = user("ada@example.com");
    u.username = Some(Username::parse("ada").unwrap());
    u.role = Role::Staff;
    repo.create(&u, None).await.unwrap();
    assert_eq!(repo.find_by_id(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(repo.find_by_email(&u.email).await.unwrap(), Some(u.clone()));
    assert!(matches!(
        repo.create(&user("ada@example.com"), None).await,
        Err(RepoError::Conflict(_))
    ));
    let mut same_name = user("bob@example.com");
    same_name.username = Some(Username::parse("ada").unwrap());
    assert!(matches!(
        repo.create(&same_name, None).await,
        Err(RepoError::Conflict(_))
    ));
    assert_eq!(
        repo.find_by_email(&Email::parse("nobody@example.com").unwrap())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_failed_user_insert_leaves_no_password_account_behind() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let accounts = SeaOrmAccountRepo::new(db);
    users
        .create(&user("ada@example.com"), Some(PasswordHash::new("h1")))
        .await
        .unwrap();
    let dup = user("ada@example.com");
    assert!(
        users
            .create(&dup, Some(PasswordHash::new("h2")))
            .await
            .is_err()
    );
    assert_eq!(accounts.password_hash(dup.id).await.unwrap(), None);
}

#[tokio::test]
async fn updates_persist_and_username_conflicts_are_reported() {
    let db = common::fresh_db().await;
    let repo = SeaOrmUserRepo::new(db);
    let mut a = user("a@example.com");
    let mut b = user("b@example.com");
    a.username = Some(Username::parse("taken").unwrap());
    repo.create(&a, None).await.unwrap();
    repo.create(&b, None).await.unwrap();
    b.name = Some("Bee".into());
    b.updated_at = now();
    repo.update(&b).await.unwrap();
    assert_eq!(repo.find_by_id(b.id).await.unwrap().unwrap(), b);
    b.username = Some(Username::parse("taken").unwrap());
    assert!(matches!(repo.update(&b).await, Err(RepoError::Conflict(_))));
}

#[tokio::test]
async fn a_profile_write_or_a_login_from_a_stale_read_never_undoes_a_demotion_or_deactivation() {
    let db = common::fresh_db().await;
    let repo = SeaOrmUserRepo::new(db);
    let mut staff = user("staff@example.com");
    staff.role = Role::Staff;
    repo.create(&staff, None).await.unwrap();
    let stale = repo.find_by_id(staff.id).await.unwrap().unwrap();

    let demoted_at = now();
    repo.set_role(staff.id, Role::Customer, demoted_at)
        .await
        .unwrap();
    repo.set_active(staff.id, false, demoted_at).await.unwrap();

    let mut renamed = stale.clone();
    renamed.name = Some("Still Staff?".into());
    repo.update(&renamed).await.unwrap();
    repo.record_login(staff.id, now()).await.unwrap();

    let stored = repo.find_by_id(staff.id).await.unwrap().unwrap();
    assert_eq!(stored.role, Role::Customer);
    assert!(!stored.can_sign_in());
    assert_eq!(stored.deactivated_at, Some(demoted_at));
    assert_eq!(stored.name.as_deref(), Some("Still Staff?"));
    assert!(stored.last_login_at.is_some());

    repo.set_active(staff.id, false, now() + Duration::hours(1))
        .await
        .unwrap();
    let again = repo.find_by_id(staff.id).await.unwrap().unwrap();
    assert_eq!(
        again.deactivated_at,
        Some(demoted_at),
        "the first deactivation time stays"
    );
    repo.set_active(staff.id, true, now()).await.unwrap();
    let back = repo.find_by_id(staff.id).await.unwrap().unwrap();
    assert!(back.can_sign_in());
    assert_eq!(back.role, Role::Customer);
}

#[tokio::test]
async fn list_filters_by_role_and_literal_substring_and_paginates() {
    let db = common::fresh_db().await;
    let repo = SeaOrmUserRepo::new(db);
    for i in 0..5 {
        repo.create(&user(&format!("m{i}@example.com")), None)
            .await
            .unwrap();
    }
    let mut odd = user("under_score@odd.org");
    odd.role = Role::Admin;
    repo.create(&odd, None).await.unwrap();
    let page = repo
        .list(
            &UserFilter::default(),
            PageRequest::parse(Some(2), Some(4)).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len(), page.pages()), (6, 2, 2));
    let found = repo
        .list(
            &UserFilter {
                query: Some("m_@".into()),
                role: None,
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 0, "_ is literal, not a wildcard");
    let found = repo
        .list(
            &UserFilter {
                query: Some("under_".into()),
                role: None,
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(found.items[0].id, odd.id);
    let admins = repo
        .list(
            &UserFilter {
                query: None,
                role: Some(Role::Admin),
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(admins.total, 1);
}

#[tokio::test]
async fn passwords_and_provider_links_are_stored_per_user() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let accounts = SeaOrmAccountRepo::new(db);
    let a = user("a@example.com");
    let b = user("b@example.com");
    users
        .create(&a, Some(PasswordHash::new("first")))
        .await
        .unwrap();
    users.create(&b, None).await.unwrap();
    assert_eq!(
        accounts.password_hash(a.id).await.unwrap(),
        Some(PasswordHash::new("first"))
    );
    assert_eq!(accounts.password_hash(b.id).await.unwrap(), None);
    accounts
        .set_password_hash(a.id, PasswordHash::new("second"), now())
        .await
        .unwrap();
    accounts
        .set_password_hash(b.id, PasswordHash::new("new"), now())
        .await
        .unwrap();
    assert_eq!(
        accounts.password_hash(a.id).await.unwrap(),
        Some(PasswordHash::new("second"))
    );
    assert_eq!(
        accounts.password_hash(b.id).await.unwrap(),
        Some(PasswordHash::new("new"))
    );
    accounts
        .link(a.id, AccountProvider::Clerk, "user_1", now())
        .await
        .unwrap();
    accounts
        .link(a.id, AccountProvider::Clerk, "user_1", now())
        .await
        .unwrap();
    assert!(matches!(
        accounts
            .link(b.id, AccountProvider::Clerk, "user_1", now())
            .await,
        Err(RepoError::Conflict(_))
    ));
}

#[tokio::test]
async fn sessions_are_found_by_hash_and_by_live_family() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let repo = SeaOrmSessionRepo::new(db);
    let u = user("a@example.com");
    users.create(&u, None).await.unwrap();
    let family = SessionId::generate();
    let s = session(&u, family, "hash-1", Duration::hours(1));
    repo.create(&s).await.unwrap();
    assert_eq!(
        repo.find_by_refresh_hash("hash-1").await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        repo.find_active(family, now()).await.unwrap().map(|x| x.id),
        Some(s.id)
    );
    assert_eq!(
        repo.find_active(family, s.expires_at).await.unwrap(),
        None,
        "expired at expires_at"
    );
    let just_before = s.expires_at - Duration::microseconds(1);
    assert!(
        repo.find_active(family, just_before)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn rotation_spends_a_row_exactly_once_even_when_raced() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let repo = Arc::new(SeaOrmSessionRepo::new(db));
    let u = user("a@example.com");
    users.create(&u, None).await.unwrap();
    let family = SessionId::generate();
    let first = session(&u, family, "h0", Duration::hours(1));
    repo.create(&first).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let repo = repo.clone();
        let next = session(&u, family, &format!("h{}", i + 1), Duration::hours(1));
        let current = first.id;
        tasks.push(tokio::spawn(async move {
            repo.rotate(current, &next).await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    let spent = repo.find_by_refresh_hash("h0").await.unwrap().unwrap();
    assert!(spent.replaced_by.is_some() && spent.revoked_at.is_some());
    let live = repo.find_active(family, now()).await.unwrap().unwrap();
    assert_eq!(spent.replaced_by, Some(live.id));
}

#[tokio::test]
async fn revocation_by_family_and_by_user_with_one_kept() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let repo = SeaOrmSessionRepo::new(db);
    let u = user("a@example.com");
    let other = user("b@example.com");
    users.create(&u, None).await.unwrap();
    users.create(&other, None).await.unwrap();
    let (f1, f2, f3) = (
        SessionId::generate(),
        SessionId::generate(),
        SessionId::generate(),
    );
    repo.create(&session(&u, f1, "a", Duration::hours(1)))
        .await
        .unwrap();
    repo.create(&session(&u, f2, "b", Duration::hours(1)))
        .await
        .unwrap();
    repo.create(&session(&u, f3, "c", Duration::seconds(-1)))
        .await
        .unwrap();
    repo.create(&session(
        &other,
        SessionId::generate(),
        "d",
        Duration::hours(1),
    ))
    .await
    .unwrap();
    let listed: Vec<SessionId> = repo
        .list_active(u.id, now())
        .await
        .unwrap()
        .iter()
        .map(|s| s.family_id)
        .collect();
    assert_eq!(listed.len(), 2, "expired session is not listed");
    assert!(listed.contains(&f1) && listed.contains(&f2));
    assert_eq!(
        repo.revoke_all_for_user(u.id, Some(f1), now())
            .await
            .unwrap(),
        2
    );
    assert!(repo.find_active(f1, now()).await.unwrap().is_some());
    assert!(repo.find_active(f2, now()).await.unwrap().is_none());
    assert_eq!(repo.revoke_family(f1, now()).await.unwrap(), 1);
    assert_eq!(repo.revoke_family(f1, now()).await.unwrap(), 0);
    assert!(repo.list_active(u.id, now()).await.unwrap().is_empty());
    assert_eq!(repo.list_active(other.id, now()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn mail_tokens_are_consumed_once_for_their_purpose_and_never_after_expiry() {
    let db = common::fresh_db().await;
    let u = user("tokens@example.com");
    SeaOrmUserRepo::new(db.clone())
        .create(&u, None)
        .await
        .unwrap();
    let repo = SeaOrmVerificationRepo::new(db);
    let t = now();
    let mut v = Verification::issue(TokenPurpose::EmailChange, u.id, "a".repeat(64), t);
    v.email = Some("moved@example.com".into());
    repo.issue(&v).await.unwrap();
    let hash = "a".repeat(64);
    assert_eq!(
        repo.consume(TokenPurpose::EmailChange, "b", t)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        repo.consume(TokenPurpose::PasswordReset, &hash, t)
            .await
            .unwrap(),
        None,
        "a token only works for its own purpose"
    );
    assert_eq!(
        repo.consume(TokenPurpose::EmailChange, &hash, t + Duration::hours(25))
            .await
            .unwrap(),
        None,
        "expired"
    );
    let used = repo
        .consume(TokenPurpose::EmailChange, &hash, t)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.used_at, Some(t));
    assert_eq!(used.user_id, u.id);
    assert_eq!(used.email.as_deref(), Some("moved@example.com"));
    assert_eq!(
        repo.consume(TokenPurpose::EmailChange, &hash, t)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_new_token_of_a_purpose_supersedes_the_older_ones_only() {
    let db = common::fresh_db().await;
    let u = user("supersede@example.com");
    SeaOrmUserRepo::new(db.clone())
        .create(&u, None)
        .await
        .unwrap();
    let repo = SeaOrmVerificationRepo::new(db);
    let t = now();
    let old = Verification::issue(TokenPurpose::PasswordReset, u.id, "1".repeat(64), t);
    let other = Verification::issue(TokenPurpose::VerifyEmail, u.id, "2".repeat(64), t);
    let new = Verification::issue(TokenPurpose::PasswordReset, u.id, "3".repeat(64), t);
    repo.issue(&old).await.unwrap();
    repo.issue(&other).await.unwrap();
    repo.issue(&new).await.unwrap();
    assert_eq!(
        repo.consume(TokenPurpose::PasswordReset, &old.token_hash, t)
            .await
            .unwrap(),
        None
    );
    assert!(
        repo.consume(TokenPurpose::VerifyEmail, &other.token_hash, t)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        repo.consume(TokenPurpose::PasswordReset, &new.token_hash, t)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_parallel_uses_of_one_token_exactly_one_wins() {
    let db = common::fresh_db().await;
    let u = user("race@example.com");
    SeaOrmUserRepo::new(db.clone())
        .create(&u, None)
        .await
        .unwrap();
    let repo = Arc::new(SeaOrmVerificationRepo::new(db));
    let t = now();
    for round in 0..5 {
        let hash = format!("{round:064}");
        repo.issue(&Verification::issue(
            TokenPurpose::MagicLink,
            u.id,
            hash.clone(),
            t,
        ))
        .await
        .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let repo = repo.clone();
                let hash = hash.clone();
                tokio::spawn(async move { repo.consume(TokenPurpose::MagicLink, &hash, t).await })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            if task.await.unwrap().unwrap().is_some() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "round {round}");
    }
}

#[tokio::test]
async fn the_token_check_reads_the_live_session_and_its_user_in_one_lookup() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let repo = SeaOrmSessionRepo::new(db);
    let mut u = user("joined@example.com");
    u.role = Role::Staff;
    users.create(&u, None).await.unwrap();
    let (live, revoked, expired) = (
        SessionId::generate(),
        SessionId::generate(),
        SessionId::generate(),
    );
    repo.create(&session(&u, live, "j1", Duration::hours(1)))
        .await
        .unwrap();
    repo.create(&session(&u, revoked, "j2", Duration::hours(1)))
        .await
        .unwrap();
    repo.create(&session(&u, expired, "j3", Duration::seconds(-1)))
        .await
        .unwrap();
    repo.revoke_family(revoked, now()).await.unwrap();

    let (s, found) = repo
        .find_active_with_user(live, now())
        .await
        .unwrap()
        .expect("a live session");
    assert_eq!((s.family_id, s.user_id), (live, u.id));
    assert_eq!(found.id, u.id);
    assert_eq!(found.email, u.email);
    assert_eq!(found.role, Role::Staff);
    for gone in [revoked, expired, SessionId::generate()] {
        assert!(
            repo.find_active_with_user(gone, now())
                .await
                .unwrap()
                .is_none()
        );
    }

    // After a rotation the family's successor row is the live one.
    let current = repo.find_active(live, now()).await.unwrap().unwrap();
    let next = session(&u, live, "j1-next", Duration::hours(1));
    assert!(repo.rotate(current.id, &next).await.unwrap());
    let (s, _) = repo
        .find_active_with_user(live, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.id, next.id);

    // The user's state comes with it: a deactivation shows at once.
    users.set_active(u.id, false, now()).await.unwrap();
    let (_, found) = repo
        .find_active_with_user(live, now())
        .await
        .unwrap()
        .unwrap();
    assert!(!found.can_sign_in());
}

#[tokio::test]
async fn the_batched_token_check_reads_every_live_session_asked_for_and_nothing_else() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let repo = SeaOrmSessionRepo::new(db);
    let (a, b) = (user("batch-a@example.com"), user("batch-b@example.com"));
    users.create(&a, None).await.unwrap();
    users.create(&b, None).await.unwrap();
    let mut live = Vec::new();
    for (i, owner) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        let family = SessionId::generate();
        repo.create(&session(
            owner,
            family,
            &format!("b{i}"),
            Duration::hours(1),
        ))
        .await
        .unwrap();
        live.push((family, owner.id));
    }
    let (revoked, expired) = (SessionId::generate(), SessionId::generate());
    repo.create(&session(&a, revoked, "br", Duration::hours(1)))
        .await
        .unwrap();
    repo.create(&session(&b, expired, "be", Duration::seconds(-1)))
        .await
        .unwrap();
    repo.revoke_family(revoked, now()).await.unwrap();

    assert!(
        repo.find_active_with_users(&[], now())
            .await
            .unwrap()
            .is_empty()
    );
    // 1, 3 and 5 live ids (padded to 1, 4 and 8), with gone and unknown ones.
    for n in [1, 3, 5] {
        let mut asked: Vec<SessionId> = live[..n].iter().map(|(f, _)| *f).collect();
        asked.extend([revoked, expired, SessionId::generate()]);
        let mut found: Vec<(SessionId, UserId)> = repo
            .find_active_with_users(&asked, now())
            .await
            .unwrap()
            .into_iter()
            .map(|(s, u)| {
                assert_eq!(s.user_id, u.id);
                (s.family_id, u.id)
            })
            .collect();
        found.sort();
        let mut expected = live[..n].to_vec();
        expected.sort();
        assert_eq!(found, expected, "{n} live ids");
    }

    // Concurrent checks through the batching decorator on this database:
    // each gets its own session's answer.
    let batching = Arc::new(BatchingSessionRepo::new(Arc::new(repo), 64, 1));
    let checks: Vec<_> = (0..40)
        .map(|i| {
            let batching = batching.clone();
            let asked = match i % 7 {
                5 => revoked,
                6 => expired,
                k => live[k % live.len()].0,
            };
            tokio::spawn(async move { (asked, batching.find_active_with_user(asked, now()).await) })
        })
        .collect();
    for check in checks {
        let (asked, answer) = check.await.unwrap();
        match live.iter().find(|(f, _)| *f == asked) {
            Some((_, owner)) => {
                let (s, u) = answer.unwrap().expect("a live session");
                assert_eq!((s.family_id, u.id), (asked, *owner));
            }
            None => assert!(answer.unwrap().is_none()),
        }
    }
}

#[tokio::test]
async fn email_writes_are_conditional_on_the_address_the_caller_read() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db);
    let u = user("cond@example.com");
    users.create(&u, None).await.unwrap();
    let other = user("other@example.com");
    users.create(&other, None).await.unwrap();
    let (old, new) = (u.email.clone(), Email::parse("moved@example.com").unwrap());

    assert!(users.mark_email_verified(u.id, &old, now()).await.unwrap());
    assert!(
        users
            .find_by_id(u.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );
    assert!(
        !users.mark_email_verified(u.id, &new, now()).await.unwrap(),
        "not the user's address"
    );
    assert!(matches!(
        users.change_email(u.id, &old, &other.email, now()).await,
        Err(RepoError::Conflict(_))
    ));
    assert!(users.change_email(u.id, &old, &new, now()).await.unwrap());
    let moved = users.find_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(
        (moved.email.clone(), moved.email_verified),
        (new.clone(), true)
    );
    assert!(
        !users.change_email(u.id, &old, &new, now()).await.unwrap(),
        "the address it was read with is gone"
    );
}

#[tokio::test]
async fn revoking_a_users_tokens_spends_every_unused_one_and_no_one_elses() {
    let db = common::fresh_db().await;
    let users = SeaOrmUserRepo::new(db.clone());
    let (u, other) = (user("mine@example.com"), user("theirs@example.com"));
    users.create(&u, None).await.unwrap();
    users.create(&other, None).await.unwrap();
    let repo = SeaOrmVerificationRepo::new(db);
    let t = now();
    let mine = [
        Verification::issue(TokenPurpose::PasswordReset, u.id, "a".repeat(64), t),
        Verification::issue(TokenPurpose::EmailChange, u.id, "b".repeat(64), t),
    ];
    let theirs = Verification::issue(TokenPurpose::PasswordReset, other.id, "c".repeat(64), t);
    for v in mine.iter().chain([&theirs]) {
        repo.issue(v).await.unwrap();
    }
    assert_eq!(repo.revoke_all(u.id, t).await.unwrap(), 2);
    for v in &mine {
        assert!(
            repo.consume(v.purpose, &v.token_hash, t)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        repo.consume(theirs.purpose, &theirs.token_hash, t)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issues_of_one_purpose_leave_at_most_one_usable_token() {
    let db = common::fresh_db().await;
    let u = user("issue-race@example.com");
    SeaOrmUserRepo::new(db.clone())
        .create(&u, None)
        .await
        .unwrap();
    let repo = Arc::new(SeaOrmVerificationRepo::new(db));
    let t = now();
    let tokens: Vec<Verification> = (0..8)
        .map(|i| Verification::issue(TokenPurpose::MagicLink, u.id, format!("{i:064}"), t))
        .collect();
    let tasks: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|v| {
            let repo = repo.clone();
            tokio::spawn(async move { repo.issue(&v).await })
        })
        .collect();
    let mut issued = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => issued += 1,
            // The loser of a race is told so (its job retries).
            Err(RepoError::Conflict(_) | RepoError::Unavailable(_)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(issued >= 1);
    let mut usable = 0;
    for v in &tokens {
        if repo
            .consume(v.purpose, &v.token_hash, t)
            .await
            .unwrap()
            .is_some()
        {
            usable += 1;
        }
    }
    assert_eq!(usable, 1, "exactly one token of the purpose works");
}
