//! SeaORM adapter of the webhook event log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::jobs::NewJob;
use keel_domain::webhooks::{WebhookEvent, WebhookEventRepo, WebhookStatus};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::ActiveValue::{Set, Unchanged};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use super::database::{begin_write, newest_first_page, repo_err};
use super::entities::webhook_events;
use crate::jobs::{insert_job, schedule_job};

/// [`WebhookEventRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmWebhookEventRepo {
    db: DatabaseConnection,
}

impl SeaOrmWebhookEventRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn from_row(m: webhook_events::Model) -> Result<WebhookEvent, RepoError> {
    Ok(WebhookEvent {
        id: m.id,
        svix_id: m.svix_id,
        event_type: m.event_type,
        payload: m.payload,
        status: WebhookStatus::parse(&m.status)
            .ok_or_else(|| RepoError::Internal("stored webhook status is invalid".into()))?,
        attempts: u32::try_from(m.attempts).unwrap_or(0),
        last_error: m.last_error,
        received_at: m.received_at,
        processed_at: m.processed_at,
        next_attempt_at: m.next_attempt_at,
    })
}

fn to_row(e: &WebhookEvent) -> webhook_events::ActiveModel {
    webhook_events::ActiveModel {
        id: Set(e.id),
        svix_id: Set(e.svix_id.clone()),
        event_type: Set(e.event_type.clone()),
        payload: Set(e.payload.clone()),
        status: Set(e.status.as_str().to_owned()),
        attempts: Set(i32::try_from(e.attempts).unwrap_or(i32::MAX)),
        last_error: Set(e.last_error.clone()),
        received_at: Set(e.received_at),
        processed_at: Set(e.processed_at),
        next_attempt_at: Set(e.next_attempt_at),
    }
}

#[async_trait]
impl WebhookEventRepo for SeaOrmWebhookEventRepo {
    async fn insert_new(
        &self,
        event: &WebhookEvent,
        job: Option<NewJob>,
    ) -> Result<bool, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let exists = webhook_events::Entity::find()
            .filter(webhook_events::Column::SvixId.eq(event.svix_id.as_str()))
            .count(&txn)
            .await
            .map_err(repo_err)?
            > 0;
        if exists {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        match webhook_events::Entity::insert(to_row(event))
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => {}
            Err(e) => {
                txn.rollback().await.ok();
                return match repo_err(e) {
                    RepoError::Conflict(_) => Ok(false),
                    other => Err(other),
                };
            }
        }
        if let Some(job) = job {
            insert_job(&txn, &job, event.received_at).await?;
        }
        txn.commit().await.map_err(repo_err)?;
        Ok(true)
    }

    async fn find(&self, id: Uuid) -> Result<Option<WebhookEvent>, RepoError> {
        webhook_events::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(repo_err)?
            .map(from_row)
            .transpose()
    }

    async fn update(&self, event: &WebhookEvent) -> Result<(), RepoError> {
        let mut row = to_row(event);
        row.id = Unchanged(event.id);
        row.svix_id = sea_orm::ActiveValue::NotSet;
        row.payload = sea_orm::ActiveValue::NotSet;
        row.update(&self.db).await.map(|_| ()).map_err(repo_err)
    }

    async fn requeue(&self, id: Uuid, now: DateTime<Utc>, job: NewJob) -> Result<bool, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let moved = webhook_events::Entity::update_many()
            .col_expr(
                webhook_events::Column::Status,
                Expr::value(WebhookStatus::Pending.as_str()),
            )
            .col_expr(webhook_events::Column::NextAttemptAt, Expr::value(now))
            .filter(webhook_events::Column::Id.eq(id))
            .filter(webhook_events::Column::Status.is_in([
                WebhookStatus::Dead.as_str(),
                WebhookStatus::Retrying.as_str(),
            ]))
            .exec(&txn)
            .await
            .map_err(repo_err)?
            .rows_affected;
        if moved != 1 {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        schedule_job(&txn, &job, now).await?;
        txn.commit().await.map_err(repo_err)?;
        Ok(true)
    }

    async fn list(
        &self,
        status: Option<WebhookStatus>,
        page: PageRequest,
    ) -> Result<Page<WebhookEvent>, RepoError> {
        let mut query = webhook_events::Entity::find();
        if let Some(status) = status {
            query = query.filter(webhook_events::Column::Status.eq(status.as_str()));
        }
        let (total, rows) = newest_first_page(
            &self.db,
            query,
            webhook_events::Column::ReceivedAt,
            webhook_events::Column::Id,
            page,
        )
        .await?;
        Ok(Page {
            items: rows.into_iter().map(from_row).collect::<Result<_, _>>()?,
            total,
            request: page,
        })
    }
}
