//! Email and account recovery over HTTP with the file transport: every route,
//! the token read out of the written mail as a user would.

use futures_util::future::join_all;
use keel_e2e::fake_clerk::{FakeClerk, keys, session_claims};
use keel_e2e::{Account, TestApp, assert_problem, spawn_app, spawn_app_with, spawn_clerk_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn me(app: &TestApp, access: &str) -> Value {
    let res = app.get("/api/v1/users/me", Some(access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn post_token(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.post_json(path, &json!({"token": token})).await
}

#[tokio::test]
async fn registration_mails_a_link_that_verifies_the_address_once() {
    let app = spawn_app().await;
    let u = app.register("ada@example.com", "correct horse").await;
    assert_eq!(me(&app, &u.access).await["email_verified"], false);
    let mail = app.mail("ada@example.com", "verify_email").await;
    assert_eq!(mail.subject, "Confirm your email address");
    let token = mail.token();
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    let res = post_token(&app, "/api/v1/auth/verify-email", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email_verified"], true);
    assert_eq!(me(&app, &u.access).await["email_verified"], true);
    let again = post_token(&app, "/api/v1/auth/verify-email", &token).await;
    assert_problem(again, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn opening_the_mailed_link_verifies_the_address() {
    let app = spawn_app().await;
    let u = app.register("link@example.com", "correct horse").await;
    let token = app.mail("link@example.com", "verify_email").await.token();
    let page = app.get(&format!("/verify-email?token={token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("verified"));
    assert_eq!(me(&app, &u.access).await["email_verified"], true);
    let spent = app.get(&format!("/verify-email?token={token}"), None).await;
    assert_problem(spent, StatusCode::BAD_REQUEST).await;
    let page = app.get("/reset-password?token=abc_DEF-1", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("abc_DEF-1"));
    let hostile = app.get("/magic-link?token=%3Cscript%3E", None).await;
    let problem = assert_problem(hostile, StatusCode::BAD_REQUEST).await;
    assert!(!problem.to_string().contains("<script>"));
}

#[tokio::test]
async fn a_new_verification_request_supersedes_the_older_link() {
    let app = spawn_app().await;
    let u = app.register("again@example.com", "correct horse").await;
    let first = app.mail("again@example.com", "verify_email").await.token();
    let res = app
        .request(Method::POST, "/api/v1/auth/verify-email/request")
        .bearer_auth(&u.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let mails = app.mails("again@example.com", "verify_email", 2).await;
    let second = mails.last().unwrap().token();
    assert_ne!(first, second);
    assert_problem(
        post_token(&app, "/api/v1/auth/verify-email", &first).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let ok = post_token(&app, "/api/v1/auth/verify-email", &second).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let unauthenticated = app
        .request(Method::POST, "/api/v1/auth/verify-email/request")
        .send()
        .await
        .unwrap();
    assert_problem(unauthenticated, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn forgot_password_answers_alike_and_the_reset_ends_every_session() {
    let app = spawn_app().await;
    let u = app.register("reset@example.com", "old password").await;
    let known = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "Reset@Example.com"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "ghost@example.com"}),
        )
        .await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    assert_eq!(
        known.json::<Value>().await.unwrap(),
        unknown.json::<Value>().await.unwrap(),
        "the same body whether or not the account exists"
    );
    let token = app
        .mail("reset@example.com", "password_reset")
        .await
        .token();
    assert!(
        app.all_mails().iter().all(|m| m.to != "ghost@example.com"),
        "no mail to an unknown address"
    );
    let weak = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "new_password": "short"}),
        )
        .await;
    assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "new_password": "brand new password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/users/me", Some(&u.access)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": u.refresh}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        app.login("reset@example.com", "old password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("reset@example.com", "brand new password")
            .await
            .status(),
        StatusCode::OK
    );
    let replay = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "new_password": "another password"}),
        )
        .await;
    assert_problem(replay, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn a_magic_link_signs_in_once_even_when_used_in_parallel() {
    let app = spawn_app().await;
    app.register("magic@example.com", "correct horse").await;
    let res = app
        .post_json(
            "/api/v1/auth/magic-link",
            &json!({"email": "magic@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let token = app.mail("magic@example.com", "magic_link").await.token();
    let answers =
        join_all((0..8).map(|_| post_token(&app, "/api/v1/auth/magic-link/verify", &token))).await;
    let mut winners = Vec::new();
    for res in answers {
        match res.status() {
            StatusCode::OK => winners.push(res.json::<Value>().await.unwrap()),
            StatusCode::BAD_REQUEST => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one use of the token wins");
    let body = &winners[0];
    assert_eq!(body["user"]["email"], "magic@example.com");
    assert_eq!(body["user"]["email_verified"], true);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(me(&app, access).await["email"], "magic@example.com");
}

#[tokio::test]
async fn an_email_change_is_confirmed_from_the_new_address_and_noticed_at_the_old() {
    let app = spawn_app().await;
    let u = app.register("old@example.com", "correct horse").await;
    app.register("taken@example.com", "correct horse").await;
    let change = |new_email: &str, password: &str| {
        let body = json!({"new_email": new_email, "current_password": password});
        let (app, access) = (&app, u.access.clone());
        async move {
            app.send_json(Method::POST, "/api/v1/users/me/email", Some(&access), &body)
                .await
        }
    };
    assert_problem(
        change("new@example.com", "wrong password").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        change("taken@example.com", "correct horse").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        change("not an address", "correct horse").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        change("New@Example.com", "correct horse").await.status(),
        StatusCode::ACCEPTED
    );
    let notice = app.mail("old@example.com", "email_change_notice").await;
    assert!(notice.decoded.contains("new@example.com"));
    let token = app.mail("new@example.com", "email_change").await.token();
    let res = post_token(&app, "/api/v1/users/me/email/confirm", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "new@example.com");
    assert_eq!(user["email_verified"], true);
    assert_eq!(
        app.login("new@example.com", "correct horse").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("old@example.com", "correct horse").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_problem(
        post_token(&app, "/api/v1/users/me/email/confirm", &token).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn bad_tokens_are_400_problems_on_every_spending_route() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/auth/verify-email",
        "/api/v1/auth/magic-link/verify",
        "/api/v1/users/me/email/confirm",
    ] {
        for token in ["", "unknown-token", &"x".repeat(500)] {
            assert_problem(post_token(&app, path, token).await, StatusCode::BAD_REQUEST).await;
        }
    }
    let res = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": "unknown", "new_password": "long enough password"}),
        )
        .await;
    assert_problem(res, StatusCode::BAD_REQUEST).await;
    let missing = app
        .post_json("/api/v1/auth/magic-link/verify", &json!({}))
        .await;
    assert!(missing.status().is_client_error());
}

#[tokio::test]
async fn mail_requests_are_throttled_per_address_and_per_client() {
    let app = spawn_app_with(|s| {
        s.mail.requests_per_email = 2;
        s.mail.requests_per_ip = 4;
    })
    .await;
    let forgot = |email: &'static str| {
        let app = &app;
        async move {
            app.post_json("/api/v1/auth/password/forgot", &json!({"email": email}))
                .await
        }
    };
    assert_eq!(forgot("a@example.com").await.status(), StatusCode::ACCEPTED);
    assert_eq!(forgot("a@example.com").await.status(), StatusCode::ACCEPTED);
    let third = forgot("a@example.com").await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    assert_eq!(forgot("b@example.com").await.status(), StatusCode::ACCEPTED);
    // The fifth request from this client, whatever the address.
    assert_eq!(
        forgot("c@example.com").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn clerk_accounts_get_409_on_the_mail_routes() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let token = key.sign(&session_claims("user_mail"));
    assert!(me(&app, &token).await["email"].is_string());
    let verify = app
        .request(Method::POST, "/api/v1/auth/verify-email/request")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(verify, StatusCode::CONFLICT).await;
    let change = app
        .send_json(
            Method::POST,
            "/api/v1/users/me/email",
            Some(&token),
            &json!({"new_email": "x@example.com", "current_password": "whatever"}),
        )
        .await;
    assert_problem(change, StatusCode::CONFLICT).await;
}

/// A customer with a product in the cart, and a staff member.
async fn order_setup(app: &TestApp) -> (Account, Account, String) {
    let admin = app.create_admin("root@example.com", "admin password").await;
    let staff = app.register("staff@example.com", "correct horse").await;
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/users/{}", staff.id),
        Some(&admin.access),
        &json!({"role": "staff"}),
    )
    .await;
    let product: Value = app
        .send_json(
            Method::POST,
            "/api/v1/products",
            Some(&admin.access),
            &json!({"name": "Tart", "price_cents": 450, "currency": "EUR", "stock": 5}),
        )
        .await
        .json()
        .await
        .unwrap();
    let buyer = app.register("buyer@example.com", "correct horse").await;
    let put = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/cart/items/{}", product["id"].as_str().unwrap()),
            Some(&buyer.access),
            &json!({"quantity": 2}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    (buyer, staff, product["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn checkout_and_each_status_change_mail_the_customer() {
    let app = spawn_app().await;
    let (buyer, staff, _) = order_setup(&app).await;
    let order: Value = app
        .request(Method::POST, "/api/v1/orders")
        .bearer_auth(&buyer.access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().unwrap();
    let confirmation = app.mail("buyer@example.com", "order_confirmation").await;
    assert!(
        confirmation.subject.contains(id),
        "{}",
        confirmation.subject
    );
    assert!(
        confirmation.decoded.contains("2 x Tart: 9.00 EUR"),
        "{}",
        confirmation.decoded
    );
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/admin/orders/{id}"),
            Some(&staff.access),
            &json!({"status": "confirmed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let notice = app.mail("buyer@example.com", "order_status").await;
    assert_eq!(notice.subject, format!("Order {id} is confirmed"));
}

#[tokio::test]
async fn a_password_reset_kills_a_pending_email_change_and_older_links() {
    let app = spawn_app().await;
    let u = app.register("victim@example.com", "leaked password").await;
    // Someone with the leaked password starts moving the account away.
    let res = app
        .send_json(
            Method::POST,
            "/api/v1/users/me/email",
            Some(&u.access),
            &json!({"new_email": "attacker@example.com", "current_password": "leaked password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let change = app
        .mail("attacker@example.com", "email_change")
        .await
        .token();
    app.post_json(
        "/api/v1/auth/magic-link",
        &json!({"email": "victim@example.com"}),
    )
    .await;
    let magic = app.mail("victim@example.com", "magic_link").await.token();
    // The owner gets the notice and resets the password.
    app.mail("victim@example.com", "email_change_notice").await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "victim@example.com"}),
    )
    .await;
    let reset = app
        .mail("victim@example.com", "password_reset")
        .await
        .token();
    let res = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": reset, "new_password": "a fresh password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for (path, token) in [
        ("/api/v1/users/me/email/confirm", &change),
        ("/api/v1/auth/magic-link/verify", &magic),
    ] {
        assert_problem(post_token(&app, path, token).await, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(
        app.login("victim@example.com", "a fresh password")
            .await
            .status(),
        StatusCode::OK
    );
}
