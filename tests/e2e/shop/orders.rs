//! Checkout and orders: stock, idempotency, races, the status machine.

use super::*;

#[tokio::test]
async fn checkout_places_an_order_takes_stock_and_empties_the_cart() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let other = s.app.register_random().await;
    assert_problem(s.checkout(&u, None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let (a, b) = (
        s.simple("Croissant", 250, 10).await,
        s.simple("Cake", 1099, 1).await,
    );
    s.put(&u, &a, 3).await;
    s.put(&u, &b, 1).await;
    let res = s.checkout(&u, None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let order: Value = res.json().await.unwrap();
    assert_eq!(
        (order["status"].as_str(), order["total_cents"].as_i64()),
        (Some("pending"), Some(1849))
    );
    assert_eq!(order["items"].as_array().unwrap().len(), 2);
    assert_eq!((s.stock(&a).await, s.stock(&b).await), (7, 0));
    let cart: Value = s
        .app
        .get("/api/v1/cart", Some(&u.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(cart["items"].as_array().unwrap().is_empty());
    let mine: Value = s
        .app
        .get("/api/v1/orders", Some(&u.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    assert_eq!(
        s.app.get(&path, Some(&u.access)).await.status(),
        StatusCode::OK
    );
    assert_problem(
        s.app.get(&path, Some(&other.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_short_checkout_is_409_names_the_products_and_changes_nothing() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let (a, b) = (
        s.simple("Scarce", 100, 1).await,
        s.simple("Plenty", 100, 9).await,
    );
    s.put(&u, &a, 2).await;
    s.put(&u, &b, 2).await;
    let problem = assert_problem(s.checkout(&u, None).await, StatusCode::CONFLICT).await;
    assert_eq!(
        problem["products"],
        json!([{"product_id": a, "reason": "out_of_stock"}])
    );
    assert_eq!((s.stock(&a).await, s.stock(&b).await), (1, 9));
    let cart: Value = s
        .app
        .get("/api/v1/cart", Some(&u.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cart["items"].as_array().unwrap().len(), 2, "cart kept");
}

#[tokio::test]
async fn a_retried_checkout_with_the_same_key_returns_the_first_order_with_200() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let a = s.simple("Loaf", 300, 5).await;
    s.put(&u, &a, 2).await;
    let first = s.checkout(&u, Some("order-42")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = s.checkout(&u, Some("order-42")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(s.stock(&a).await, 3);
    assert_problem(
        s.checkout(&u, Some(&"k".repeat(256))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn owners_cancel_pending_orders_and_staff_move_orders_along_the_machine() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let staff = s.app.register_random().await;
    s.app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", staff.id),
            Some(&s.admin.access),
            &json!({"role": "staff"}),
        )
        .await;
    let a = s.simple("Tart", 500, 4).await;
    s.put(&u, &a, 3).await;
    let order: Value = s.checkout(&u, None).await.json().await.unwrap();
    let id = order["id"].as_str().unwrap();
    let cancel = s
        .app
        .request(Method::POST, &format!("/api/v1/orders/{id}/cancel"))
        .bearer_auth(&u.access)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::OK);
    assert_eq!(cancel.json::<Value>().await.unwrap()["status"], "cancelled");
    assert_eq!(s.stock(&a).await, 4);
    let again = s
        .app
        .request(Method::POST, &format!("/api/v1/orders/{id}/cancel"))
        .bearer_auth(&u.access)
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::CONFLICT).await;

    s.put(&u, &a, 1).await;
    let order: Value = s.checkout(&u, None).await.json().await.unwrap();
    let path = format!("/api/v1/admin/orders/{}", order["id"].as_str().unwrap());
    assert_problem(
        s.app
            .send_json(
                Method::PATCH,
                &path,
                Some(&u.access),
                &json!({"status": "confirmed"}),
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for next in ["confirmed", "preparing", "ready", "completed"] {
        let res = s
            .app
            .send_json(
                Method::PATCH,
                &path,
                Some(&staff.access),
                &json!({"status": next}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{next}");
        assert_eq!(res.json::<Value>().await.unwrap()["status"], next);
    }
    assert_problem(
        s.app
            .send_json(
                Method::PATCH,
                &path,
                Some(&staff.access),
                &json!({"status": "cancelled"}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        s.app
            .send_json(
                Method::PATCH,
                &path,
                Some(&staff.access),
                &json!({"status": "lost"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let completed: Value = s
        .app
        .get("/api/v1/admin/orders?status=completed", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(completed["total"], 1);
    assert_problem(
        s.app.get("/api/v1/admin/orders", Some(&u.access)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn thirty_buyers_racing_over_http_for_ten_units_get_exactly_ten_orders() {
    let s = shop().await;
    let a = s.simple("Last loaves", 400, 10).await;
    let mut buyers = Vec::new();
    for _ in 0..30 {
        let u = s.app.register_random().await;
        assert_eq!(s.put(&u, &a, 1).await.status(), StatusCode::OK);
        buyers.push(u);
    }
    let answers = futures_util::future::join_all(buyers.iter().map(|u| s.checkout(u, None))).await;
    let created = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    let conflicts = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (10, 20));
    assert_eq!(s.stock(&a).await, 0);
    let all: Value = s
        .app
        .get("/api/v1/admin/orders?size=100", Some(&s.admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 10);
}

#[tokio::test]
async fn the_same_idempotency_key_sent_concurrently_creates_one_order() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let a = s.simple("Brioche", 400, 20).await;
    s.put(&u, &a, 2).await;
    let answers =
        futures_util::future::join_all((0..8).map(|_| s.checkout(&u, Some("same-key")))).await;
    let mut ids = Vec::new();
    let mut created = 0;
    for res in answers {
        match res.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}"),
        }
        ids.push(res.json::<Value>().await.unwrap()["id"].clone());
    }
    ids.dedup();
    assert_eq!((created, ids.len()), (1, 1));
    assert_eq!(s.stock(&a).await, 18);
}
