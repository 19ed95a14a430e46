//! [`UserRepo`] on SeaORM.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::identity::{
    Email, ImageUrl, PasswordHash, Role, User, UserFilter, UserId, UserRepo, Username,
};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    QueryFilter,
};

use crate::persistence::database::{begin_write, like_pattern, newest_first_page, repo_err};
use crate::persistence::entities::{accounts, users};

use super::{corrupt, password_account};

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

pub(crate) fn user_from_row(m: users::Model) -> Result<User, RepoError> {
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

    async fn mark_email_verified(
        &self,
        id: UserId,
        email: &Email,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let done = users::Entity::update_many()
            .col_expr(users::Column::EmailVerified, Expr::value(true))
            .col_expr(users::Column::UpdatedAt, Expr::value(at))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .filter(users::Column::Email.eq(email.as_str()))
            .exec(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(done.rows_affected == 1)
    }

    async fn change_email(
        &self,
        id: UserId,
        from: &Email,
        to: &Email,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let done = users::Entity::update_many()
            .col_expr(users::Column::Email, Expr::value(to.as_str()))
            .col_expr(users::Column::EmailVerified, Expr::value(true))
            .col_expr(users::Column::UpdatedAt, Expr::value(at))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .filter(users::Column::Email.eq(from.as_str()))
            .exec(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(done.rows_affected == 1)
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
        let (total, rows) = newest_first_page(
            &self.db,
            query,
            users::Column::CreatedAt,
            users::Column::Id,
            page,
        )
        .await?;
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
