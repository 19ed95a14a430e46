//! SeaORM adapters of the identity ports.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::identity::{
    AccountProvider, AccountRepo, Email, ImageUrl, PasswordHash, Role, Session, SessionId,
    SessionRepo, User, UserFilter, UserId, UserRepo, Username, Verification, VerificationRepo,
};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::database::{begin_write, like_pattern, repo_err};
use super::entities::{accounts, sessions, users, verifications};

/// [`UserRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmUserRepo {
    db: DatabaseConnection,
}

impl SeaOrmUserRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
}

fn user_from_row(m: users::Model) -> Result<User, RepoError> {
    Ok(User {
        id: UserId::from_uuid(m.id),
        email: Email::parse(&m.email).map_err(|_| corrupt("email"))?,
        username: m
            .username
            .map(|u| Username::parse(&u).map_err(|_| corrupt("username")))
            .transpose()?,
        name: m.name,
        image_url: m
            .image_url
            .map(|u| ImageUrl::parse(&u).map_err(|_| corrupt("image_url")))
            .transpose()?,
        email_verified: m.email_verified,
        role: Role::parse(&m.role).map_err(|_| corrupt("role"))?,
        is_active: m.is_active,
        clerk_id: m.clerk_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
        last_login_at: m.last_login_at,
        deactivated_at: m.deactivated_at,
    })
}

fn user_to_row(u: &User) -> users::ActiveModel {
    users::ActiveModel {
        id: Set(u.id.as_uuid()),
        email: Set(u.email.as_str().to_owned()),
        username: Set(u.username.as_deref().map(str::to_owned)),
        name: Set(u.name.clone()),
        image_url: Set(u.image_url.as_deref().map(str::to_owned)),
        email_verified: Set(u.email_verified),
        role: Set(u.role.as_str().to_owned()),
        is_active: Set(u.is_active),
        clerk_id: Set(u.clerk_id.clone()),
        created_at: Set(u.created_at),
        updated_at: Set(u.updated_at),
        last_login_at: Set(u.last_login_at),
        deactivated_at: Set(u.deactivated_at),
    }
}

fn password_account(
    user_id: UserId,
    hash: PasswordHash,
    now: DateTime<Utc>,
) -> accounts::ActiveModel {
    accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id.as_uuid()),
        provider: Set(AccountProvider::Password.as_str().to_owned()),
        provider_account_id: Set(user_id.to_string()),
        password_hash: Set(Some(hash.as_str().to_owned())),
        synced_at_ms: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[async_trait]
impl UserRepo for SeaOrmUserRepo {
    async fn create(
        &self,
        user: &User,
        password_hash: Option<PasswordHash>,
    ) -> Result<(), RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        users::Entity::insert(user_to_row(user))
            .exec_without_returning(&txn)
            .await
            .map_err(repo_err)?;
        if let Some(hash) = password_hash {
            accounts::Entity::insert(password_account(user.id, hash, user.created_at))
                .exec_without_returning(&txn)
                .await
                .map_err(repo_err)?;
        }
        txn.commit().await.map_err(repo_err)
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError> {
        users::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(user_from_row)
            .transpose()
    }

    async fn find_by_clerk_id(&self, clerk_id: &str) -> Result<Option<User>, RepoError> {
        users::Entity::find()
            .filter(users::Column::ClerkId.eq(clerk_id))
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(user_from_row)
            .transpose()
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(user_from_row)
            .transpose()
    }

