//! [`OrderRepo`] on SeaORM: the checkout transaction, cancellation and status changes.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::catalog::ProductId;
use keel_domain::identity::UserId;
use keel_domain::money::{Currency, Money};
use keel_domain::ordering::{
    CancelOutcome, CheckoutOutcome, IdempotencyKey, Order, OrderId, OrderItem, OrderRepo,
    OrderStatus, OrderStatusChange,
};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::persistence::database::{begin_write, newest_first_page, repo_err};
use crate::persistence::entities::{cart_items, order_items, orders, products, users};

use super::{
    Attempt, corrupt, find_by_key, find_order, load_cart, move_status, record_change, return_stock,
    with_items,
};

/// [`OrderRepo`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaOrmOrderRepo {
    db: DatabaseConnection,
}

impl SeaOrmOrderRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl SeaOrmOrderRepo {
    async fn try_checkout(
        &self,
        txn: &DatabaseTransaction,
        user_id: UserId,
        key: Option<&IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<Attempt, RepoError> {
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            users::Entity::find_by_id(user_id.as_uuid())
                .lock_exclusive()
                .one(txn)
                .await
                .map_err(repo_err)?;
        }
        if let Some(key) = key
            && let Some(order) = find_by_key(txn, user_id, key).await?
        {
            return Ok(Attempt::Done(CheckoutOutcome::Replayed(order)));
        }
        let cart = load_cart(txn, user_id).await?;
        if cart.is_empty() {
            return Ok(Attempt::Done(CheckoutOutcome::EmptyCart));
        }
        let ids: Vec<Uuid> = cart
            .items()
            .iter()
            .map(|i| i.product_id.as_uuid())
            .collect();
        let found: HashMap<Uuid, products::Model> = products::Entity::find()
            .filter(products::Column::Id.is_in(ids))
            .all(txn)
            .await
            .map_err(repo_err)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let unavailable: Vec<ProductId> = cart
            .items()
            .iter()
            .filter(|i| {
                found
                    .get(&i.product_id.as_uuid())
                    .is_none_or(|p| !p.is_active || p.deleted_at.is_some())
            })
            .map(|i| i.product_id)
            .collect();
        if !unavailable.is_empty() {
            return Ok(Attempt::Done(CheckoutOutcome::Unavailable(unavailable)));
        }
        let mut items = Vec::with_capacity(cart.items().len());
        for line in cart.items() {
            let p = &found[&line.product_id.as_uuid()];
            let currency = Currency::parse(&p.currency).map_err(|_| corrupt("currency"))?;
            let price = Money::price(p.price_cents, currency).map_err(|_| corrupt("price"))?;
            match OrderItem::snapshot(line.product_id, p.name.clone(), price, line.quantity) {
                Ok(item) => items.push(item),
                Err(e) => return Ok(Attempt::Done(CheckoutOutcome::PricingFailed(e))),
            }
        }
        let order = match Order::place(OrderId::generate(), user_id, items, key.cloned(), now) {
            Ok(order) => order,
            Err(keel_domain::ordering::OrderError::Money(e)) => {
                return Ok(Attempt::Done(CheckoutOutcome::PricingFailed(e)));
            }
            Err(_) => return Ok(Attempt::Done(CheckoutOutcome::EmptyCart)),
        };
        // Lock rows in id order so concurrent checkouts cannot deadlock.
        let mut lines: Vec<(Uuid, i32)> = order
            .items
            .iter()
            .map(|i| {
                (
                    i.product_id.as_uuid(),
                    i32::try_from(i.quantity.get()).unwrap_or(i32::MAX),
                )
            })
            .collect();
        lines.sort_unstable();
        let mut short = Vec::new();
        for (id, qty) in lines {
            let taken = products::Entity::update_many()
                .col_expr(
                    products::Column::Stock,
                    Expr::col(products::Column::Stock).sub(qty),
                )
                .col_expr(products::Column::UpdatedAt, Expr::value(now))
                .filter(products::Column::Id.eq(id))
                .filter(products::Column::Stock.gte(qty))
                .filter(products::Column::IsActive.eq(true))
                .filter(products::Column::DeletedAt.is_null())
                .exec(txn)
                .await
                .map_err(repo_err)?;
            if taken.rows_affected != 1 {
                short.push(id);
            }
        }
        if !short.is_empty() {
            let short = cart
                .items()
                .iter()
                .map(|i| i.product_id)
                .filter(|p| short.contains(&p.as_uuid()))
                .collect();
            return Ok(Attempt::Done(CheckoutOutcome::OutOfStock(short)));
        }
        let insert = orders::Entity::insert(orders::ActiveModel {
            id: Set(order.id.as_uuid()),
            user_id: Set(user_id.as_uuid()),
            status: Set(order.status.as_str().to_owned()),
            total_cents: Set(order.total.amount_minor()),
            currency: Set(order.currency().as_str().to_owned()),
            idempotency_key: Set(order.idempotency_key.clone()),
            created_at: Set(order.created_at),
            updated_at: Set(order.updated_at),
        })
        .exec_without_returning(txn)
        .await;
        match insert.map_err(repo_err) {
            Ok(_) => {}
            Err(RepoError::Conflict(_)) if key.is_some() => return Ok(Attempt::KeyTaken),
            Err(e) => return Err(e),
        }
        order_items::Entity::insert_many(order.items.iter().map(|i| order_items::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(order.id.as_uuid()),
            product_id: Set(i.product_id.as_uuid()),
            name: Set(i.name.clone()),
            unit_price_cents: Set(i.unit_price.amount_minor()),
            currency: Set(i.unit_price.currency().as_str().to_owned()),
            quantity: Set(i32::try_from(i.quantity.get()).unwrap_or(i32::MAX)),
            line_total_cents: Set(i.line_total.amount_minor()),
        }))
        .exec_without_returning(txn)
        .await
        .map_err(repo_err)?;
        cart_items::Entity::delete_many()
            .filter(cart_items::Column::UserId.eq(user_id.as_uuid()))
            .exec(txn)
            .await
            .map_err(repo_err)?;
        Ok(Attempt::Done(CheckoutOutcome::Created(order)))
    }
}

