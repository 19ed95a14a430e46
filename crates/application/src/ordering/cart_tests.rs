//! `CartService`: setting, viewing, removing and clearing.

use keel_domain::RepoError;
use keel_domain::catalog::ProductId;
use keel_domain::money::{Currency, Money};
use keel_domain::ordering::Cart;
use mockall::predicate::eq;

use super::OrderingError;
use super::test_support::{
    Mocks, cart, customer, deleted, eur, inactive, invalid_fields, now, product, qty,
};

/// `carts.get(user_id)` answers `found` once.
fn expect_cart(m: &mut Mocks, found: Cart) {
    expect_cart_times(m, found, 1);
}

/// `carts.get(user_id)` answers `found` `times` times.
fn expect_cart_times(m: &mut Mocks, found: Cart, times: usize) {
    m.carts
        .expect_get()
        .with(eq(found.user_id()))
        .times(times)
        .returning(move |_| Ok(found.clone()));
}

#[tokio::test]
async fn set_with_a_quantity_outside_1_to_99_is_invalid_without_repo_calls() {
    for quantity in [0, 100, -1] {
        let result = Mocks::new()
            .carts(Currency::EUR)
            .set(&customer(), ProductId::generate(), quantity)
            .await;

        assert_eq!(invalid_fields(result), ["quantity"], "{quantity}");
    }
}

#[tokio::test]
async fn set_of_a_missing_inactive_or_deleted_product_is_not_found_and_leaves_the_cart_alone() {
    for (case, found) in [
        ("missing", None),
        ("inactive", Some(inactive("Tea", eur(300)))),
        ("deleted", Some(deleted("Tea", eur(300)))),
    ] {
        let id = found.as_ref().map_or_else(ProductId::generate, |p| p.id);
        let mut m = Mocks::new();
        m.expect_find(id, found, 1);
        m.carts.expect_set_item().never();

        let result = m.carts(Currency::EUR).set(&customer(), id, 2).await;

        assert_eq!(result, Err(OrderingError::NotFound), "{case}");
    }
}

#[tokio::test]
async fn set_of_a_product_that_vanished_before_the_write_is_not_found() {
    let tea = product("Tea", eur(300));
    let who = customer();
    let mut m = Mocks::new();
    m.expect_find(tea.id, Some(tea.clone()), 2);
    expect_cart(&mut m, Cart::new(who.user.id));
    m.carts
        .expect_set_item()
        .with(eq(who.user.id), eq(tea.id), eq(qty(2)), eq(now()))
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Conflict("cart_items.product_id".into())));

    let result = m.carts(Currency::EUR).set(&who, tea.id, 2).await;

    assert_eq!(result, Err(OrderingError::NotFound));
}

#[tokio::test]
async fn set_stores_the_quantity_at_now_and_returns_the_priced_cart() {
    let tea = product("Tea", eur(300));
    let who = customer();
    let mut m = Mocks::new();
    m.expect_find(tea.id, Some(tea.clone()), 3);
    m.carts
        .expect_set_item()
        .with(eq(who.user.id), eq(tea.id), eq(qty(99)), eq(now()))
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    expect_cart_times(&mut m, cart(who.user.id, &[(tea.id, 99)]), 2);

    let view = m
        .carts(Currency::EUR)
        .set(&who, tea.id, 99)
        .await
        .expect("the quantity is set");

    assert_eq!(view.lines().len(), 1);
    assert_eq!(view.lines()[0].line.quantity, qty(99));
    assert_eq!(view.total(), eur(29_700));
}

