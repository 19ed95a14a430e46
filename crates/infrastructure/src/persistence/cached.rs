//! Read-through caches in front of the two lookups every authenticated
//! request makes (live session by id, user by id). Writes through these
//! decorators invalidate what they touch, so logout, revocation, password
//! changes and deactivation take effect at once on this instance, and
//! publish an [`Invalidation`] so every other instance drops the same
//! entries when the event arrives (see [`crate::invalidation`]); if the bus
//! is down they catch up within the TTL (at most 5 s by default, as the
//! identity spec allows).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::events::Invalidation;
use keel_domain::identity::{
    Email, PasswordHash, Role, Session, SessionId, SessionRepo, User, UserFilter, UserId, UserRepo,
};
use keel_domain::{Page, PageRequest, RepoError};
use uuid::Uuid;

use crate::cache::TtlCache;
use crate::invalidation::{Invalidations, SharedCache};

/// [`SessionRepo`] decorator caching `find_active`.
pub struct CachingSessionRepo {
    inner: Arc<dyn SessionRepo>,
    live: TtlCache<SessionId, Session>,
    invalidations: Invalidations,
    users: Option<Arc<dyn UserRepo>>,
}

impl CachingSessionRepo {
    /// Caches `inner`'s live-session lookups for `ttl` (zero disables) and
    /// publishes what its writes end through `invalidations` (track the
    /// result there to receive other instances').
    pub fn new(inner: Arc<dyn SessionRepo>, ttl: Duration, invalidations: Invalidations) -> Self {
        Self {
            inner,
            live: TtlCache::new(ttl),
            invalidations,
            users: None,
        }
    }

    /// Reads the user of a cached session through `users` (the caching user
    /// repository, whose entries every user write drops at once), so a
    /// token check with both caches warm reads nothing. Without it, or with
    /// the cache off, every check is the inner repository's joined read
    /// (through `BatchingSessionRepo`, shared with concurrent checks).
    #[must_use]
    pub fn with_users(mut self, users: Arc<dyn UserRepo>) -> Self {
        self.users = Some(users);
        self
    }
}

impl SharedCache for CachingSessionRepo {
    fn invalidate(&self, what: &Invalidation) {
        match *what {
            Invalidation::Session { family } => self.live.remove(&family),
            Invalidation::UserSessions { .. } => self
                .live
                .remove_where(|s| what.ends_session(s.user_id, Some(s.family_id))),
            Invalidation::User { .. } | Invalidation::Products => {}
        }
    }

    fn clear(&self) {
        self.live.clear();
    }
}

#[async_trait]
impl SessionRepo for CachingSessionRepo {
    async fn create(&self, session: &Session) -> Result<(), RepoError> {
        self.inner.create(session).await
    }

    async fn find_by_refresh_hash(&self, hash: &str) -> Result<Option<Session>, RepoError> {
        self.inner.find_by_refresh_hash(hash).await
    }

