//! [`AccountRepo`] on SeaORM: password hashes and provider links.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::identity::{AccountProvider, AccountRepo, PasswordHash, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::persistence::database::{begin_write, repo_err};
use crate::persistence::entities::accounts;

use super::password_account;

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
