//! Coalesces the session check every bearer request makes: checks that
//! arrive while earlier ones are being read wait for the next statement,
//! which reads all of them at once ([`SessionRepo::find_active_with_users`]).
//!
//! Every check still reads the database after its request arrived (a
//! queued check never rides on a statement that was already sent), so a
//! logout or revocation is seen by every request that starts after it, as
//! without batching. Under no load a check goes out alone, at once; under
//! load the statements carry many sessions each, which is what a session
//! check costs PostgreSQL and the connection pool per request that drops.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::identity::{Session, SessionId, SessionRepo, User, UserId};
use keel_domain::{Cause, RepoError};
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

/// How long a check may wait for its answer (queue and read) before it is
/// answered 503: the pool's acquire timeout, which bounded a check's wait
/// before checks were read together.
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

type Answer = Result<Option<(Session, User)>, RepoError>;

struct Check {
    family_id: SessionId,
    now: DateTime<Utc>,
    reply: oneshot::Sender<Answer>,
}

/// [`SessionRepo`] decorator batching `find_active_with_user`; every other
/// method passes straight through. A batch is read at the latest `now` of
/// its checks, so callers pass the wall clock (as the token check does).
/// Under a flood the queue holds one small entry per open request, each
/// answered 503 after [`ANSWER_WITHIN`] at the latest.
pub struct BatchingSessionRepo {
    inner: Arc<dyn SessionRepo>,
    queue: Option<mpsc::UnboundedSender<Check>>,
}

impl BatchingSessionRepo {
    /// Batches `inner`'s session checks, at most `max_batch` checks per
    /// statement and `in_flight` statements at a time (the rest queue and
    /// go out together when one returns). The batching task runs on the
    /// current tokio runtime; without one, or with `max_batch` below 2,
    /// every check goes straight to `inner`.
    pub fn new(inner: Arc<dyn SessionRepo>, max_batch: usize, in_flight: usize) -> Self {
        let queue = match tokio::runtime::Handle::try_current() {
            Ok(runtime) if max_batch >= 2 => {
                let (tx, rx) = mpsc::unbounded_channel();
                runtime.spawn(batches(inner.clone(), rx, max_batch, in_flight.max(1)));
                Some(tx)
            }
            _ => None,
        };
        Self { inner, queue }
    }
}

/// Takes the waiting checks, up to `max_batch` at a time, as soon as one of
/// `in_flight` slots is free, and answers each batch on its own task.
async fn batches(
    inner: Arc<dyn SessionRepo>,
    mut queue: mpsc::UnboundedReceiver<Check>,
    max_batch: usize,
    in_flight: usize,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    while let Some(first) = queue.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(check) => batch.push(check),
                Err(_) => break,
            }
        }
        let inner = inner.clone();
        tokio::spawn(async move {
            answer(inner.as_ref(), batch).await;
            drop(slot);
        });
    }
}

