//! [`CategoryRepo`] on SeaORM.

use async_trait::async_trait;
use keel_domain::RepoError;
use keel_domain::catalog::{Category, CategoryId, CategoryRepo, Slug};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::persistence::database::{begin_write, repo_err};
use crate::persistence::entities::{categories, products};

use super::corrupt;

/// [`CategoryRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmCategoryRepo {
    db: DatabaseConnection,
}

impl SeaOrmCategoryRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn category_from_row(m: categories::Model) -> Result<Category, RepoError> {
    Ok(Category {
        id: CategoryId::from_uuid(m.id),
        name: m.name,
        slug: Slug::parse(&m.slug).map_err(|_| corrupt("category slug"))?,
        description: m.description,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn category_to_row(c: &Category) -> categories::ActiveModel {
    categories::ActiveModel {
        id: Set(c.id.as_uuid()),
        name: Set(c.name.clone()),
        slug: Set(c.slug.as_str().to_owned()),
        description: Set(c.description.clone()),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    }
}

#[async_trait]
impl CategoryRepo for SeaOrmCategoryRepo {
    async fn create(&self, category: &Category) -> Result<(), RepoError> {
        categories::Entity::insert(category_to_row(category))
            .exec_without_returning(&self.db)
            .await
            .map(|_| ())
            .map_err(repo_err)
    }

    async fn update(&self, category: &Category) -> Result<bool, RepoError> {
        let updated = categories::Entity::update_many()
            .col_expr(categories::Column::Name, Expr::value(category.name.clone()))
            .col_expr(
                categories::Column::Slug,
                Expr::value(category.slug.as_str()),
            )
            .col_expr(
                categories::Column::Description,
                Expr::value(category.description.clone()),
            )
            .col_expr(
                categories::Column::UpdatedAt,
                Expr::value(category.updated_at),
            )
            .filter(categories::Column::Id.eq(category.id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(updated.rows_affected == 1)
    }

    async fn delete(&self, id: CategoryId) -> Result<bool, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        // Locking the row (PostgreSQL; SQLite's BEGIN IMMEDIATE already
        // serialises writers) makes a concurrent product insert, which takes
        // a shared lock on it, either finish before the count below or see
        // the category gone.
        let exists = categories::Entity::find_by_id(id.as_uuid())
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(repo_err)?
            .is_some();
        if !exists {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        let users = products::Entity::find()
            .filter(products::Column::CategoryId.eq(id.as_uuid()))
            .count(&txn)
            .await
            .map_err(repo_err)?;
        if users > 0 {
            txn.rollback().await.map_err(repo_err)?;
            return Err(RepoError::Conflict(format!(
                "category {id} is used by {users} product(s)"
            )));
        }
        let deleted = categories::Entity::delete_by_id(id.as_uuid())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(deleted.rows_affected == 1)
    }

    async fn find_by_id(&self, id: CategoryId) -> Result<Option<Category>, RepoError> {
        categories::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(category_from_row)
            .transpose()
    }

    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Category>, RepoError> {
        categories::Entity::find()
            .filter(categories::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(category_from_row)
            .transpose()
    }

    async fn list(&self) -> Result<Vec<Category>, RepoError> {
        categories::Entity::find()
            .order_by_asc(categories::Column::Name)
            .order_by_asc(categories::Column::Id)
            .all(&self.db)
            .await
            .map_err(repo_err)?
            .into_iter()
            .map(category_from_row)
            .collect()
    }
}
