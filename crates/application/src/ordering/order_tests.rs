//! `OrderService`: reading, cancelling and staff status changes.

use keel_domain::PageRequest;
use keel_domain::identity::Principal;
use keel_domain::ordering::{CancelOutcome, Order, OrderId, OrderStatus, OrderStatusChange};
use mockall::predicate::eq;

use super::OrderingError;
use super::test_support::{Mocks, Slot, admin, customer, now, order, staff};

/// `find(order.id)` answers `order` once.
fn expect_find(m: &mut Mocks, found: &Order) {
    let found = found.clone();
    m.orders
        .expect_find()
        .with(eq(found.id))
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
}

/// `cancel(id, who, now)` answers `outcome` once.
fn expect_cancel(m: &mut Mocks, id: OrderId, who: &Principal, outcome: CancelOutcome) {
    m.orders
        .expect_cancel()
        .with(eq(id), eq(who.user.id), eq(now()))
        .times(1)
        .returning(move |_, _, _| Ok(outcome.clone()));
}

#[tokio::test]
async fn a_customer_gets_their_own_order() {
    let who = customer();
    let mine = order(who.user.id, OrderStatus::Pending);
    let mut m = Mocks::new();
    expect_find(&mut m, &mine);

    assert_eq!(m.orders().get(&who, mine.id).await, Ok(mine));
}

#[tokio::test]
async fn another_users_order_is_not_found_for_a_customer() {
    let theirs = order(staff().user.id, OrderStatus::Pending);
    let mut m = Mocks::new();
    expect_find(&mut m, &theirs);

    assert_eq!(
        m.orders().get(&customer(), theirs.id).await,
        Err(OrderingError::NotFound)
    );
}

#[tokio::test]
async fn staff_and_admins_get_any_users_order() {
    let theirs = order(customer().user.id, OrderStatus::Ready);
    for who in [staff(), admin()] {
        let mut m = Mocks::new();
        expect_find(&mut m, &theirs);

        assert_eq!(
            m.orders().get(&who, theirs.id).await,
            Ok(theirs.clone()),
            "{}",
            who.role
        );
    }
}

#[tokio::test]
async fn an_unknown_order_is_not_found_even_for_staff() {
    let id = OrderId::generate();
    let mut m = Mocks::new();
    m.orders
        .expect_find()
        .with(eq(id))
        .times(1)
        .returning(|_| Ok(None));

    assert_eq!(
        m.orders().get(&staff(), id).await,
        Err(OrderingError::NotFound)
    );
}

#[tokio::test]
async fn mine_lists_the_callers_orders() {
    let who = customer();
    let page = PageRequest::parse(Some(2), Some(5)).expect("a valid page");
    let listed = keel_domain::Page {
        items: vec![order(who.user.id, OrderStatus::Pending)],
        total: 6,
        request: page,
    };
    let mut m = Mocks::new();
    let answer = listed.clone();
    m.orders
        .expect_list_for_user()
        .with(eq(who.user.id), eq(page))
        .times(1)
        .returning(move |_, _| Ok(answer.clone()));

    assert_eq!(m.orders().mine(&who, page).await, Ok(listed));
}

#[tokio::test]
async fn the_owner_cancels_a_pending_order_at_now() {
    let who = customer();
    let mut cancelled = order(who.user.id, OrderStatus::Cancelled);
    cancelled.updated_at = now();
    let mut m = Mocks::new();
    expect_cancel(
        &mut m,
        cancelled.id,
        &who,
        CancelOutcome::Cancelled(cancelled.clone()),
    );

    assert_eq!(m.orders().cancel(&who, cancelled.id).await, Ok(cancelled));
}

#[tokio::test]
async fn cancelling_an_unknown_or_foreign_order_is_not_found() {
    let who = customer();
    let id = OrderId::generate();
    let mut m = Mocks::new();
    expect_cancel(&mut m, id, &who, CancelOutcome::NotFound);

    assert_eq!(
        m.orders().cancel(&who, id).await,
        Err(OrderingError::NotFound)
    );
}

