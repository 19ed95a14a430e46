//! The shop over HTTP: catalog, images, cart, checkout and orders.

mod cart;
mod catalog;
mod images;
mod orders;

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
