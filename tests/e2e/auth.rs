use keel_e2e::{account_from, assert_problem, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn register_returns_201_with_a_token_pair_and_the_user() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "  Ada@Example.COM ", "password": "correct horse", "name": "Ada", "username": "ada_l"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 1800);
    assert!(body["access_token"].as_str().unwrap().len() > 20);
    assert!(body["refresh_token"].as_str().unwrap().len() > 20);
    let user = &body["user"];
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["username"], "ada_l");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["is_active"], true);
    assert_eq!(
        uuid::Uuid::parse_str(user["id"].as_str().unwrap())
            .unwrap()
            .get_version_num(),
        7
    );
    let text = body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "no credentials in {text}"
    );
}

#[tokio::test]
async fn register_rejects_a_taken_email_case_insensitively_with_409() {
    let app = spawn_app().await;
    app.register("dup@example.com", "correct horse").await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "DUP@example.com", "password": "another pass"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn register_validates_email_and_password_length_with_422_field_errors() {
    let app = spawn_app().await;
    for (email, password, field) in [
        ("not-an-email", "correct horse", "email"),
        ("a@example.com", "1234567", "password"),
        ("a@example.com", &*"x".repeat(129), "password"),
    ] {
        let res = app
            .post_json(
                "/api/v1/auth/register",
                &json!({"email": email, "password": password}),
            )
            .await;
        let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec![field]);
    }
    let ok = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "b@example.com", "password": "x".repeat(128)}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn login_returns_a_token_pair_that_authenticates() {
    let app = spawn_app().await;
    app.register("ada@example.com", "correct horse").await;
    let res = app.login("ADA@example.com", "correct horse").await;
    assert_eq!(res.status(), StatusCode::OK);
    let acc = account_from(
        "ada@example.com",
        "correct horse",
        res.json().await.unwrap(),
    );
    let me = app.get("/api/v1/users/me", Some(&acc.access)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ada@example.com");
    assert!(me["last_login_at"].is_string());
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401_body() {
    let app = spawn_app().await;
    app.register("ada@example.com", "correct horse").await;
    let wrong = app.login("ada@example.com", "wrong horse!").await;
    assert_eq!(
        wrong.headers().get("www-authenticate").unwrap(),
        "Bearer error=\"invalid_token\""
    );
    let wrong = assert_problem(wrong, StatusCode::UNAUTHORIZED).await;
    let unknown = assert_problem(
        app.login("nobody@example.com", "wrong horse!").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_429_and_retry_after() {
    let app = spawn_app_with(|s| s.auth.login_max_failures = 3).await;
    app.register("ada@example.com", "correct horse").await;
    for _ in 0..3 {
        assert_eq!(
            app.login("ada@example.com", "wrong horse!").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = app.login("ada@example.com", "correct horse").await;
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    // Another account from the same client is not locked out.
    app.register("bob@example.com", "correct horse").await;
    assert_eq!(
        app.login("bob@example.com", "correct horse").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn successful_logins_reset_the_failure_count() {
    let app = spawn_app_with(|s| s.auth.login_max_failures = 3).await;
    app.register("ada@example.com", "correct horse").await;
    for _ in 0..3 {
        app.login("ada@example.com", "wrong horse!").await;
        // Not locked yet at 1 and 2; reset by the success in between.
        assert_eq!(
            app.login("ada@example.com", "correct horse").await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_oauth2_password_form_returns_a_usable_access_token() {
    let app = spawn_app().await;
    app.register("ada@example.com", "correct horse").await;
    let res = app
        .request(Method::POST, "/api/v1/auth/token")
        .form(&[
            ("username", "ada@example.com"),
            ("password", "correct horse"),
            ("grant_type", "password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    let me = app
        .get("/api/v1/users/me", body["access_token"].as_str())
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let bad = app
        .request(Method::POST, "/api/v1/auth/token")
        .form(&[("username", "ada@example.com"), ("password", "nope nope")])
        .send()
        .await
        .unwrap();
    assert_problem(bad, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn unauthenticated_requests_get_401_with_www_authenticate() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/users/me", None).await;
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap(),
        "Bearer error=\"invalid_token\""
    );
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
}
