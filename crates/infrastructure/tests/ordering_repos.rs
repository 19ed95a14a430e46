//! Carts and checkout against a real database (SQLite by default, PostgreSQL
//! with `TEST_DATABASE_URL`), concurrency included.

mod common;

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use keel_domain::catalog::{Product, ProductId, ProductName, ProductRepo, Slug};
use keel_domain::identity::{Email, User, UserId, UserRepo};
use keel_domain::money::{Currency, Money};
use keel_domain::ordering::{
    CancelOutcome, CartRepo, CheckoutOutcome, IdempotencyKey, OrderRepo, OrderStatus, Quantity,
};
use keel_infrastructure::persistence::{
    SeaOrmCartRepo, SeaOrmOrderRepo, SeaOrmProductRepo, SeaOrmUserRepo,
};
use sea_orm::DatabaseConnection;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

struct Shop {
    db: DatabaseConnection,
    products: SeaOrmProductRepo,
    carts: SeaOrmCartRepo,
    orders: Arc<SeaOrmOrderRepo>,
}

async fn shop() -> Shop {
    let db = common::fresh_db().await;
    Shop {
        products: SeaOrmProductRepo::new(db.clone()),
        carts: SeaOrmCartRepo::new(db.clone()),
        orders: Arc::new(SeaOrmOrderRepo::new(db.clone())),
        db,
    }
}

impl Shop {
    async fn user(&self) -> UserId {
        let u = User::new(
            Email::parse(&format!("{}@example.com", uuid::Uuid::new_v4().simple())).unwrap(),
            now(),
        );
        SeaOrmUserRepo::new(self.db.clone())
            .create(&u, None)
            .await
            .unwrap();
        u.id
    }

    async fn product(&self, name: &str, cents: i64, stock: u32) -> ProductId {
        let slug = Slug::from_name(&format!("{name} {}", uuid::Uuid::new_v4().simple())).unwrap();
        let mut p = Product::new(
            ProductName::parse(name).unwrap(),
            slug,
            Money::price(cents, Currency::EUR).unwrap(),
            now(),
        )
        .unwrap();
        p.stock = stock;
        self.products.create(&p).await.unwrap();
        p.id
    }

    async fn stock(&self, id: ProductId) -> u32 {
        self.products.find_by_id(id).await.unwrap().unwrap().stock
    }