#[tokio::test]
async fn cancelling_an_order_no_longer_pending_is_a_conflict_naming_its_status() {
    let who = customer();
    let id = OrderId::generate();
    let mut m = Mocks::new();
    expect_cancel(
        &mut m,
        id,
        &who,
        CancelOutcome::NotPending(OrderStatus::Preparing),
    );

    let result = m.orders().cancel(&who, id).await;

    match result {
        Err(OrderingError::Conflict(message)) => {
            assert!(message.contains("preparing"), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn all_orders_are_forbidden_to_customers() {
    let mut m = Mocks::new();
    m.orders.expect_list_all().never();

    let result = m
        .orders()
        .all(&customer(), None, PageRequest::default())
        .await;

    assert_eq!(result, Err(OrderingError::Forbidden));
}

#[tokio::test]
async fn staff_list_all_orders_of_a_status() {
    let page = PageRequest::default();
    let listed = keel_domain::Page {
        items: vec![order(customer().user.id, OrderStatus::Ready)],
        total: 1,
        request: page,
    };
    let mut m = Mocks::new();
    let answer = listed.clone();
    m.orders
        .expect_list_all()
        .with(eq(Some(OrderStatus::Ready)), eq(page))
        .times(1)
        .returning(move |_, _| Ok(answer.clone()));

    let result = m
        .orders()
        .all(&staff(), Some(OrderStatus::Ready), page)
        .await;

    assert_eq!(result, Ok(listed));
}

#[tokio::test]
async fn change_status_is_forbidden_to_customers_and_reads_nothing() {
    let mut m = Mocks::new();
    m.orders.expect_find().never();
    m.orders.expect_change_status().never();

    let result = m
        .orders()
        .change_status(&customer(), OrderId::generate(), OrderStatus::Confirmed)
        .await;

    assert_eq!(result, Err(OrderingError::Forbidden));
}

#[tokio::test]
async fn change_status_of_an_unknown_order_is_not_found() {
    let id = OrderId::generate();
    let mut m = Mocks::new();
    m.orders
        .expect_find()
        .with(eq(id))
        .times(1)
        .returning(|_| Ok(None));
    m.orders.expect_change_status().never();

    let result = m
        .orders()
        .change_status(&staff(), id, OrderStatus::Confirmed)
        .await;

    assert_eq!(result, Err(OrderingError::NotFound));
}

#[tokio::test]
async fn a_move_the_machine_forbids_is_a_conflict_and_never_reaches_the_repo() {
    for (from, to) in [
        (OrderStatus::Completed, OrderStatus::Pending),
        (OrderStatus::Pending, OrderStatus::Ready),
        (OrderStatus::Ready, OrderStatus::Cancelled),
        (OrderStatus::Confirmed, OrderStatus::Confirmed),
    ] {
        let current = order(customer().user.id, from);
        let mut m = Mocks::new();
        expect_find(&mut m, &current);
        m.orders.expect_change_status().never();

        let result = m.orders().change_status(&staff(), current.id, to).await;

        assert_eq!(
            result,
            Err(OrderingError::Conflict(format!(
                "an order cannot go from {from} to {to}"
            ))),
            "{from} -> {to}"
        );
    }
}

#[tokio::test]
async fn a_concurrent_change_reported_by_the_repo_is_a_conflict() {
    let current = order(customer().user.id, OrderStatus::Pending);
    let mut m = Mocks::new();
    expect_find(&mut m, &current);
    m.orders
        .expect_change_status()
        .withf({
            let id = current.id;
            move |i, _| *i == id
        })
        .times(1)
        .returning(|_, _| Ok(None));

    let result = m
        .orders()
        .change_status(&staff(), current.id, OrderStatus::Confirmed)
        .await;

    assert!(
        matches!(result, Err(OrderingError::Conflict(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_valid_move_passes_from_to_by_the_caller_at_now_to_the_repo() {
    for (who, from, to) in [
        (staff(), OrderStatus::Pending, OrderStatus::Confirmed),
        (admin(), OrderStatus::Confirmed, OrderStatus::Cancelled),
        (staff(), OrderStatus::Ready, OrderStatus::Completed),
    ] {
        let current = order(customer().user.id, from);
        let mut moved = current.clone();
        moved.status = to;
        let mut m = Mocks::new();
        expect_find(&mut m, &current);
        let change: Slot<OrderStatusChange> = Slot::new();
        let slot = change.clone();
        let answer = moved.clone();
        m.orders
            .expect_change_status()
            .withf({
                let id = current.id;
                move |i, _| *i == id
            })
            .times(1)
            .returning(move |_, c| {
                slot.put(c);
                Ok(Some(answer.clone()))
            });

        let result = m.orders().change_status(&who, current.id, to).await;

        assert_eq!(result, Ok(moved), "{from} -> {to}");
        let change = change.take();
        assert_eq!(
            (change.from(), change.to(), change.by(), change.at()),
            (from, to, who.user.id, now())
        );
    }
}

#[tokio::test]
async fn a_status_change_queues_a_notice_to_the_customer_and_a_refused_one_does_not() {
    let owner = customer().user.id;
    let current = order(owner, OrderStatus::Pending);
    let mut moved = current.clone();
    moved.status = OrderStatus::Confirmed;
    let mut m = Mocks::new();
    expect_find(&mut m, &current);
    let answer = moved.clone();
    m.orders
        .expect_change_status()
        .times(1)
        .returning(move |_, _| Ok(Some(answer.clone())));
    let posted: Slot<keel_domain::mail::Letter> = Slot::new();
    let slot = posted.clone();
    let mut outbox = keel_domain::mail::ports::MockOutbox::new();
    outbox.expect_post().times(1).returning(move |l| {
        slot.put(l);
        Ok(())
    });
    m.orders()
        .with_outbox(std::sync::Arc::new(outbox))
        .change_status(&staff(), current.id, OrderStatus::Confirmed)
        .await
        .unwrap();
    let letter = posted.take();
    assert_eq!(letter.template, "order_status");
    assert_eq!(letter.to, keel_domain::mail::Recipient::User(owner));
    assert_eq!(letter.vars["status"], "confirmed");

    let mut m = Mocks::new();
    expect_find(&mut m, &current);
    m.orders.expect_change_status().returning(|_, _| Ok(None));
    let mut outbox = keel_domain::mail::ports::MockOutbox::new();
    outbox.expect_post().never();
    let refused = m
        .orders()
        .with_outbox(std::sync::Arc::new(outbox))
        .change_status(&staff(), current.id, OrderStatus::Confirmed)
        .await;
    assert!(refused.is_err());
}
