//! [`SessionRepo`] on SeaORM: refresh-token families.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::identity::{Session, SessionId, SessionRepo, User, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::user_repo::user_from_row;
use crate::persistence::database::{begin_write, repo_err};
use crate::persistence::entities::{sessions, users};

/// [`SessionRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmSessionRepo {
    db: DatabaseConnection,
}

impl SeaOrmSessionRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn session_from_row(m: sessions::Model) -> Session {
    Session {
        id: m.id,
        family_id: SessionId::from_uuid(m.family_id),
        user_id: UserId::from_uuid(m.user_id),
        refresh_token_hash: m.refresh_token_hash,
        replaced_by: m.replaced_by,
        ip_address: m.ip_address,
        user_agent: m.user_agent,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    }
}

fn session_to_row(s: &Session) -> sessions::ActiveModel {
    sessions::ActiveModel {
        id: Set(s.id),
        family_id: Set(s.family_id.as_uuid()),
        user_id: Set(s.user_id.as_uuid()),
        refresh_token_hash: Set(s.refresh_token_hash.clone()),
        replaced_by: Set(s.replaced_by),
        ip_address: Set(s.ip_address.clone()),
        user_agent: Set(s.user_agent.clone()),
        created_at: Set(s.created_at),
        last_used_at: Set(s.last_used_at),
        expires_at: Set(s.expires_at),
        revoked_at: Set(s.revoked_at),
    }
}

fn live() -> Condition {
    Condition::all()
        .add(sessions::Column::RevokedAt.is_null())
        .add(sessions::Column::ReplacedBy.is_null())
}

#[async_trait]
impl SessionRepo for SeaOrmSessionRepo {
    async fn create(&self, session: &Session) -> Result<(), RepoError> {
        sessions::Entity::insert(session_to_row(session))
            .exec_without_returning(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    async fn find_by_refresh_hash(&self, hash: &str) -> Result<Option<Session>, RepoError> {
        Ok(sessions::Entity::find()
            .filter(sessions::Column::RefreshTokenHash.eq(hash))
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(session_from_row))
    }

    async fn find_active(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, RepoError> {
        Ok(sessions::Entity::find()
            .filter(sessions::Column::FamilyId.eq(family_id.as_uuid()))
            .filter(live())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(session_from_row))
    }

    async fn find_active_with_user(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, RepoError> {
        // One statement; sqlx keeps it prepared per connection (its
        // statement cache), so each request only binds and executes.
        let row = sessions::Entity::find()
            .filter(sessions::Column::FamilyId.eq(family_id.as_uuid()))
            .filter(live())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .find_also_related(users::Entity)
            .one(&self.db)
            .await
            .map_err(repo_err)?;
        match row {
            Some((session, Some(user))) => {
                Ok(Some((session_from_row(session), user_from_row(user)?)))
            }
            _ => Ok(None),
        }
    }

    async fn find_active_with_users(
        &self,
        family_ids: &[SessionId],
        now: DateTime<Utc>,
    ) -> Result<Vec<(Session, User)>, RepoError> {
        let Some(last) = family_ids.last() else {
            return Ok(Vec::new());
        };
        // The id list is padded to a power of two (repeating the last id,
        // which `IN` ignores), so a handful of statement shapes stay
        // prepared per connection whatever the batch sizes.
        let ids: Vec<Uuid> = family_ids
            .iter()
            .chain(std::iter::repeat(last))
            .take(family_ids.len().next_power_of_two())
            .map(|id| id.as_uuid())
            .collect();
        sessions::Entity::find()
            .filter(sessions::Column::FamilyId.is_in(ids))
            .filter(live())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .find_also_related(users::Entity)
            .all(&self.db)
            .await
            .map_err(repo_err)?
            .into_iter()
            .filter_map(|(session, user)| user.map(|u| (session, u)))
            .map(|(session, user)| Ok((session_from_row(session), user_from_row(user)?)))
            .collect()
    }

    async fn rotate(&self, current: Uuid, successor: &Session) -> Result<bool, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let spent = sessions::Entity::update_many()
            .col_expr(
                sessions::Column::RevokedAt,
                Expr::value(successor.last_used_at),
            )
            .col_expr(sessions::Column::ReplacedBy, Expr::value(successor.id))
            .filter(sessions::Column::Id.eq(current))
            .filter(live())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        if spent.rows_affected != 1 {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        sessions::Entity::insert(session_to_row(successor))
            .exec_without_returning(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(true)
    }

    async fn revoke_family(
        &self,
        family_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(now))
            .filter(sessions::Column::FamilyId.eq(family_id.as_uuid()))
            .filter(sessions::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map(|r| r.rows_affected)
            .map_err(repo_err)
    }

    async fn revoke_all_for_user(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        let mut query = sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(now))
            .filter(sessions::Column::UserId.eq(user_id.as_uuid()))
            .filter(sessions::Column::RevokedAt.is_null());
        if let Some(keep) = keep {
            query = query.filter(sessions::Column::FamilyId.ne(keep.as_uuid()));
        }
        query
            .exec(&self.db)
            .await
            .map(|r| r.rows_affected)
            .map_err(repo_err)
    }

    async fn list_active(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Session>, RepoError> {
        Ok(sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user_id.as_uuid()))
            .filter(live())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .order_by_desc(sessions::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(repo_err)?
            .into_iter()
            .map(session_from_row)
            .collect())
    }
}
