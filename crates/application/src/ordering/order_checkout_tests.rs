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

/// An outbox that records the letters posted to it; `works` says whether
/// queueing succeeds.
fn recording_outbox(
    works: bool,
) -> (
    std::sync::Arc<keel_domain::mail::ports::MockOutbox>,
    super::test_support::Slot<keel_domain::mail::Letter>,
) {
    let posted = super::test_support::Slot::new();
    let slot = posted.clone();
    let mut outbox = keel_domain::mail::ports::MockOutbox::new();
    outbox.expect_post().times(1).returning(move |l| {
        slot.put(l);
        match works {
            true => Ok(()),
            false => Err(RepoError::Unavailable(keel_domain::Cause::msg("down"))),
        }
    });
    (std::sync::Arc::new(outbox), posted)
}

#[tokio::test]
async fn a_new_order_queues_a_confirmation_to_its_customer_even_if_the_queue_fails() {
    for works in [true, false] {
        let who = customer();
        let placed = order(who.user.id, OrderStatus::Pending);
        let mut m = Mocks::new();
        expect_checkout(&mut m, &who, None, CheckoutOutcome::Created(placed.clone()));
        let (outbox, posted) = recording_outbox(works);
        let result = m.orders().with_outbox(outbox).checkout(&who, None).await;
        assert_eq!(result, Ok(CheckoutResult::Created(placed.clone())));
        let letter = posted.take();
        assert_eq!(letter.template, "order_confirmation");
        assert_eq!(letter.to, keel_domain::mail::Recipient::User(who.user.id));
        assert_eq!(letter.vars["order_id"], placed.id.to_string());
        assert_eq!(letter.vars["total"], placed.total.to_string());
        assert_eq!(
            letter.vars["lines"].as_array().unwrap().len(),
            placed.items.len()
        );
    }
}

#[tokio::test]
async fn a_replayed_checkout_mails_nothing_again() {
    let who = customer();
    let first = order(who.user.id, OrderStatus::Pending);
    let mut m = Mocks::new();
    expect_checkout(&mut m, &who, Some("k"), CheckoutOutcome::Replayed(first));
    let mut outbox = keel_domain::mail::ports::MockOutbox::new();
    outbox.expect_post().never();
    let result = m
        .orders()
        .with_outbox(std::sync::Arc::new(outbox))
        .checkout(&who, Some("k"))
        .await;
    assert!(matches!(result, Ok(CheckoutResult::Replayed(_))));
}
