//! Carts: quantities of purchasable products at current prices.

use super::*;

#[tokio::test]
async fn carts_hold_quantities_of_purchasable_products_at_current_prices() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let (a, b) = (
        s.simple("Croissant", 250, 10).await,
        s.simple("Cake", 1099, 1).await,
    );
    assert_eq!(s.put(&u, &a, 3).await.status(), StatusCode::OK);
    let cart: Value = s.put(&u, &b, 1).await.json().await.unwrap();
    assert_eq!(cart["total_cents"], 3 * 250 + 1099);
    assert_eq!(cart["currency"], "EUR");
    assert_eq!(cart["items"][0]["line_total_cents"], 750);
    for qty in [0, 100] {
        assert_problem(s.put(&u, &a, qty).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_problem(
        s.put(&u, &uuid::Uuid::now_v7().to_string(), 1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let hidden = s.product(json!({"name": "Hidden", "price_cents": 1, "currency": "EUR", "stock": 5, "is_active": false})).await;
    assert_problem(
        s.put(&u, hidden["id"].as_str().unwrap(), 1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = s
        .app
        .request(Method::DELETE, &format!("/api/v1/cart/items/{b}"))
        .bearer_auth(&u.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["total_cents"], 750);
    let res = s
        .app
        .request(Method::DELETE, "/api/v1/cart")
        .bearer_auth(&u.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let empty: Value = s
        .app
        .get("/api/v1/cart", Some(&u.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            empty["items"].as_array().unwrap().len(),
            empty["total_cents"].as_i64()
        ),
        (0, Some(0))
    );
}

#[tokio::test]
async fn a_line_that_cannot_be_priced_is_refused_and_the_cart_still_renders() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let euros = s.simple("Croissant", 150, 5).await;
    let dollars = s
        .product(json!({"name": "Bagel", "price_cents": 200, "currency": "USD", "stock": 5}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pricey = s
        .simple("Pricey", i64::from(i32::MAX) * 1_000_000_000, 5)
        .await;
    assert_eq!(s.put(&u, &euros, 2).await.status(), StatusCode::OK);
    assert_problem(s.put(&u, &dollars, 1).await, StatusCode::CONFLICT).await;
    assert_problem(s.put(&u, &pricey, 99).await, StatusCode::CONFLICT).await;
    let cart = s.app.get("/api/v1/cart", Some(&u.access)).await;
    assert_eq!(cart.status(), StatusCode::OK);
    let cart: Value = cart.json().await.unwrap();
    assert_eq!(cart["items"].as_array().unwrap().len(), 1, "{cart}");
    assert_eq!(cart["total_cents"], 300);
    assert_eq!(s.checkout(&u, None).await.status(), StatusCode::CREATED);
}