#[tokio::test]
async fn view_prices_lines_at_current_prices_leaves_out_unpurchasable_products_and_totals() {
    let who = customer();
    let mut latte = product("Latte", eur(250));
    latte.name = "Latte (renamed)".into();
    latte.price = eur(275);
    let hidden = inactive("Mocha", eur(400));
    let gone = deleted("Chai", eur(300));
    let missing = ProductId::generate();
    let cake = product("Cake", eur(1099));
    let mut m = Mocks::new();
    m.expect_find(latte.id, Some(latte.clone()), 1);
    m.expect_find(hidden.id, Some(hidden.clone()), 1);
    m.expect_find(gone.id, Some(gone.clone()), 1);
    m.expect_find(missing, None, 1);
    m.expect_find(cake.id, Some(cake.clone()), 1);
    expect_cart(
        &mut m,
        cart(
            who.user.id,
            &[
                (latte.id, 3),
                (hidden.id, 1),
                (gone.id, 2),
                (missing, 5),
                (cake.id, 1),
            ],
        ),
    );

    let view = m
        .carts(Currency::EUR)
        .view(&who)
        .await
        .expect("a cart view");

    let lines: Vec<_> = view
        .lines()
        .iter()
        .map(|l| {
            (
                l.line.product_id,
                l.line.name.as_str(),
                l.line.unit_price,
                l.line.quantity,
                l.line_total,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (latte.id, "Latte (renamed)", eur(275), qty(3), eur(825)),
            (cake.id, "Cake", eur(1099), qty(1), eur(1099)),
        ]
    );
    assert_eq!(view.total(), eur(1924));
}

#[tokio::test]
async fn view_of_an_empty_cart_totals_zero_in_the_shop_currency() {
    let who = customer();
    let mut m = Mocks::new();
    expect_cart(&mut m, Cart::new(who.user.id));

    let view = m
        .carts(Currency::USD)
        .view(&who)
        .await
        .expect("a cart view");

    assert!(view.is_empty());
    assert_eq!(view.total(), Money::zero(Currency::USD));
}

#[tokio::test]
async fn view_of_a_cart_whose_lines_no_longer_price_together_still_renders() {
    let who = customer();
    let tea = product("Tea", eur(300));
    let bagel = product("Bagel", Money::new(200, Currency::USD));
    let mut m = Mocks::new();
    m.expect_find(tea.id, Some(tea.clone()), 1);
    m.expect_find(bagel.id, Some(bagel.clone()), 1);
    expect_cart(&mut m, cart(who.user.id, &[(tea.id, 1), (bagel.id, 1)]));

    let view = m.carts(Currency::EUR).view(&who).await.expect("renders");

    assert_eq!(view.lines().len(), 1);
    assert_eq!(view.lines()[0].line.product_id, tea.id);
    assert_eq!(view.total(), eur(300));
}

#[tokio::test]
async fn set_of_a_line_that_cannot_be_priced_with_the_cart_is_a_conflict_and_stores_nothing() {
    let who = customer();
    let tea = product("Tea", eur(300));
    let bagel = product("Bagel", Money::new(200, Currency::USD));
    let pricey = product("Pricey", eur(i64::MAX / 10));
    for (case, added) in [("second currency", bagel), ("overflow", pricey)] {
        let mut m = Mocks::new();
        m.expect_find(tea.id, Some(tea.clone()), 1);
        m.expect_find(added.id, Some(added.clone()), 2);
        expect_cart(&mut m, cart(who.user.id, &[(tea.id, 1)]));
        m.carts.expect_set_item().never();

        let result = m.carts(Currency::EUR).set(&who, added.id, 99).await;

        assert!(
            matches!(result, Err(OrderingError::Conflict(_))),
            "{case}: {result:?}"
        );
    }
}

#[tokio::test]
async fn remove_of_a_product_not_in_the_cart_is_not_found() {
    let who = customer();
    let id = ProductId::generate();
    let mut m = Mocks::new();
    m.carts
        .expect_remove_item()
        .with(eq(who.user.id), eq(id))
        .times(1)
        .returning(|_, _| Ok(false));
    m.carts.expect_get().never();

    let result = m.carts(Currency::EUR).remove(&who, id).await;

    assert_eq!(result, Err(OrderingError::NotFound));
}

#[tokio::test]
async fn remove_returns_the_cart_without_the_line() {
    let who = customer();
    let (tea, cake) = (product("Tea", eur(300)), product("Cake", eur(500)));
    let mut m = Mocks::new();
    m.carts
        .expect_remove_item()
        .with(eq(who.user.id), eq(tea.id))
        .times(1)
        .returning(|_, _| Ok(true));
    m.expect_find(cake.id, Some(cake.clone()), 1);
    expect_cart(&mut m, cart(who.user.id, &[(cake.id, 2)]));

    let view = m
        .carts(Currency::EUR)
        .remove(&who, tea.id)
        .await
        .expect("the line is removed");

    assert_eq!(view.lines().len(), 1);
    assert_eq!(view.lines()[0].line.product_id, cake.id);
    assert_eq!(view.total(), eur(1000));
}

#[tokio::test]
async fn clear_empties_the_callers_cart() {
    let who = customer();
    let mut m = Mocks::new();
    m.carts
        .expect_clear()
        .with(eq(who.user.id))
        .times(1)
        .returning(|_| Ok(()));

    assert_eq!(m.carts(Currency::EUR).clear(&who).await, Ok(()));
}
