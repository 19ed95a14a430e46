//! `OrderService::checkout`: every outcome and the `Idempotency-Key`.

use keel_domain::RepoError;
use keel_domain::catalog::ProductId;
use keel_domain::identity::Principal;
use keel_domain::money::MoneyError;
use keel_domain::ordering::{CheckoutOutcome, IdempotencyKey, OrderStatus};
use mockall::predicate::eq;

use super::test_support::{Mocks, customer, invalid_fields, now, order};
use super::{CheckoutResult, OrderingCase, OrderingError};

/// `checkout(who, key, now)` answers `outcome` once.
fn expect_checkout(m: &mut Mocks, who: &Principal, key: Option<&str>, outcome: CheckoutOutcome) {
    let key = key.map(|k| IdempotencyKey::parse(k).expect("a valid key"));
    m.orders
        .expect_checkout()
        .with(eq(who.user.id), eq(key), eq(now()))
        .times(1)
        .returning(move |_, _, _| Ok(outcome.clone()));
}

/// Checks out as `who` with `key` when the repo answers `outcome`.
async fn checkout_answering(
    key: Option<&str>,
    outcome: CheckoutOutcome,
) -> Result<CheckoutResult, OrderingError> {
    let who = customer();
    let mut m = Mocks::new();
    expect_checkout(&mut m, &who, key, outcome);
    m.orders().checkout(&who, key).await
}

#[tokio::test]
async fn a_created_order_is_returned_as_created() {
    let placed = order(customer().user.id, OrderStatus::Pending);

    let result = checkout_answering(Some("key-1"), CheckoutOutcome::Created(placed.clone())).await;

    assert_eq!(result, Ok(CheckoutResult::Created(placed)));
}

#[tokio::test]
async fn a_replayed_order_is_returned_as_replayed() {
    let first = order(customer().user.id, OrderStatus::Confirmed);

    let result = checkout_answering(Some("key-1"), CheckoutOutcome::Replayed(first.clone())).await;

    assert_eq!(result, Ok(CheckoutResult::Replayed(first)));
}

#[tokio::test]
async fn checkout_without_a_key_passes_none_to_the_repo() {
    let placed = order(customer().user.id, OrderStatus::Pending);

    let result = checkout_answering(None, CheckoutOutcome::Created(placed.clone())).await;

    assert_eq!(result, Ok(CheckoutResult::Created(placed)));
}

#[tokio::test]
async fn checkout_of_an_empty_cart_is_empty_cart() {
    let result = checkout_answering(None, CheckoutOutcome::EmptyCart).await;

    assert_eq!(result, Err(OrderingError::invalid("cart", "is empty")));
}

#[tokio::test]
async fn products_short_of_stock_are_unfulfillable_in_the_out_of_stock_list() {
    let ids = vec![ProductId::generate(), ProductId::generate()];

    let result = checkout_answering(None, CheckoutOutcome::OutOfStock(ids.clone())).await;

    assert_eq!(
        result,
        Err(OrderingError::Case(OrderingCase::Unfulfillable {
            out_of_stock: ids,
            unavailable: Vec::new(),
        }))
    );
}

#[tokio::test]
async fn products_no_longer_sold_are_unfulfillable_in_the_unavailable_list() {
    let ids = vec![ProductId::generate(), ProductId::generate()];

    let result = checkout_answering(None, CheckoutOutcome::Unavailable(ids.clone())).await;

    assert_eq!(
        result,
        Err(OrderingError::Case(OrderingCase::Unfulfillable {
            out_of_stock: Vec::new(),
            unavailable: ids,
        }))
    );
}

#[tokio::test]
async fn a_cart_that_cannot_be_priced_is_a_conflict() {
    for err in [MoneyError::CurrencyMismatch, MoneyError::Overflow] {
        let result = checkout_answering(None, CheckoutOutcome::PricingFailed(err)).await;

        assert!(
            matches!(result, Err(OrderingError::Conflict(_))),
            "{err:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn checkout_when_storage_fails_is_unavailable() {
    let who = customer();
    let mut m = Mocks::new();
    m.orders
        .expect_checkout()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Unavailable("db down".into())));

    let result = m.orders().checkout(&who, None).await;

    assert_eq!(result, Err(OrderingError::Unavailable("db down".into())));
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_invalid_and_never_checks_out() {
    let too_long = "k".repeat(256);
    for key in [
        "",
        too_long.as_str(),
        "two words",
        "tab\there",
        "clé",
        "nul\0",
    ] {
        let mut m = Mocks::new();
        m.orders.expect_checkout().never();

        let result = m.orders().checkout(&customer(), Some(key)).await;

        assert_eq!(invalid_fields(result), ["Idempotency-Key"], "{key:?}");
    }
}

#[tokio::test]
async fn a_255_character_key_is_accepted_as_sent() {
    let key = "k".repeat(255);
    let placed = order(customer().user.id, OrderStatus::Pending);

    let result = checkout_answering(Some(&key), CheckoutOutcome::Created(placed.clone())).await;

    assert_eq!(result, Ok(CheckoutResult::Created(placed)));
}
