//! [`VerificationRepo`] on SeaORM: single-use tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::identity::{Verification, VerificationRepo};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::persistence::database::{begin_write, repo_err};
use crate::persistence::entities::verifications;

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
