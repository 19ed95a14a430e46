//! The shop over HTTP: catalog, images, cart, checkout and orders.

use keel_e2e::{Account, TestApp, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Shop {
    app: TestApp,
    admin: Account,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    Shop { app, admin }
}

impl Shop {
    async fn category(&self, name: &str) -> Value {
        let res = self
            .app
            .send_json(
                Method::POST,
                "/api/v1/categories",
                Some(&self.admin.access),
                &json!({"name": name}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }

    async fn product(&self, body: Value) -> Value {
        let res = self
            .app
            .send_json(
                Method::POST,
                "/api/v1/products",
                Some(&self.admin.access),
                &body,
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "create product");
        res.json().await.unwrap()
    }

    async fn simple(&self, name: &str, cents: i64, stock: i64) -> String {
        let p = self
            .product(json!({"name": name, "price_cents": cents, "currency": "EUR", "stock": stock}))
            .await;
        p["id"].as_str().unwrap().to_owned()
    }

    async fn put(&self, who: &Account, product: &str, qty: i64) -> reqwest::Response {
        self.app
            .send_json(
                Method::PUT,
                &format!("/api/v1/cart/items/{product}"),
                Some(&who.access),
                &json!({"quantity": qty}),
            )
            .await
    }

    async fn checkout(&self, who: &Account, key: Option<&str>) -> reqwest::Response {
        let mut req = self
            .app
            .request(Method::POST, "/api/v1/orders")
            .bearer_auth(&who.access);
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        req.send().await.unwrap()
    }

    async fn stock(&self, id: &str) -> i64 {
        let p: Value = self
            .app
            .get(&format!("/api/v1/products/{id}"), None)
            .await
            .json()
            .await
            .unwrap();
        p["stock"].as_i64().unwrap()
    }
}

#[tokio::test]
async fn catalog_reads_are_public_and_writes_need_an_admin() {
    let s = shop().await;
    let customer = s.app.register_random().await;
    let body = json!({"name": "Bread"});
    assert_problem(
        s.app
            .send_json(Method::POST, "/api/v1/categories", None, &body)
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        s.app
            .send_json(
                Method::POST,
                "/api/v1/categories",
                Some(&customer.access),
                &body,
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let cat = s.category("Breads & Loaves").await;
    assert_eq!(cat["slug"], "breads-loaves");
    let p = s.product(json!({"name": "Pain au Chocolat", "price_cents": 180, "currency": "eur", "stock": 4, "category_id": cat["id"], "description": "Butter"})).await;
    assert_eq!(
        (
            p["slug"].as_str(),
            p["currency"].as_str(),
            p["is_active"].as_bool()
        ),
        (Some("pain-au-chocolat"), Some("EUR"), Some(true))
    );
    let again = s
        .product(json!({"name": "Pain au chocolat", "price_cents": 190, "currency": "EUR"}))
        .await;
    assert_eq!(
        again["slug"], "pain-au-chocolat-2",
        "generated slugs are unique"
    );
    let cats: Value = s
        .app
        .get("/api/v1/categories", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cats.as_array().unwrap().len(), 1);
    for path in [
        format!("/api/v1/products/{}", p["id"].as_str().unwrap()),
        "/api/v1/products/pain-au-chocolat".into(),
    ] {
        let got: Value = s.app.get(&path, None).await.json().await.unwrap();
        assert_eq!(got["id"], p["id"]);
    }
    assert_problem(
        s.app.get("/api/v1/products/no-such-thing", None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let bad = s
        .app
        .send_json(
            Method::POST,
            "/api/v1/products",
            Some(&s.admin.access),
            &json!({"name": "", "price_cents": -1, "currency": "EURO"}),
        )
        .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem["errors"].as_array().unwrap().len() >= 3);
    let del = s
        .app
        .request(
            Method::DELETE,
            &format!("/api/v1/categories/{}", cat["id"].as_str().unwrap()),
        )
        .bearer_auth(&s.admin.access)
        .send()
        .await
        .unwrap();
    assert_problem(del, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn products_are_searched_filtered_sorted_and_paged() {
    let s = shop().await;
    let cakes = s.category("Cakes").await;
    s.product(json!({"name": "Lemon tart", "price_cents": 450, "currency": "EUR", "category_id": cakes["id"]})).await;
    s.product(json!({"name": "Apple pie", "price_cents": 900, "currency": "EUR", "category_id": cakes["id"], "description": "With LEMON zest"})).await;
    s.product(json!({"name": "Baguette", "price_cents": 120, "currency": "EUR"}))
        .await;
    s.product(json!({"name": "Hidden", "price_cents": 100, "currency": "EUR", "is_active": false}))
        .await;
    let list = |q: &'static str| {
        let app = &s.app;
        async move {
            app.get(&format!("/api/v1/products?{q}"), None)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let names = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(list("").await["total"], 3, "inactive products are hidden");
    assert_eq!(
        names(&list("q=lemon").await).len(),
        2,
        "name or description, any case"
    );
    assert_eq!(list("category=cakes").await["total"], 2);
    assert_eq!(list("category=nope").await["total"], 0);
    // An inverted price range is no error; it matches nothing.
    assert_eq!(list("min_price=500&max_price=100").await["total"], 0);
    assert_eq!(
        names(&list("min_price=200&max_price=900&sort=price").await),
        vec!["Lemon tart", "Apple pie"]
    );
    assert_eq!(
        names(&list("sort=-price").await),
        vec!["Apple pie", "Lemon tart", "Baguette"]
    );
    assert_eq!(
        names(&list("sort=name").await),
        vec!["Apple pie", "Baguette", "Lemon tart"]
    );
    let page = list("sort=name&page=2&size=2").await;
    assert_eq!(
        (page["total"].as_u64(), page["pages"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(names(&page), vec!["Lemon tart"]);
    for bad in ["sort=cheapest", "size=0", "min_price=-1", "min_price=abc"] {
        assert_problem(
            s.app.get(&format!("/api/v1/products?{bad}"), None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
}

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

/// A real 1×1 PNG.
fn png() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .unwrap()
}

async fn upload(
    s: &Shop,
    product: &str,
    name: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    s.app
        .request(Method::POST, &format!("/api/v1/products/{product}/images"))
        .bearer_auth(&s.admin.access)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn images_are_typed_by_content_limited_in_size_and_served_back() {
    let s = shop().await;
    let a = s.simple("Photogenic", 100, 1).await;
    let res = upload(&s, &a, "../../etc/passwd.jpg", png(), "image/jpeg").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("/api/v1/images/") && url.ends_with(".png") && !url.contains("passwd"));
    let served = s.app.get(&url, None).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(served.bytes().await.unwrap().to_vec(), png());
    let product: Value = s
        .app
        .get(&format!("/api/v1/products/{a}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(product["image_urls"], json!([url]));

    assert_problem(
        upload(
            &s,
            &a,
            "fake.png",
            b"<?php echo 1; ?>".to_vec(),
            "image/png",
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    // A real PNG with HTML after its end, and a PNG signature with nothing behind it.
    let mut polyglot = png();
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let mut signature_only = png()[..8].to_vec();
    signature_only.extend_from_slice(&[0u8; 64]);
    for bytes in [polyglot, signature_only] {
        assert_problem(
            upload(&s, &a, "x.png", bytes, "image/png").await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
    }
    let mut big = png();
    big.resize(65 * 1024, 0);
    assert_problem(
        upload(&s, &a, "big.png", big, "image/png").await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let not_form = s
        .app
        .request(Method::POST, &format!("/api/v1/products/{a}/images"))
        .bearer_auth(&s.admin.access)
        .body(png())
        .send()
        .await
        .unwrap();
    assert_problem(not_form, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    for path in [
        "/api/v1/images/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/images/nothere.png",
        "/api/v1/images/x.gif",
    ] {
        assert_problem(s.app.get(path, None).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn deleting_a_product_keeps_order_history() {
    let s = shop().await;
    let u = s.app.register_random().await;
    let a = s.simple("Seasonal", 650, 3).await;
    s.put(&u, &a, 1).await;
    let order: Value = s.checkout(&u, None).await.json().await.unwrap();
    let del = s
        .app
        .request(Method::DELETE, &format!("/api/v1/products/{a}"))
        .bearer_auth(&s.admin.access)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    assert_problem(
        s.app.get(&format!("/api/v1/products/{a}"), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let kept: Value = s
        .app
        .get(
            &format!("/api/v1/orders/{}", order["id"].as_str().unwrap()),
            Some(&u.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["items"][0]["name"], "Seasonal");
    assert_eq!(kept["items"][0]["unit_price_cents"], 650);
}

#[tokio::test]
async fn keel_seed_loads_a_browsable_bakery_once() {
    let app = spawn_app().await;
    let seed = || {
        keel_bootstrap::cli::run(
            keel_bootstrap::cli::Cli {
                command: Some(keel_bootstrap::cli::Command::Seed { products: 3 }),
            },
            app.settings.clone(),
        )
    };
    seed().await.unwrap();
    let first: Value = app
        .get("/api/v1/products?size=100", None)
        .await
        .json()
        .await
        .unwrap();
    let total = first["total"].as_u64().unwrap();
    assert!(total >= 30, "a few dozen products, got {total}");
    seed().await.unwrap();
    let again: Value = app
        .get("/api/v1/products?size=1", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["total"].as_u64(), Some(total), "idempotent");
    let cats: Value = app
        .get("/api/v1/categories", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cats.as_array().unwrap().len(), 5);
    let croissant: Value = app
        .get("/api/v1/products/croissant", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            croissant["price_cents"].as_i64(),
            croissant["currency"].as_str()
        ),
        (Some(150), Some("EUR"))
    );
    let search: Value = app
        .get("/api/v1/products?q=chocolate&category=viennoiserie", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(search["data"][0]["slug"], "pain-au-chocolat");
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

#[tokio::test]
async fn admins_rename_categories_and_slug_clashes_are_409() {
    let s = shop().await;
    let breads = s.category("Breads").await;
    s.category("Cakes").await;
    let path = format!("/api/v1/categories/{}", breads["id"].as_str().unwrap());
    let res = s
        .app
        .send_json(
            Method::PATCH,
            &path,
            Some(&s.admin.access),
            &json!({"name": "Loaves", "description": "Daily"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (
            body["name"].as_str(),
            body["slug"].as_str(),
            body["description"].as_str()
        ),
        (Some("Loaves"), Some("breads"), Some("Daily"))
    );
    assert_problem(
        s.app
            .send_json(
                Method::PATCH,
                &path,
                Some(&s.admin.access),
                &json!({"slug": "cakes"}),
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
                Some(&s.admin.access),
                &json!({"slug": "Not A Slug"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let del = s
        .app
        .request(Method::DELETE, &path)
        .bearer_auth(&s.admin.access)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
}

/// Sends the head of a chunked multipart upload and one chunk, keeps the
/// body open, and returns the status line the server answers with (or
/// `None` when it has not answered within ten seconds).
fn open_upload_status(port: u16, token: &str, product: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /api/v1/products/{product}/images HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let part = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n";
    let chunk = format!("{:x}\r\n{part}{}\r\n", part.len() + 1024, "x".repeat(1024));
    stream.write_all(chunk.as_bytes()).unwrap();
    let mut buf = [0u8; 256];
    let n = stream.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn an_upload_is_refused_before_its_body_is_read() {
    let s = shop().await;
    let product = s.simple("Guarded", 100, 1).await;
    let customer = s.app.register_random().await;
    let port = s.app.port;
    let (token, id) = (customer.access.clone(), product.clone());
    let forbidden = tokio::task::spawn_blocking(move || open_upload_status(port, &token, &id))
        .await
        .unwrap();
    assert!(
        forbidden.as_deref().is_some_and(|l| l.contains(" 403 ")),
        "a customer's open upload is answered at once: {forbidden:?}"
    );
    let admin = s.admin.access.clone();
    let missing = uuid::Uuid::now_v7().to_string();
    let not_found = tokio::task::spawn_blocking(move || open_upload_status(port, &admin, &missing))
        .await
        .unwrap();
    assert!(
        not_found.as_deref().is_some_and(|l| l.contains(" 404 ")),
        "an upload to no product is answered at once: {not_found:?}"
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

#[tokio::test]
async fn an_upload_form_has_exactly_one_file_field() {
    let s = shop().await;
    let a = s.simple("Framed", 100, 1).await;
    let send = |form: reqwest::multipart::Form| {
        s.app
            .request(Method::POST, &format!("/api/v1/products/{a}/images"))
            .bearer_auth(&s.admin.access)
            .multipart(form)
            .send()
    };
    let part = || reqwest::multipart::Part::bytes(png()).file_name("a.png");
    let extra = reqwest::multipart::Form::new()
        .part("file", part())
        .text("caption", "hello");
    assert_problem(send(extra).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let none = reqwest::multipart::Form::new().text("caption", "hello");
    assert_problem(send(none).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let twice = reqwest::multipart::Form::new()
        .part("file", part())
        .part("file", part());
    assert_problem(send(twice).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let one = reqwest::multipart::Form::new().part("file", part());
    assert_eq!(send(one).await.unwrap().status(), StatusCode::CREATED);
}
