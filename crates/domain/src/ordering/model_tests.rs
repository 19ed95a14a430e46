use chrono::Duration;

use super::*;

fn qty(n: i64) -> Quantity {
    Quantity::parse(n).unwrap()
}

fn item(cents: i64, currency: Currency, n: i64) -> OrderItem {
    OrderItem::snapshot(
        ProductId::generate(),
        "Espresso",
        Money::price(cents, currency).unwrap(),
        qty(n),
    )
    .unwrap()
}

fn placed(status: OrderStatus) -> Order {
    let mut order = Order::place(
        OrderId::generate(),
        UserId::generate(),
        vec![item(250, Currency::EUR, 1)],
        None,
        Utc::now(),
    )
    .unwrap();
    order.status = status;
    order
}

#[test]
fn a_snapshot_keeps_name_price_and_quantity_and_computes_the_line_total() {
    let product = ProductId::generate();
    let price = Money::price(250, Currency::EUR).unwrap();
    let it = OrderItem::snapshot(product, "Espresso", price, qty(3)).unwrap();
    assert_eq!((it.product_id, it.name.as_str()), (product, "Espresso"));
    assert_eq!((it.unit_price, it.quantity), (price, qty(3)));
    assert_eq!(it.line_total, Money::new(750, Currency::EUR));
}

#[test]
fn a_snapshot_refuses_negative_prices_and_overflowing_lines() {
    let id = ProductId::generate();
    let negative = Money::new(-1, Currency::EUR);
    assert_eq!(
        OrderItem::snapshot(id, "x", negative, qty(1)),
        Err(MoneyError::Negative)
    );
    let huge = Money::new(i64::MAX / 99 + 1, Currency::EUR);
    assert_eq!(
        OrderItem::snapshot(id, "x", huge, qty(99)),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn placing_totals_the_snapshots_three_times_250_plus_1099_is_1849() {
    let now = Utc::now();
    let (id, user) = (OrderId::generate(), UserId::generate());
    let key = IdempotencyKey::parse("checkout-1").unwrap();
    let items = vec![item(250, Currency::EUR, 3), item(1099, Currency::EUR, 1)];
    let order = Order::place(id, user, items.clone(), Some(key), now).unwrap();
    assert_eq!(order.total, Money::new(1849, Currency::EUR));
    assert_eq!(order.currency(), Currency::EUR);
    assert_eq!(
        (order.id, order.user_id, order.status),
        (id, user, OrderStatus::Pending)
    );
    assert_eq!(order.items, items);
    assert_eq!(order.idempotency_key.as_deref(), Some("checkout-1"));
    assert_eq!((order.created_at, order.updated_at), (now, now));
}

#[test]
fn placing_without_a_key_stores_none() {
    let order = placed(OrderStatus::Pending);
    assert_eq!(order.idempotency_key, None);
}

#[test]
fn placing_nothing_is_an_empty_cart() {
    let placed = Order::place(
        OrderId::generate(),
        UserId::generate(),
        Vec::new(),
        None,
        Utc::now(),
    );
    assert_eq!(placed, Err(OrderError::EmptyCart));
}

#[test]
fn placing_items_of_mixed_currencies_is_refused() {
    let items = vec![item(250, Currency::EUR, 1), item(250, Currency::USD, 1)];
    let placed = Order::place(
        OrderId::generate(),
        UserId::generate(),
        items,
        None,
        Utc::now(),
    );
    assert_eq!(placed, Err(OrderError::Money(MoneyError::CurrencyMismatch)));
}

#[test]
fn placing_items_whose_total_overflows_is_refused() {
    let items = vec![item(i64::MAX, Currency::EUR, 1), item(1, Currency::EUR, 1)];
    let placed = Order::place(
        OrderId::generate(),
        UserId::generate(),
        items,
        None,
        Utc::now(),
    );
    assert_eq!(placed, Err(OrderError::Money(MoneyError::Overflow)));
}

#[test]
fn an_allowed_status_change_records_from_to_who_and_when() {
    let order = placed(OrderStatus::Pending);
    let staff = UserId::generate();
    let at = order.created_at + Duration::minutes(5);
    let change = order
        .status_change(OrderStatus::Confirmed, staff, at)
        .unwrap();
    assert_eq!(
        (change.from(), change.to()),
        (OrderStatus::Pending, OrderStatus::Confirmed)
    );
    assert_eq!((change.by(), change.at()), (staff, at));
    assert_eq!(
        order.status,
        OrderStatus::Pending,
        "the order itself is unchanged"
    );
}

#[test]
fn a_forbidden_status_change_is_an_invalid_transition() {
    let by = UserId::generate();
    for (from, to) in [
        (OrderStatus::Pending, OrderStatus::Ready),
        (OrderStatus::Preparing, OrderStatus::Cancelled),
        (OrderStatus::Completed, OrderStatus::Cancelled),
        (OrderStatus::Cancelled, OrderStatus::Pending),
        (OrderStatus::Ready, OrderStatus::Ready),
    ] {
        assert_eq!(
            placed(from).status_change(to, by, Utc::now()),
            Err(OrderError::InvalidTransition { from, to })
        );
    }
}
