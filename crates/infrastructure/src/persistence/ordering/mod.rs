//! SeaORM adapters of the ordering ports: carts and the stock-moving order
//! operations, each in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use keel_domain::RepoError;
use keel_domain::catalog::ProductId;
use keel_domain::identity::UserId;
use keel_domain::money::{Currency, Money};
use keel_domain::ordering::{
    Cart, CheckoutOutcome, IdempotencyKey, Order, OrderId, OrderItem, OrderStatus, Quantity,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::persistence::database::repo_err;
use crate::persistence::entities::{
    cart_items, order_items, order_status_changes, orders, products,
};

mod cart_repo;
mod order_repo;

pub use cart_repo::SeaOrmCartRepo;
pub use order_repo::SeaOrmOrderRepo;

fn corrupt(what: &str) -> RepoError {
    RepoError::Internal(format!("stored {what} is invalid").into())
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