    async fn update(&self, user: &User) -> Result<(), RepoError> {
        let row = users::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(user.id.as_uuid()),
            email: Set(user.email.as_str().to_owned()),
            username: Set(user.username.as_deref().map(str::to_owned)),
            name: Set(user.name.clone()),
            image_url: Set(user.image_url.as_deref().map(str::to_owned)),
            email_verified: Set(user.email_verified),
            clerk_id: Set(user.clerk_id.clone()),
            updated_at: Set(user.updated_at),
            ..Default::default()
        };
        row.update(&self.db).await.map(|_| ()).map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => RepoError::Internal("user row vanished".into()),
            other => repo_err(other),
        })
    }

    async fn set_role(&self, id: UserId, role: Role, at: DateTime<Utc>) -> Result<(), RepoError> {
        users::Entity::update_many()
            .col_expr(users::Column::Role, Expr::value(role.as_str()))
            .col_expr(users::Column::UpdatedAt, Expr::value(at))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    async fn set_active(
        &self,
        id: UserId,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let deactivated_at: Expr = if active {
            Expr::value(Option::<DateTime<Utc>>::None)
        } else {
            Expr::expr(Func::coalesce([
                Expr::col(users::Column::DeactivatedAt),
                Expr::value(at),
            ]))
        };
        users::Entity::update_many()
            .col_expr(users::Column::IsActive, Expr::value(active))
            .col_expr(users::Column::DeactivatedAt, deactivated_at)
            .col_expr(users::Column::UpdatedAt, Expr::value(at))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError> {
        users::Entity::update_many()
            .col_expr(users::Column::LastLoginAt, Expr::value(at))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    async fn list(&self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, RepoError> {
        let mut cond = Condition::all();
        if let Some(q) = &filter.query {
            let lower = |c: users::Column| Expr::expr(Func::lower(Expr::col(c)));
            cond = cond.add(
                Condition::any()
                    .add(lower(users::Column::Email).like(like_pattern(q)))
                    .add(lower(users::Column::Name).like(like_pattern(q)))
                    .add(lower(users::Column::Username).like(like_pattern(q))),
            );
        }
        if let Some(role) = filter.role {
            cond = cond.add(users::Column::Role.eq(role.as_str()));
        }
        let query = users::Entity::find().filter(cond);
        let total = query.clone().count(&self.db).await.map_err(repo_err)?;
        let rows = query
            .order_by_desc(users::Column::CreatedAt)
            .order_by_desc(users::Column::Id)
            .offset(page.offset())
            .limit(page.size())
            .all(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(user_from_row)
                .collect::<Result<_, _>>()?,
            total,
            request: page,
        })
    }
}

/// [`AccountRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmAccountRepo {
    db: DatabaseConnection,
}

impl SeaOrmAccountRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AccountRepo for SeaOrmAccountRepo {
    async fn password_hash(&self, user_id: UserId) -> Result<Option<PasswordHash>, RepoError> {
        let row = accounts::Entity::find()
            .filter(accounts::Column::UserId.eq(user_id.as_uuid()))
            .filter(accounts::Column::Provider.eq(AccountProvider::Password.as_str()))
            .one(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(row.and_then(|r| r.password_hash).map(PasswordHash::new))
    }

    async fn set_password_hash(
        &self,
        user_id: UserId,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let existing = accounts::Entity::find()
            .filter(accounts::Column::UserId.eq(user_id.as_uuid()))
            .filter(accounts::Column::Provider.eq(AccountProvider::Password.as_str()))
            .one(&txn)
            .await
            .map_err(repo_err)?;
        match existing {
            Some(row) => {
                let mut row = row.into_active_model();
                row.password_hash = Set(Some(hash.as_str().to_owned()));
                row.updated_at = Set(now);
                row.update(&txn).await.map_err(repo_err)?;
            }
            None => {
                accounts::Entity::insert(password_account(user_id, hash, now))
                    .exec_without_returning(&txn)
                    .await
                    .map_err(repo_err)?;
            }
        }
        txn.commit().await.map_err(repo_err)
    }

    async fn synced_at(
        &self,
        provider: AccountProvider,
        provider_account_id: &str,
    ) -> Result<Option<i64>, RepoError> {
        Ok(self
            .find_link(provider, provider_account_id)
            .await?
            .and_then(|row| row.synced_at_ms))
    }

    async fn mark_synced(
        &self,
        provider: AccountProvider,
        provider_account_id: &str,
        updated_at_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        accounts::Entity::update_many()
            .col_expr(accounts::Column::SyncedAtMs, Expr::value(updated_at_ms))
            .col_expr(accounts::Column::UpdatedAt, Expr::value(now))
            .filter(accounts::Column::Provider.eq(provider.as_str()))
            .filter(accounts::Column::ProviderAccountId.eq(provider_account_id))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    async fn link(
        &self,
        user_id: UserId,
        provider: AccountProvider,
        provider_account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let existing = self.find_link(provider, provider_account_id).await?;
        match existing {
            Some(row) if row.user_id == user_id.as_uuid() => Ok(()),
            Some(_) => Err(RepoError::Conflict(format!(
                "{} account linked to another user",
                provider.as_str()
            ))),
            None => accounts::Entity::insert(accounts::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id.as_uuid()),
                provider: Set(provider.as_str().to_owned()),
                provider_account_id: Set(provider_account_id.to_owned()),
                password_hash: Set(None),
                synced_at_ms: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err),
        }
    }
}

impl SeaOrmAccountRepo {
    async fn find_link(
        &self,
        provider: AccountProvider,
        provider_account_id: &str,
    ) -> Result<Option<accounts::Model>, RepoError> {
        accounts::Entity::find()
            .filter(accounts::Column::Provider.eq(provider.as_str()))
            .filter(accounts::Column::ProviderAccountId.eq(provider_account_id))
            .one(&self.db)
            .await
            .map_err(repo_err)
    }
}

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

/// [`VerificationRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmVerificationRepo {
    db: DatabaseConnection,
}

impl SeaOrmVerificationRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl VerificationRepo for SeaOrmVerificationRepo {
    async fn create(&self, v: &Verification) -> Result<(), RepoError> {
        verifications::Entity::insert(verifications::ActiveModel {
            id: Set(v.id),
            identifier: Set(v.identifier.clone()),
            value_hash: Set(v.value_hash.clone()),
            created_at: Set(v.created_at),
            expires_at: Set(v.expires_at),
            consumed_at: Set(v.consumed_at),
        })
        .exec_without_returning(&self.db)
        .await
        .map(|_| ())
        .map_err(repo_err)
    }

    async fn consume(
        &self,
        identifier: &str,
        value_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Verification>, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let matching = || {
            Condition::all()
                .add(verifications::Column::Identifier.eq(identifier))
                .add(verifications::Column::ValueHash.eq(value_hash))
                .add(verifications::Column::ConsumedAt.is_null())
                .add(verifications::Column::ExpiresAt.gt(now))
        };
        let Some(row) = verifications::Entity::find()
            .filter(matching())
            .one(&txn)
            .await
            .map_err(repo_err)?
        else {
            return Ok(None);
        };
        let updated = verifications::Entity::update_many()
            .col_expr(verifications::Column::ConsumedAt, Expr::value(now))
            .filter(verifications::Column::Id.eq(row.id))
            .filter(matching())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok((updated.rows_affected == 1).then_some(Verification {
            id: row.id,
            identifier: row.identifier,
            value_hash: row.value_hash,
            created_at: row.created_at,
            expires_at: row.expires_at,
            consumed_at: Some(now),
        }))
    }
}