    async fn put(&self, user: UserId, product: ProductId, qty: i64) {
        self.carts
            .set_item(user, product, Quantity::parse(qty).unwrap(), now())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn carts_upsert_quantities_keep_order_and_clear() {
    let s = shop().await;
    let u = s.user().await;
    let (a, b) = (
        s.product("Rye", 450, 5).await,
        s.product("Bun", 120, 5).await,
    );
    s.put(u, a, 2).await;
    s.put(u, b, 1).await;
    s.put(u, a, 5).await;
    let cart = s.carts.get(u).await.unwrap();
    let items: Vec<(ProductId, u32)> = cart
        .items()
        .iter()
        .map(|i| (i.product_id, i.quantity.get()))
        .collect();
    assert_eq!(
        items,
        vec![(a, 5), (b, 1)],
        "replaces, keeps first-added order"
    );
    assert!(s.carts.remove_item(u, b).await.unwrap());
    assert!(!s.carts.remove_item(u, b).await.unwrap());
    s.carts.clear(u).await.unwrap();
    assert!(s.carts.get(u).await.unwrap().is_empty());
    let missing = s
        .carts
        .set_item(u, ProductId::generate(), Quantity::parse(1).unwrap(), now())
        .await;
    assert!(matches!(missing, Err(keel_domain::RepoError::Conflict(_))));
}

#[tokio::test]
async fn checkout_snapshots_prices_takes_stock_and_empties_the_cart() {
    let s = shop().await;
    let u = s.user().await;
    let (a, b) = (
        s.product("Croissant", 250, 10).await,
        s.product("Cake", 1099, 1).await,
    );
    s.put(u, a, 3).await;
    s.put(u, b, 1).await;
    let CheckoutOutcome::Created(order) = s.orders.checkout(u, None, now()).await.unwrap() else {
        panic!("created")
    };
    assert_eq!(order.total.amount_minor(), 3 * 250 + 1099);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.items.len(), 2);
    assert_eq!((s.stock(a).await, s.stock(b).await), (7, 0));
    assert!(s.carts.get(u).await.unwrap().is_empty());
    let stored = s.orders.find(order.id).await.unwrap().unwrap();
    assert_eq!(stored, order);
    assert_eq!(
        s.orders
            .list_for_user(u, Default::default())
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn an_empty_cart_is_refused() {
    let s = shop().await;
    let u = s.user().await;
    assert_eq!(
        s.orders.checkout(u, None, now()).await.unwrap(),
        CheckoutOutcome::EmptyCart
    );
}

#[tokio::test]
async fn short_stock_names_every_short_product_and_changes_nothing() {
    let s = shop().await;
    let u = s.user().await;
    let (a, b, c) = (
        s.product("A", 100, 1).await,
        s.product("B", 100, 5).await,
        s.product("C", 100, 0).await,
    );
    s.put(u, a, 2).await;
    s.put(u, b, 2).await;
    s.put(u, c, 1).await;
    assert_eq!(
        s.orders.checkout(u, None, now()).await.unwrap(),
        CheckoutOutcome::OutOfStock(vec![a, c])
    );
    assert_eq!(
        (s.stock(a).await, s.stock(b).await, s.stock(c).await),
        (1, 5, 0)
    );
    assert_eq!(s.carts.get(u).await.unwrap().items().len(), 3);
    assert_eq!(
        s.orders
            .list_for_user(u, Default::default())
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn inactive_or_deleted_products_are_unavailable() {
    let s = shop().await;
    let u = s.user().await;
    let (a, b) = (
        s.product("Old", 100, 5).await,
        s.product("Fine", 100, 5).await,
    );
    s.put(u, a, 1).await;
    s.put(u, b, 1).await;
    s.products.soft_delete(a, now()).await.unwrap();
    assert_eq!(
        s.orders.checkout(u, None, now()).await.unwrap(),
        CheckoutOutcome::Unavailable(vec![a])
    );
    assert_eq!(s.stock(b).await, 5);
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_order() {
    let s = shop().await;
    let (u, other) = (s.user().await, s.user().await);
    let a = s.product("Loaf", 300, 5).await;
    let key = IdempotencyKey::parse("checkout-1").unwrap();
    s.put(u, a, 2).await;
    let CheckoutOutcome::Created(first) = s
        .orders
        .checkout(u, Some(key.clone()), now())
        .await
        .unwrap()
    else {
        panic!()
    };
    s.put(u, a, 1).await;
    let CheckoutOutcome::Replayed(again) = s
        .orders
        .checkout(u, Some(key.clone()), now())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(again.id, first.id);
    assert_eq!(s.stock(a).await, 3, "stock taken once");
    s.put(other, a, 1).await;
    assert!(
        matches!(
            s.orders.checkout(other, Some(key), now()).await.unwrap(),
            CheckoutOutcome::Created(_)
        ),
        "keys are per user"
    );
}

#[tokio::test]
async fn owners_cancel_pending_orders_and_the_stock_comes_back() {
    let s = shop().await;
    let (u, other) = (s.user().await, s.user().await);
    let a = s.product("Tart", 500, 4).await;
    s.put(u, a, 3).await;
    let CheckoutOutcome::Created(order) = s.orders.checkout(u, None, now()).await.unwrap() else {
        panic!()
    };
    assert_eq!(
        s.orders.cancel(order.id, other, now()).await.unwrap(),
        CancelOutcome::NotFound
    );
    let CancelOutcome::Cancelled(cancelled) = s.orders.cancel(order.id, u, now()).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(s.stock(a).await, 4);
    assert_eq!(
        s.orders.cancel(order.id, u, now()).await.unwrap(),
        CancelOutcome::NotPending(OrderStatus::Cancelled)
    );
    assert_eq!(s.stock(a).await, 4, "no double refund");
}

#[tokio::test]
async fn status_changes_are_conditional_and_cancelling_returns_stock() {
    let s = shop().await;
    let (u, staff) = (s.user().await, s.user().await);
    let a = s.product("Pie", 700, 3).await;
    s.put(u, a, 2).await;
    let CheckoutOutcome::Created(order) = s.orders.checkout(u, None, now()).await.unwrap() else {
        panic!()
    };
    let confirm = order
        .status_change(OrderStatus::Confirmed, staff, now())
        .unwrap();
    let confirmed = s
        .orders
        .change_status(order.id, confirm)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(confirmed.status, OrderStatus::Confirmed);
    assert_eq!(
        s.orders.change_status(order.id, confirm).await.unwrap(),
        None,
        "stale from-status"
    );
    let cancel = confirmed
        .status_change(OrderStatus::Cancelled, staff, now())
        .unwrap();
    s.orders
        .change_status(order.id, cancel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.stock(a).await, 3);
    let listed = s
        .orders
        .list_all(Some(OrderStatus::Cancelled), Default::default())
        .await
        .unwrap();
    assert_eq!(listed.total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_buyers_racing_for_ten_units_get_exactly_ten_orders() {
    let s = shop().await;
    let a = s.product("Last croissants", 250, 10).await;
    let mut buyers = Vec::new();
    for _ in 0..30 {
        let u = s.user().await;
        s.put(u, a, 1).await;
        buyers.push(u);
    }
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|u| {
            let orders = s.orders.clone();
            tokio::spawn(async move { orders.checkout(u, None, now()).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    let mut short = 0;
    for t in tasks {
        match t.await.unwrap() {
            CheckoutOutcome::Created(_) => created += 1,
            CheckoutOutcome::OutOfStock(ids) => {
                assert_eq!(ids, vec![a]);
                short += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, short), (10, 20));
    assert_eq!(s.stock(a).await, 0);
    assert_eq!(
        s.orders
            .list_all(None, Default::default())
            .await
            .unwrap()
            .total,
        10
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_checkouts_with_one_key_create_one_order() {
    let s = shop().await;
    let u = s.user().await;
    let a = s.product("Brioche", 400, 20).await;
    s.put(u, a, 2).await;
    let key = IdempotencyKey::parse("double-click").unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (orders, key) = (s.orders.clone(), key.clone());
            tokio::spawn(async move { orders.checkout(u, Some(key), now()).await.unwrap() })
        })
        .collect();
    let mut ids = Vec::new();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            CheckoutOutcome::Created(o) => {
                created += 1;
                ids.push(o.id);
            }
            CheckoutOutcome::Replayed(o) => ids.push(o.id),
            other => panic!("unexpected {other:?}"),
        }
    }
    ids.dedup();
    assert_eq!((created, ids.len()), (1, 1));
    assert_eq!(s.stock(a).await, 18);
}
