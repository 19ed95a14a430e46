//! Categories and products: public reads, admin writes, search, seed.

use super::*;

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
    assert_eq!(
        page["next"],
        Value::Null,
        "a page that is not full ends the list"
    );
    for bad in ["sort=cheapest", "size=0", "min_price=-1", "min_price=abc"] {
        assert_problem(
            s.app.get(&format!("/api/v1/products?{bad}"), None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
}

#[tokio::test]
async fn the_keyset_cursor_walks_every_sort_order_and_is_refused_elsewhere() {
    let s = shop().await;
    for (name, cents) in [
        ("Rye", 300),
        ("Spelt", 300),
        ("Oat", 150),
        ("Wheat", 500),
        ("Barley", 150),
    ] {
        s.product(json!({"name": name, "price_cents": cents, "currency": "EUR"}))
            .await;
    }
    let get = |q: String| {
        let app = &s.app;
        async move { app.get(&format!("/api/v1/products?{q}"), None).await }
    };
    for sort in ["name", "-name", "price", "-price", "-created_at"] {
        let whole: Value = get(format!("sort={sort}&size=100"))
            .await
            .json()
            .await
            .unwrap();
        let expected: Vec<Value> = whole["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        assert_eq!(expected.len(), 5);
        let mut walked = Vec::new();
        let mut query = format!("sort={sort}&size=2");
        loop {
            let page: Value = get(query.clone()).await.json().await.unwrap();
            assert_eq!(page["total"], 5, "{sort}: the total counts the whole list");
            walked.extend(
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["id"].clone()),
            );
            match page["next"].as_str() {
                Some(next) => query = format!("sort={sort}&size=2&after={next}"),
                None => break,
            }
            assert!(walked.len() <= 5, "{sort}: the walk does not end");
        }
        assert_eq!(walked, expected, "{sort}");
    }
    let first: Value = get("sort=name&size=2".into()).await.json().await.unwrap();
    let next = first["next"].as_str().unwrap().to_owned();
    // A cursor belongs to its sort order, and replaces the page number.
    for bad in [
        format!("sort=price&size=2&after={next}"),
        format!("sort=name&size=2&page=2&after={next}"),
        "after=zz".to_owned(),
        "after=".to_owned(),
        format!("after={}", "ab".repeat(2000)),
    ] {
        assert_problem(get(bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let explicit_first: Value = get(format!("sort=name&size=2&page=1&after={next}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(explicit_first["data"][0]["name"], "Rye");
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
