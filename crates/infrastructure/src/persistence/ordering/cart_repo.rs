//! [`CartRepo`] on SeaORM.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::catalog::ProductId;
use keel_domain::identity::UserId;
use keel_domain::ordering::{Cart, CartRepo, Quantity};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::persistence::database::repo_err;
use crate::persistence::entities::cart_items;

use super::load_cart;

/// [`CartRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmCartRepo {
    db: DatabaseConnection,
}

impl SeaOrmCartRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CartRepo for SeaOrmCartRepo {
    async fn get(&self, user_id: UserId) -> Result<Cart, RepoError> {
        load_cart(&self.db, user_id).await
    }

    async fn set_item(
        &self,
        user_id: UserId,
        product_id: ProductId,
        quantity: Quantity,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let qty = i32::try_from(quantity.get()).unwrap_or(i32::MAX);
        cart_items::Entity::insert(cart_items::ActiveModel {
            user_id: Set(user_id.as_uuid()),
            product_id: Set(product_id.as_uuid()),
            quantity: Set(qty),
            added_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([cart_items::Column::UserId, cart_items::Column::ProductId])
                .update_columns([cart_items::Column::Quantity, cart_items::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await
        .map(|_| ())
        .map_err(repo_err)
    }

    async fn remove_item(&self, user_id: UserId, product_id: ProductId) -> Result<bool, RepoError> {
        cart_items::Entity::delete_many()
            .filter(cart_items::Column::UserId.eq(user_id.as_uuid()))
            .filter(cart_items::Column::ProductId.eq(product_id.as_uuid()))
            .exec(&self.db)
            .await
            .map(|r| r.rows_affected > 0)
            .map_err(repo_err)
    }

    async fn clear(&self, user_id: UserId) -> Result<(), RepoError> {
        cart_items::Entity::delete_many()
            .filter(cart_items::Column::UserId.eq(user_id.as_uuid()))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }
}