async fn answer(inner: &dyn SessionRepo, batch: Vec<Check>) {
    // Checks whose requests have gone need no reading.
    let batch: Vec<Check> = batch.into_iter().filter(|c| !c.reply.is_closed()).collect();
    let Some(now) = batch.iter().map(|c| c.now).max() else {
        return;
    };
    let mut ids: Vec<SessionId> = batch.iter().map(|c| c.family_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let read = match inner.find_active_with_users(&ids, now).await {
        // A row that does not convert fails the whole statement; read each
        // check alone then, so only that session's request fails.
        Err(RepoError::Internal(_)) if batch.len() > 1 => {
            for check in batch {
                let alone = inner.find_active_with_user(check.family_id, now).await;
                let _ = check.reply.send(alone);
            }
            return;
        }
        read => read,
    };
    match read {
        Ok(found) => {
            let found: HashMap<SessionId, (Session, User)> = found
                .into_iter()
                .map(|(s, u)| (s.family_id, (s, u)))
                .collect();
            for check in batch {
                // The latest `now` of the batch is the moment of the read:
                // a session that expired before it is refused to everyone.
                let _ = check.reply.send(Ok(found.get(&check.family_id).cloned()));
            }
        }
        Err(err) => {
            for check in batch {
                let _ = check.reply.send(Err(err.clone()));
            }
        }
    }
}

#[async_trait]
impl SessionRepo for BatchingSessionRepo {
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
        self.inner.find_active(family_id, now).await
    }

    async fn find_active_with_user(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, RepoError> {
        let Some(queue) = &self.queue else {
            return self.inner.find_active_with_user(family_id, now).await;
        };
        let (reply, answer) = oneshot::channel();
        if queue
            .send(Check {
                family_id,
                now,
                reply,
            })
            .is_err()
        {
            // The batching task is gone (its runtime shut down).
            return self.inner.find_active_with_user(family_id, now).await;
        }
        match tokio::time::timeout(ANSWER_WITHIN, answer).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(RepoError::Unavailable(Cause::msg(
                "the session check was dropped before it was answered",
            ))),
            Err(_) => Err(RepoError::Unavailable(Cause::msg(
                "the session check waited too long for the database",
            ))),
        }
    }

    async fn find_active_with_users(
        &self,
        family_ids: &[SessionId],
        now: DateTime<Utc>,
    ) -> Result<Vec<(Session, User)>, RepoError> {
        self.inner.find_active_with_users(family_ids, now).await
    }

    async fn rotate(&self, current: Uuid, successor: &Session) -> Result<bool, RepoError> {
        self.inner.rotate(current, successor).await
    }

    async fn revoke_family(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        self.inner.revoke_family(family_id, now).await
    }

    async fn revoke_all_for_user(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        self.inner.revoke_all_for_user(user_id, keep, now).await
    }

    async fn list_active(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Session>, RepoError> {
        self.inner.list_active(user_id, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::cached::tests::session;
    use keel_domain::identity::Email;
    use keel_domain::identity::ports::MockSessionRepo;
    use std::sync::Mutex;
    use std::sync::mpsc as sync_mpsc;

    fn joined(family: SessionId) -> (Session, User) {
        let user = User::new(Email::parse("batched@example.com").unwrap(), Utc::now());
        (session(user.id, family), user)
    }

    #[tokio::test]
    async fn checks_waiting_together_are_read_in_one_statement_and_each_gets_its_own_answer() {
        let live: Vec<SessionId> = (0..6).map(|_| SessionId::generate()).collect();
        let gone = SessionId::generate();
        let calls = Arc::new(Mutex::new(Vec::<Vec<SessionId>>::new()));
        let mut inner = MockSessionRepo::new();
        inner.expect_find_active_with_user().never();
        let (seen, rows) = (calls.clone(), live.clone());
        inner
            .expect_find_active_with_users()
            .returning(move |ids, _| {
                seen.lock().unwrap().push(ids.to_vec());
                Ok(rows
                    .iter()
                    .filter(|f| ids.contains(f))
                    .map(|f| joined(*f))
                    .collect())
            });
        let repo = BatchingSessionRepo::new(Arc::new(inner), 64, 1);
        // Each check is queued on its first poll, before the batching task
        // (same thread) runs; the same session twice is read once.
        let mut asked = live.clone();
        asked.push(gone);
        asked.push(live[0]);
        let answers = futures_util::future::join_all(
            asked
                .iter()
                .map(|f| repo.find_active_with_user(*f, Utc::now())),
        )
        .await;
        for (family, answer) in asked.iter().zip(answers) {
            let answer = answer.unwrap();
            if *family == gone {
                assert!(answer.is_none());
            } else {
                assert_eq!(answer.unwrap().0.family_id, *family);
            }
        }
        let calls = calls.lock().unwrap();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].len(), 7, "distinct sessions only: {calls:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_that_arrives_during_a_read_waits_for_a_read_of_its_own() {
        let (first, second) = (SessionId::generate(), SessionId::generate());
        let (entered_tx, entered) = sync_mpsc::channel::<()>();
        let (release, released) = sync_mpsc::channel::<()>();
        let released = Mutex::new(released);
        let entered_tx = Mutex::new(entered_tx);
        let calls = Arc::new(Mutex::new(Vec::<Vec<SessionId>>::new()));
        let seen = calls.clone();
        let mut inner = MockSessionRepo::new();
        inner
            .expect_find_active_with_users()
            .returning(move |ids, _| {
                let n = {
                    let mut calls = seen.lock().unwrap();
                    calls.push(ids.to_vec());
                    calls.len()
                };
                if n == 1 {
                    // Hold the first statement until the test says so.
                    entered_tx.lock().unwrap().send(()).unwrap();
                    released.lock().unwrap().recv().unwrap();
                    // It was sent before the second session existed.
                    return Ok(vec![joined(ids[0])]);
                }
                Ok(ids.iter().map(|f| joined(*f)).collect())
            });
        let repo = Arc::new(BatchingSessionRepo::new(Arc::new(inner), 64, 1));
        let one = tokio::spawn({
            let repo = repo.clone();
            async move { repo.find_active_with_user(first, Utc::now()).await }
        });
        tokio::task::spawn_blocking(move || entered.recv().unwrap())
            .await
            .unwrap();
        let two = tokio::spawn({
            let repo = repo.clone();
            async move { repo.find_active_with_user(second, Utc::now()).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!two.is_finished(), "answered by a read sent before it came");
        release.send(()).unwrap();
        assert_eq!(one.await.unwrap().unwrap().unwrap().0.family_id, first);
        assert_eq!(two.await.unwrap().unwrap().unwrap().0.family_id, second);
        assert_eq!(*calls.lock().unwrap(), vec![vec![first], vec![second]]);
    }

    #[tokio::test]
    async fn a_row_that_does_not_convert_fails_only_its_own_check() {
        let families: Vec<SessionId> = (0..4).map(|_| SessionId::generate()).collect();
        let bad = families[2];
        let mut inner = MockSessionRepo::new();
        inner
            .expect_find_active_with_users()
            .times(1)
            .returning(|_, _| Err(RepoError::Internal(Cause::msg("bad row"))));
        inner
            .expect_find_active_with_user()
            .times(4)
            .returning(move |f, _| {
                if f == bad {
                    Err(RepoError::Internal(Cause::msg("bad row")))
                } else {
                    Ok(Some(joined(f)))
                }
            });
        let repo = BatchingSessionRepo::new(Arc::new(inner), 64, 1);
        let answers = futures_util::future::join_all(
            families
                .iter()
                .map(|f| repo.find_active_with_user(*f, Utc::now())),
        )
        .await;
        for (family, answer) in families.iter().zip(answers) {
            if *family == bad {
                assert!(matches!(answer, Err(RepoError::Internal(_))));
            } else {
                assert_eq!(answer.unwrap().unwrap().0.family_id, *family);
            }
        }
    }

    #[tokio::test]
    async fn a_failed_read_fails_every_check_it_carried_and_batching_off_reads_alone() {
        let mut inner = MockSessionRepo::new();
        inner
            .expect_find_active_with_users()
            .times(1)
            .returning(|_, _| Err(RepoError::Unavailable(Cause::msg("down"))));
        let repo = BatchingSessionRepo::new(Arc::new(inner), 64, 1);
        let answers = futures_util::future::join_all(
            (0..3).map(|_| repo.find_active_with_user(SessionId::generate(), Utc::now())),
        )
        .await;
        assert!(
            answers
                .iter()
                .all(|a| matches!(a, Err(RepoError::Unavailable(_))))
        );

        let family = SessionId::generate();
        let mut inner = MockSessionRepo::new();
        inner.expect_find_active_with_users().never();
        inner
            .expect_find_active_with_user()
            .times(1)
            .returning(|f, _| Ok(Some(joined(f))));
        let repo = BatchingSessionRepo::new(Arc::new(inner), 0, 1);
        let answer = repo.find_active_with_user(family, Utc::now()).await;
        assert_eq!(answer.unwrap().unwrap().0.family_id, family);
    }
}