#[async_trait]
impl OrderRepo for SeaOrmOrderRepo {
    async fn checkout(
        &self,
        user_id: UserId,
        key: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<CheckoutOutcome, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        match self.try_checkout(&txn, user_id, key.as_ref(), now).await {
            Ok(Attempt::Done(CheckoutOutcome::Created(order))) => {
                txn.commit().await.map_err(repo_err)?;
                Ok(CheckoutOutcome::Created(order))
            }
            Ok(Attempt::Done(other)) => {
                txn.rollback().await.map_err(repo_err)?;
                Ok(other)
            }
            Ok(Attempt::KeyTaken) => {
                txn.rollback().await.map_err(repo_err)?;
                let key = key.expect("a key conflict needs a key");
                match find_by_key(&self.db, user_id, &key).await? {
                    Some(order) => Ok(CheckoutOutcome::Replayed(order)),
                    None => Err(RepoError::Unavailable(
                        "idempotency key conflict without an order".into(),
                    )),
                }
            }
            Err(e) => {
                txn.rollback().await.ok();
                Err(e)
            }
        }
    }

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError> {
        find_order(&self.db, id.as_uuid()).await
    }

    async fn list_for_user(
        &self,
        user_id: UserId,
        page: PageRequest,
    ) -> Result<Page<Order>, RepoError> {
        let query = orders::Entity::find().filter(orders::Column::UserId.eq(user_id.as_uuid()));
        self.page(query, page).await
    }

    async fn list_all(
        &self,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, RepoError> {
        let mut query = orders::Entity::find();
        if let Some(status) = status {
            query = query.filter(orders::Column::Status.eq(status.as_str()));
        }
        self.page(query, page).await
    }

    async fn cancel(
        &self,
        id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<CancelOutcome, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let moved = move_status(
            &txn,
            id.as_uuid(),
            Some(user_id),
            OrderStatus::Pending,
            OrderStatus::Cancelled,
            now,
        )
        .await;
        match moved {
            Ok(true) => {
                let result = async {
                    return_stock(&txn, id.as_uuid(), now).await?;
                    record_change(
                        &txn,
                        id.as_uuid(),
                        OrderStatus::Pending,
                        OrderStatus::Cancelled,
                        user_id,
                        now,
                    )
                    .await
                }
                .await;
                if let Err(e) = result {
                    txn.rollback().await.ok();
                    return Err(e);
                }
                txn.commit().await.map_err(repo_err)?;
                let order = find_order(&self.db, id.as_uuid())
                    .await?
                    .ok_or_else(|| corrupt("order"))?;
                Ok(CancelOutcome::Cancelled(order))
            }
            Ok(false) => {
                txn.rollback().await.map_err(repo_err)?;
                match find_order(&self.db, id.as_uuid()).await? {
                    Some(order) if order.user_id == user_id => {
                        Ok(CancelOutcome::NotPending(order.status))
                    }
                    _ => Ok(CancelOutcome::NotFound),
                }
            }
            Err(e) => {
                txn.rollback().await.ok();
                Err(e)
            }
        }
    }

    async fn change_status(
        &self,
        id: OrderId,
        change: OrderStatusChange,
    ) -> Result<Option<Order>, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let result = async {
            if !move_status(
                &txn,
                id.as_uuid(),
                None,
                change.from(),
                change.to(),
                change.at(),
            )
            .await?
            {
                return Ok(false);
            }
            record_change(
                &txn,
                id.as_uuid(),
                change.from(),
                change.to(),
                change.by(),
                change.at(),
            )
            .await?;
            if change.to() == OrderStatus::Cancelled {
                return_stock(&txn, id.as_uuid(), change.at()).await?;
            }
            Ok(true)
        }
        .await;
        match result {
            Ok(true) => {
                txn.commit().await.map_err(repo_err)?;
                find_order(&self.db, id.as_uuid()).await
            }
            Ok(false) => {
                txn.rollback().await.map_err(repo_err)?;
                Ok(None)
            }
            Err(e) => {
                txn.rollback().await.ok();
                Err(e)
            }
        }
    }
}

impl SeaOrmOrderRepo {
    async fn page(
        &self,
        query: sea_orm::Select<orders::Entity>,
        page: PageRequest,
    ) -> Result<Page<Order>, RepoError> {
        let (total, rows) = newest_first_page(
            &self.db,
            query,
            orders::Column::CreatedAt,
            orders::Column::Id,
            page,
        )
        .await?;
        Ok(Page {
            items: with_items(&self.db, rows).await?,
            total,
            request: page,
        })
    }
}