    async fn find_active(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, RepoError> {
        if let Some(s) = self.live.get(&family_id) {
            if s.is_usable(now) {
                return Ok(Some(s));
            }
            self.live.remove(&family_id);
        }
        let since = self.live.epoch();
        let found = self.inner.find_active(family_id, now).await?;
        if let Some(s) = &found {
            self.live.insert_since(since, family_id, s.clone());
        }
        Ok(found)
    }

    async fn find_active_with_user(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, RepoError> {
        let Some(users) = self.users.as_ref().filter(|_| self.live.enabled()) else {
            return self.inner.find_active_with_user(family_id, now).await;
        };
        if let Some(s) = self.live.get(&family_id) {
            if s.is_usable(now) {
                return Ok(users.find_by_id(s.user_id).await?.map(|u| (s, u)));
            }
            self.live.remove(&family_id);
        }
        let since = self.live.epoch();
        let found = self.inner.find_active_with_user(family_id, now).await?;
        if let Some((s, _)) = &found {
            self.live.insert_since(since, family_id, s.clone());
        }
        Ok(found)
    }

    async fn find_active_with_users(
        &self,
        family_ids: &[SessionId],
        now: DateTime<Utc>,
    ) -> Result<Vec<(Session, User)>, RepoError> {
        self.inner.find_active_with_users(family_ids, now).await
    }

    async fn rotate(&self, current: Uuid, successor: &Session) -> Result<bool, RepoError> {
        let won = self.inner.rotate(current, successor).await?;
        self.live.remove(&successor.family_id);
        Ok(won)
    }

    async fn revoke_family(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        self.live.remove(&family_id);
        let n = self.inner.revoke_family(family_id, now).await?;
        self.live.remove(&family_id);
        self.invalidations
            .publish(Invalidation::Session { family: family_id })
            .await;
        Ok(n)
    }

    async fn revoke_all_for_user(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        let what = Invalidation::UserSessions {
            user: user_id,
            keep,
        };
        self.invalidate(&what);
        let n = self.inner.revoke_all_for_user(user_id, keep, now).await?;
        self.invalidate(&what);
        self.invalidations.publish(what).await;
        Ok(n)
    }

    async fn list_active(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Session>, RepoError> {
        self.inner.list_active(user_id, now).await
    }
}

/// [`UserRepo`] decorator caching `find_by_id`.
pub struct CachingUserRepo {
    inner: Arc<dyn UserRepo>,
    by_id: TtlCache<UserId, User>,
    invalidations: Invalidations,
}

impl CachingUserRepo {
    /// Caches `inner`'s lookups by id for `ttl` (zero disables) and
    /// publishes what its writes change through `invalidations`.
    pub fn new(inner: Arc<dyn UserRepo>, ttl: Duration, invalidations: Invalidations) -> Self {
        Self {
            inner,
            by_id: TtlCache::new(ttl),
            invalidations,
        }
    }

    /// Runs a write of user `id`: drops it before and after, then tells
    /// every instance.
    async fn changing<T>(
        &self,
        id: UserId,
        write: impl Future<Output = Result<T, RepoError>>,
    ) -> Result<T, RepoError> {
        self.by_id.remove(&id);
        let result = write.await;
        self.by_id.remove(&id);
        if result.is_ok() {
            self.invalidations
                .publish(Invalidation::User { user: id })
                .await;
        }
        result
    }
}

impl SharedCache for CachingUserRepo {
    fn invalidate(&self, what: &Invalidation) {
        if let Invalidation::User { user } = what {
            self.by_id.remove(user);
        }
    }

    fn clear(&self) {
        self.by_id.clear();
    }
}

#[async_trait]
impl UserRepo for CachingUserRepo {
    async fn create(
        &self,
        user: &User,
        password_hash: Option<PasswordHash>,
    ) -> Result<(), RepoError> {
        self.inner.create(user, password_hash).await
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError> {
        if let Some(u) = self.by_id.get(&id) {
            return Ok(Some(u));
        }
        let since = self.by_id.epoch();
        let found = self.inner.find_by_id(id).await?;
        if let Some(u) = &found {
            self.by_id.insert_since(since, id, u.clone());
        }
        Ok(found)
    }

    async fn find_by_clerk_id(&self, clerk_id: &str) -> Result<Option<User>, RepoError> {
        self.inner.find_by_clerk_id(clerk_id).await
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError> {
        self.inner.find_by_email(email).await
    }

    async fn update(&self, user: &User) -> Result<(), RepoError> {
        self.changing(user.id, self.inner.update(user)).await
    }

    async fn mark_email_verified(
        &self,
        id: UserId,
        email: &Email,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        self.changing(id, self.inner.mark_email_verified(id, email, at))
            .await
    }

    async fn change_email(
        &self,
        id: UserId,
        from: &Email,
        to: &Email,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        self.changing(id, self.inner.change_email(id, from, to, at))
            .await
    }

    async fn set_role(&self, id: UserId, role: Role, at: DateTime<Utc>) -> Result<(), RepoError> {
        self.changing(id, self.inner.set_role(id, role, at)).await
    }

    async fn set_active(
        &self,
        id: UserId,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        self.changing(id, self.inner.set_active(id, active, at))
            .await
    }

    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError> {
        self.inner.record_login(id, at).await
    }

    async fn list(&self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, RepoError> {
        self.inner.list(filter, page).await
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono::Duration as Span;
    use keel_domain::identity::ports::{MockSessionRepo, MockUserRepo};

    /// A live session of `user` (also used by the batching decorator's tests).
    pub(in crate::persistence) fn session(user: UserId, family: SessionId) -> Session {
        let now = Utc::now();
        Session {
            id: Uuid::now_v7(),
            family_id: family,
            user_id: user,
            refresh_token_hash: "h".into(),
            replaced_by: None,
            ip_address: None,
            user_agent: None,
            created_at: now,
            last_used_at: now,
            expires_at: now + Span::hours(1),
            revoked_at: None,
        }
    }

    fn repo(mock: MockSessionRepo) -> CachingSessionRepo {
        CachingSessionRepo::new(
            Arc::new(mock),
            Duration::from_secs(5),
            Invalidations::local(),
        )
    }

    #[tokio::test]
    async fn live_sessions_are_read_once_within_the_ttl() {
        let (user, family) = (UserId::generate(), SessionId::generate());
        let s = session(user, family);
        let mut mock = MockSessionRepo::new();
        mock.expect_find_active()
            .times(1)
            .returning(move |_, _| Ok(Some(s.clone())));
        let repo = repo(mock);
        for _ in 0..3 {
            assert!(
                repo.find_active(family, Utc::now())
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    }

    #[tokio::test]
    async fn revoking_a_family_drops_it_from_the_cache() {
        let (user, family) = (UserId::generate(), SessionId::generate());
        let s = session(user, family);
        let mut mock = MockSessionRepo::new();
        let mut calls = 0;
        mock.expect_find_active().times(2).returning(move |_, _| {
            calls += 1;
            Ok((calls == 1).then(|| s.clone()))
        });
        mock.expect_revoke_family().times(1).returning(|_, _| Ok(1));
        let repo = repo(mock);
        assert!(
            repo.find_active(family, Utc::now())
                .await
                .unwrap()
                .is_some()
        );
        repo.revoke_family(family, Utc::now()).await.unwrap();
        assert!(
            repo.find_active(family, Utc::now())
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn revoking_a_users_sessions_keeps_only_the_kept_one_cached() {
        let user = UserId::generate();
        let (keep, other) = (SessionId::generate(), SessionId::generate());
        let (a, b) = (session(user, keep), session(user, other));
        let mut mock = MockSessionRepo::new();
        mock.expect_find_active()
            .returning(move |f, _| Ok(Some(if f == keep { a.clone() } else { b.clone() })));
        mock.expect_revoke_all_for_user()
            .times(1)
            .returning(|_, _, _| Ok(1));
        let repo = repo(mock);
        repo.find_active(keep, Utc::now()).await.unwrap();
        repo.find_active(other, Utc::now()).await.unwrap();
        repo.revoke_all_for_user(user, Some(keep), Utc::now())
            .await
            .unwrap();
        assert!(repo.live.get(&keep).is_some());
        assert!(repo.live.get(&other).is_none());
    }

    #[tokio::test]
    async fn a_cached_session_past_its_expiry_is_not_served() {
        let (user, family) = (UserId::generate(), SessionId::generate());
        let s = session(user, family);
        let expiry = s.expires_at;
        let mut mock = MockSessionRepo::new();
        let mut calls = 0;
        mock.expect_find_active().times(2).returning(move |_, _| {
            calls += 1;
            Ok((calls == 1).then(|| s.clone()))
        });
        let repo = repo(mock);
        assert!(
            repo.find_active(family, Utc::now())
                .await
                .unwrap()
                .is_some()
        );
        assert!(repo.find_active(family, expiry).await.unwrap().is_none());
    }

    /// Two instances: each has its own caches and listener on one bus.
    fn instance(bus: &Arc<crate::events::MemoryEventBus>, s: Session) -> Arc<CachingSessionRepo> {
        let invalidations = Invalidations::over(bus.clone());
        let mut mock = MockSessionRepo::new();
        mock.expect_find_active()
            .returning(move |_, _| Ok(Some(s.clone())));
        mock.expect_revoke_family().returning(|_, _| Ok(1));
        mock.expect_revoke_all_for_user().returning(|_, _, _| Ok(1));
        let repo = Arc::new(CachingSessionRepo::new(
            Arc::new(mock),
            Duration::from_secs(60),
            invalidations.clone(),
        ));
        invalidations.track(repo.clone());
        repo
    }

    async fn until(mut done: impl FnMut() -> bool) -> bool {
        for _ in 0..200 {
            if done() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    }

    #[tokio::test]
    async fn a_revocation_on_one_instance_empties_the_others_cache() {
        let bus = Arc::new(crate::events::MemoryEventBus::default());
        let user = UserId::generate();
        let (family, kept) = (SessionId::generate(), SessionId::generate());
        let (a, b) = (
            instance(&bus, session(user, family)),
            instance(&bus, session(user, family)),
        );
        b.find_active(family, Utc::now()).await.unwrap();
        assert!(
            b.live.get(&family).is_some(),
            "cached on the other instance"
        );
        a.revoke_family(family, Utc::now()).await.unwrap();
        assert!(until(|| b.live.get(&family).is_none()).await);

        // Everything but one: the kept session stays cached over there.
        b.live.insert(family, session(user, family));
        b.live.insert(kept, session(user, kept));
        a.revoke_all_for_user(user, Some(kept), Utc::now())
            .await
            .unwrap();
        assert!(until(|| b.live.get(&family).is_none()).await);
        assert!(b.live.get(&kept).is_some());

        // A gap on the bus clears every cache.
        keel_domain::events::EventBus::publish(
            bus.as_ref(),
            &keel_domain::events::Event::new(keel_domain::events::GAP_TOPIC, String::new())
                .unwrap(),
        )
        .await
        .unwrap();
        assert!(until(|| b.live.get(&kept).is_none()).await);
    }

    #[tokio::test]
    async fn a_user_change_on_one_instance_empties_the_others_cache() {
        let bus = Arc::new(crate::events::MemoryEventBus::default());
        let user = User::new(Email::parse("a@b.co").unwrap(), Utc::now());
        let id = user.id;
        let repos: Vec<Arc<CachingUserRepo>> = (0..2)
            .map(|_| {
                let stored = user.clone();
                let mut mock = MockUserRepo::new();
                mock.expect_find_by_id()
                    .returning(move |_| Ok(Some(stored.clone())));
                mock.expect_set_role().returning(|_, _, _| Ok(()));
                let invalidations = Invalidations::over(bus.clone());
                let repo = Arc::new(CachingUserRepo::new(
                    Arc::new(mock),
                    Duration::from_secs(60),
                    invalidations.clone(),
                ));
                invalidations.track(repo.clone());
                repo
            })
            .collect();
        repos[1].find_by_id(id).await.unwrap();
        assert!(repos[1].by_id.get(&id).is_some());
        repos[0]
            .set_role(id, Role::Staff, Utc::now())
            .await
            .unwrap();
        assert!(until(|| repos[1].by_id.get(&id).is_none()).await);
    }

    #[tokio::test]
    async fn user_updates_invalidate_the_cached_user() {
        let user = User::new(Email::parse("a@b.co").unwrap(), Utc::now());
        let id = user.id;
        let stored = user.clone();
        let mut mock = MockUserRepo::new();
        mock.expect_find_by_id()
            .times(2)
            .returning(move |_| Ok(Some(stored.clone())));
        mock.expect_update().times(1).returning(|_| Ok(()));
        let repo = CachingUserRepo::new(
            Arc::new(mock),
            Duration::from_secs(5),
            Invalidations::local(),
        );
        repo.find_by_id(id).await.unwrap();
        repo.find_by_id(id).await.unwrap();
        repo.update(&user).await.unwrap();
        repo.find_by_id(id).await.unwrap();
    }

    fn a_user(id: UserId) -> User {
        let mut u = User::new(Email::parse("cached@example.com").unwrap(), Utc::now());
        u.id = id;
        u
    }

    #[tokio::test]
    async fn with_both_caches_warm_a_token_check_reads_nothing_and_a_user_write_shows_at_once() {
        let (id, family) = (UserId::generate(), SessionId::generate());
        let s = session(id, family);
        let mut sessions = MockSessionRepo::new();
        let joined = (s.clone(), a_user(id));
        sessions
            .expect_find_active_with_user()
            .times(1)
            .returning(move |_, _| Ok(Some(joined.clone())));
        let mut inner_users = MockUserRepo::new();
        let mut reads = 0;
        inner_users
            .expect_find_by_id()
            .times(2)
            .returning(move |_| {
                reads += 1;
                let mut u = a_user(id);
                u.role = if reads == 1 {
                    Role::Customer
                } else {
                    Role::Admin
                };
                Ok(Some(u))
            });
        inner_users
            .expect_set_role()
            .times(1)
            .returning(|_, _, _| Ok(()));
        let users = Arc::new(CachingUserRepo::new(
            Arc::new(inner_users),
            Duration::from_secs(5),
            Invalidations::local(),
        ));
        let repo = repo(sessions).with_users(users.clone());
        // Miss: the one joined read.
        let (_, u) = repo
            .find_active_with_user(family, Utc::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.role, Role::Customer);
        // Session cached; the user read once into its cache, then not again.
        for _ in 0..3 {
            let (_, u) = repo
                .find_active_with_user(family, Utc::now())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(u.role, Role::Customer);
        }
        // A role change through the user cache is seen by the next check.
        users.set_role(id, Role::Admin, Utc::now()).await.unwrap();
        let (_, u) = repo
            .find_active_with_user(family, Utc::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.role, Role::Admin);
    }

    #[tokio::test]
    async fn with_the_cache_off_every_token_check_is_the_one_joined_read() {
        let (id, family) = (UserId::generate(), SessionId::generate());
        let joined = (session(id, family), a_user(id));
        let mut sessions = MockSessionRepo::new();
        sessions
            .expect_find_active_with_user()
            .times(3)
            .returning(move |_, _| Ok(Some(joined.clone())));
        let mut inner_users = MockUserRepo::new();
        inner_users.expect_find_by_id().never();
        let users: Arc<dyn UserRepo> = Arc::new(CachingUserRepo::new(
            Arc::new(inner_users),
            Duration::ZERO,
            Invalidations::local(),
        ));
        let repo =
            CachingSessionRepo::new(Arc::new(sessions), Duration::ZERO, Invalidations::local())
                .with_users(users);
        for _ in 0..3 {
            assert!(
                repo.find_active_with_user(family, Utc::now())
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    }
}
