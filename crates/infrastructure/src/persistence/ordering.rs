//! SeaORM adapters of the ordering ports: carts and the stock-moving order
//! operations, each in one transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::catalog::ProductId;
use keel_domain::identity::UserId;
use keel_domain::money::{Currency, Money};
use keel_domain::ordering::{
    CancelOutcome, Cart, CartRepo, CheckoutOutcome, IdempotencyKey, Order, OrderId, OrderItem,
    OrderRepo, OrderStatus, OrderStatusChange, Quantity,
};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::database::{begin_write, repo_err};
use super::entities::{cart_items, order_items, order_status_changes, orders, products, users};

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
}

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

async fn load_cart<C: ConnectionTrait>(conn: &C, user_id: UserId) -> Result<Cart, RepoError> {
    let rows = cart_items::Entity::find()
        .filter(cart_items::Column::UserId.eq(user_id.as_uuid()))
        .order_by_asc(cart_items::Column::AddedAt)
        .order_by_asc(cart_items::Column::ProductId)
        .all(conn)
        .await
        .map_err(repo_err)?;
    let mut cart = Cart::new(user_id);
    for row in rows {
        let quantity =
            Quantity::parse(i64::from(row.quantity)).map_err(|_| corrupt("cart quantity"))?;
        cart.set(ProductId::from_uuid(row.product_id), quantity);
    }
    Ok(cart)
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

fn item_from_row(row: order_items::Model) -> Result<OrderItem, RepoError> {
    let currency = Currency::parse(&row.currency).map_err(|_| corrupt("currency"))?;
    Ok(OrderItem {
        product_id: ProductId::from_uuid(row.product_id),
        name: row.name,
        unit_price: Money::price(row.unit_price_cents, currency).map_err(|_| corrupt("price"))?,
        quantity: Quantity::parse(i64::from(row.quantity)).map_err(|_| corrupt("quantity"))?,
        line_total: Money::new(row.line_total_cents, currency),
    })
}

fn order_from_rows(row: orders::Model, items: Vec<order_items::Model>) -> Result<Order, RepoError> {
    let currency = Currency::parse(&row.currency).map_err(|_| corrupt("currency"))?;
    Ok(Order {
        id: OrderId::from_uuid(row.id),
        user_id: UserId::from_uuid(row.user_id),
        status: OrderStatus::parse(&row.status).map_err(|_| corrupt("order status"))?,
        items: items
            .into_iter()
            .map(item_from_row)
            .collect::<Result<_, _>>()?,
        total: Money::new(row.total_cents, currency),
        idempotency_key: row.idempotency_key,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Loads `rows` with their items in one extra query.
async fn with_items<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<orders::Model>,
) -> Result<Vec<Order>, RepoError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut items: HashMap<Uuid, Vec<order_items::Model>> = HashMap::new();
    if !ids.is_empty() {
        for item in order_items::Entity::find()
            .filter(order_items::Column::OrderId.is_in(ids))
            .order_by_asc(order_items::Column::Id)
            .all(conn)
            .await
            .map_err(repo_err)?
        {
            items.entry(item.order_id).or_default().push(item);
        }
    }
    rows.into_iter()
        .map(|row| {
            let its = items.remove(&row.id).unwrap_or_default();
            order_from_rows(row, its)
        })
        .collect()
}

async fn find_order<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Order>, RepoError> {
    let Some(row) = orders::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(repo_err)?
    else {
        return Ok(None);
    };
    Ok(with_items(conn, vec![row]).await?.pop())
}

async fn find_by_key<C: ConnectionTrait>(
    conn: &C,
    user_id: UserId,
    key: &IdempotencyKey,
) -> Result<Option<Order>, RepoError> {
    let Some(row) = orders::Entity::find()
        .filter(orders::Column::UserId.eq(user_id.as_uuid()))
        .filter(orders::Column::IdempotencyKey.eq(key.as_str()))
        .one(conn)
        .await
        .map_err(repo_err)?
    else {
        return Ok(None);
    };
    Ok(with_items(conn, vec![row]).await?.pop())
}

/// Adds each item's quantity back to its product (soft-deleted ones too).
async fn return_stock(
    txn: &DatabaseTransaction,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut items = order_items::Entity::find()
        .filter(order_items::Column::OrderId.eq(order_id))
        .all(txn)
        .await
        .map_err(repo_err)?;
    items.sort_by_key(|i| i.product_id);
    for item in items {
        products::Entity::update_many()
            .col_expr(
                products::Column::Stock,
                Expr::col(products::Column::Stock).add(item.quantity),
            )
            .col_expr(products::Column::UpdatedAt, Expr::value(now))
            .filter(products::Column::Id.eq(item.product_id))
            .exec(txn)
            .await
            .map_err(repo_err)?;
    }
    Ok(())
}

async fn record_change(
    txn: &DatabaseTransaction,
    order_id: Uuid,
    from: OrderStatus,
    to: OrderStatus,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    order_status_changes::Entity::insert(order_status_changes::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        from_status: Set(from.as_str().to_owned()),
        to_status: Set(to.as_str().to_owned()),
        changed_by: Set(by.as_uuid()),
        changed_at: Set(at),
    })
    .exec_without_returning(txn)
    .await
    .map(|_| ())
    .map_err(repo_err)
}

/// Sets `status` from `from` to `to` if it still is `from`; true when it did.
async fn move_status(
    txn: &DatabaseTransaction,
    id: Uuid,
    owner: Option<UserId>,
    from: OrderStatus,
    to: OrderStatus,
    at: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let mut update = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(to.as_str()))
        .col_expr(orders::Column::UpdatedAt, Expr::value(at))
        .filter(orders::Column::Id.eq(id))
        .filter(orders::Column::Status.eq(from.as_str()));
    if let Some(owner) = owner {
        update = update.filter(orders::Column::UserId.eq(owner.as_uuid()));
    }
    Ok(update.exec(txn).await.map_err(repo_err)?.rows_affected == 1)
}

enum Attempt {
    Done(CheckoutOutcome),
    KeyTaken,
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
        let total = query.clone().count(&self.db).await.map_err(repo_err)?;
        let rows = query
            .order_by_desc(orders::Column::CreatedAt)
            .order_by_desc(orders::Column::Id)
            .offset(page.offset())
            .limit(page.size())
            .all(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(Page {
            items: with_items(&self.db, rows).await?,
            total,
            request: page,
        })
    }
}
