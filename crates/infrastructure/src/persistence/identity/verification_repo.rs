//! [`VerificationRepo`] on SeaORM: single-use mail tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::identity::{TokenPurpose, UserId, Verification, VerificationRepo};
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

fn to_domain(row: verifications::Model) -> Result<Verification, RepoError> {
    let purpose = TokenPurpose::parse(&row.purpose).ok_or_else(|| {
        RepoError::Internal(keel_domain::Cause::msg(format!(
            "unknown token purpose {:?}",
            row.purpose
        )))
    })?;
    Ok(Verification {
        id: row.id,
        purpose,
        user_id: UserId::from_uuid(row.user_id),
        token_hash: row.token_hash,
        email: row.email,
        created_at: row.created_at,
        expires_at: row.expires_at,
        used_at: row.used_at,
    })
}

#[async_trait]
impl VerificationRepo for SeaOrmVerificationRepo {
    async fn issue(&self, v: &Verification) -> Result<(), RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        verifications::Entity::update_many()
            .col_expr(verifications::Column::UsedAt, Expr::value(v.created_at))
            .filter(verifications::Column::UserId.eq(v.user_id.as_uuid()))
            .filter(verifications::Column::Purpose.eq(v.purpose.as_str()))
            .filter(verifications::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        verifications::Entity::insert(verifications::ActiveModel {
            id: Set(v.id),
            purpose: Set(v.purpose.as_str().to_owned()),
            user_id: Set(v.user_id.as_uuid()),
            token_hash: Set(v.token_hash.clone()),
            email: Set(v.email.clone()),
            created_at: Set(v.created_at),
            expires_at: Set(v.expires_at),
            used_at: Set(v.used_at),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)
    }

    async fn revoke_all(&self, user_id: UserId, now: DateTime<Utc>) -> Result<u64, RepoError> {
        verifications::Entity::update_many()
            .col_expr(verifications::Column::UsedAt, Expr::value(now))
            .filter(verifications::Column::UserId.eq(user_id.as_uuid()))
            .filter(verifications::Column::UsedAt.is_null())
            .exec(&self.db)
            .await
            .map(|r| r.rows_affected)
            .map_err(repo_err)
    }

    async fn consume(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Verification>, RepoError> {
        let usable = || {
            Condition::all()
                .add(verifications::Column::TokenHash.eq(token_hash))
                .add(verifications::Column::Purpose.eq(purpose.as_str()))
                .add(verifications::Column::UsedAt.is_null())
                .add(verifications::Column::ExpiresAt.gt(now))
        };
        let Some(row) = verifications::Entity::find()
            .filter(usable())
            .one(&self.db)
            .await
            .map_err(repo_err)?
        else {
            return Ok(None);
        };
        // The conditional update decides between concurrent uses: only the
        // one that still finds the row unused changes it.
        let updated = verifications::Entity::update_many()
            .col_expr(verifications::Column::UsedAt, Expr::value(now))
            .filter(verifications::Column::Id.eq(row.id))
            .filter(usable())
            .exec(&self.db)
            .await
            .map_err(repo_err)?;
        if updated.rows_affected != 1 {
            return Ok(None);
        }
        let mut spent = to_domain(row)?;
        spent.used_at = Some(now);
        Ok(Some(spent))
    }
}
