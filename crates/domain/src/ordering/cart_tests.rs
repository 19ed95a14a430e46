use super::*;

fn qty(n: i64) -> Quantity {
    Quantity::parse(n).unwrap()
}

fn line(cents: i64, currency: Currency, n: i64) -> CartLine {
    CartLine {
        product_id: ProductId::generate(),
        name: format!("item {cents}"),
        unit_price: Money::new(cents, currency),
        quantity: qty(n),
    }
}

#[test]
fn a_new_cart_is_empty_and_belongs_to_its_user() {
    let user = UserId::generate();
    let cart = Cart::new(user);
    assert_eq!(cart.user_id(), user);
    assert!(cart.is_empty() && cart.items().is_empty());
}

#[test]
fn setting_a_product_appends_it_then_replaces_its_quantity() {
    let (a, b) = (ProductId::generate(), ProductId::generate());
    let mut cart = Cart::new(UserId::generate());
    cart.set(a, qty(2));
    cart.set(b, qty(1));
    cart.set(a, qty(5));
    let items: Vec<_> = cart
        .items()
        .iter()
        .map(|i| (i.product_id, i.quantity))
        .collect();
    assert_eq!(items, [(a, qty(5)), (b, qty(1))]);
    assert_eq!(cart.quantity_of(a), Some(qty(5)));
    assert_eq!(cart.quantity_of(ProductId::generate()), None);
}

#[test]
fn removing_drops_only_that_product_and_says_whether_it_was_there() {
    let (a, b) = (ProductId::generate(), ProductId::generate());
    let mut cart = Cart::new(UserId::generate());
    cart.set(a, qty(1));
    cart.set(b, qty(3));
    assert!(cart.remove(a));
    assert!(!cart.remove(a));
    assert_eq!(
        cart.items(),
        [CartItem {
            product_id: b,
            quantity: qty(3)
        }]
    );
}

#[test]
fn clearing_empties_the_cart_but_keeps_its_owner() {
    let user = UserId::generate();
    let mut cart = Cart::new(user);
    cart.set(ProductId::generate(), qty(1));
    cart.set(ProductId::generate(), qty(99));
    cart.clear();
    assert!(cart.is_empty());
    assert_eq!(cart.user_id(), user);
}

#[test]
fn a_cart_view_prices_each_line_and_totals_them() {
    let view = CartView::from_lines(
        vec![line(250, Currency::EUR, 3), line(1099, Currency::EUR, 1)],
        Currency::USD,
    )
    .unwrap();
    let totals: Vec<i64> = view
        .lines()
        .iter()
        .map(|l| l.line_total.amount_minor())
        .collect();
    assert_eq!(totals, [750, 1099]);
    assert_eq!(view.total(), Money::new(1849, Currency::EUR));
    assert_eq!(view.currency(), Currency::EUR);
    assert!(!view.is_empty());
}

#[test]
fn an_empty_cart_view_totals_zero_in_the_callers_currency() {
    let yen = Currency::parse("JPY").unwrap();
    let view = CartView::from_lines(Vec::new(), yen).unwrap();
    assert!(view.is_empty());
    assert_eq!(view.total(), Money::zero(yen));
    assert_eq!(view.currency(), yen);
}

#[test]
fn a_cart_view_with_mixed_currencies_is_refused() {
    let mixed = vec![line(100, Currency::EUR, 1), line(100, Currency::USD, 1)];
    assert_eq!(
        CartView::from_lines(mixed, Currency::EUR),
        Err(MoneyError::CurrencyMismatch)
    );
}

#[test]
fn a_cart_view_refuses_negative_prices_and_overflow() {
    let negative = vec![line(-1, Currency::EUR, 1)];
    assert_eq!(
        CartView::from_lines(negative, Currency::EUR),
        Err(MoneyError::Negative)
    );
    let huge_line = vec![line(i64::MAX / 2 + 1, Currency::EUR, 2)];
    assert_eq!(
        CartView::from_lines(huge_line, Currency::EUR),
        Err(MoneyError::Overflow)
    );
    let huge_total = vec![line(i64::MAX, Currency::EUR, 1), line(1, Currency::EUR, 1)];
    assert_eq!(
        CartView::from_lines(huge_total, Currency::EUR),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn lines_that_cannot_be_priced_together_are_left_out_not_fatal() {
    let eur = Currency::parse("EUR").unwrap();
    let usd = Currency::parse("USD").unwrap();
    let first = line(250, eur, 2);
    let dollars = line(100, usd, 1);
    let huge = line(i64::MAX / 2, eur, 3);
    let last = line(100, eur, 1);
    let (view, left_out) = CartView::from_lines_that_fit(
        vec![first.clone(), dollars.clone(), huge.clone(), last.clone()],
        usd,
    );
    let kept: Vec<_> = view.lines().iter().map(|l| l.line.clone()).collect();
    assert_eq!(kept, [first, last]);
    assert_eq!(left_out, [dollars, huge]);
    assert_eq!(view.total(), Money::new(600, eur));
    assert!(CartView::from_lines_that_fit(Vec::new(), usd).0.is_empty());
}
