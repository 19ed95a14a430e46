use keel_e2e::{account_from, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn patch_me_updates_fields_and_null_clears_them() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let res = app
        .send_json(Method::PATCH, "/api/v1/users/me", Some(&acc.access),
            &json!({"name": "Ada Lovelace", "username": "ada", "image_url": "https://img.example/a.png"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["name"].as_str(), body["username"].as_str()),
        (Some("Ada Lovelace"), Some("ada"))
    );
    let res = app
        .send_json(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&acc.access),
            &json!({"image_url": null}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(body["image_url"].is_null());
    assert_eq!(body["name"], "Ada Lovelace", "absent fields are kept");
    let me: Value = app
        .get("/api/v1/users/me", Some(&acc.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "ada");
    assert!(me["image_url"].is_null());
}

#[tokio::test]
async fn patch_me_rejects_invalid_fields_with_422_and_taken_usernames_with_409() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let res = app
        .send_json(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&acc.access),
            &json!({"username": "a b", "image_url": "javascript:alert(1)", "name": ""}),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, vec!["image_url", "name", "username"]);

    let other = app.register_random().await;
    app.send_json(
        Method::PATCH,
        "/api/v1/users/me",
        Some(&other.access),
        &json!({"username": "taken"}),
    )
    .await;
    let res = app
        .send_json(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&acc.access),
            &json!({"username": "taken"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT).await;
    let shouted = app
        .send_json(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&acc.access),
            &json!({"username": "TAKEN"}),
        )
        .await;
    assert_problem(shouted, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn look_alike_identities_are_one_identity() {
    let app = spawn_app().await;
    // The same address in NFC (precomposed ü) and in NFD (u + combining diaeresis).
    let nfc = "j\u{fc}rgen@example.com";
    let nfd = "J\u{75}\u{308}rgen@example.com";
    app.register(nfc, "first password").await;
    let second = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": nfd, "password": "second password"}),
        )
        .await;
    assert_problem(second, StatusCode::CONFLICT).await;
    let login = app.login(nfd, "first password").await;
    assert_eq!(login.status(), StatusCode::OK);

    let taken = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "one@example.com", "password": "long enough", "username": "taken_name"}),
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CREATED);
    let shouted = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "two@example.com", "password": "long enough", "username": "TAKEN_NAME"}),
        )
        .await;
    assert_problem(shouted, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_sessions_only() {
    let app = spawn_app().await;
    let a = app.register_random().await;
    let b = account_from(
        &a.email,
        &a.password,
        app.login(&a.email, &a.password).await.json().await.unwrap(),
    );
    let res = app
        .send_json(
            Method::POST,
            "/api/v1/users/me/password",
            Some(&a.access),
            &json!({"current_password": a.password, "new_password": "a brand new secret"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&a.access)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/users/me", Some(&b.access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&a.email, &a.password).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&a.email, "a brand new secret").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_a_valid_new_one() {
    let app = spawn_app().await;
    let a = app.register_random().await;
    let wrong = app
        .send_json(
            Method::POST,
            "/api/v1/users/me/password",
            Some(&a.access),
            &json!({"current_password": "not it at all", "new_password": "a brand new secret"}),
        )
        .await;
    let body = assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let short = app
        .send_json(
            Method::POST,
            "/api/v1/users/me/password",
            Some(&a.access),
            &json!({"current_password": a.password, "new_password": "short"}),
        )
        .await;
    let body = assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "new_password");
    assert_eq!(
        app.login(&a.email, &a.password).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_me_is_soft_and_ends_every_session() {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    let a = app.register_random().await;
    let res = app
        .request(Method::DELETE, "/api/v1/users/me")
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&a.access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_problem(
        app.login(&a.email, &a.password).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let res = app
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": a.refresh}))
        .await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
    // The row is still there for admins, marked inactive.
    let user: Value = app
        .get(&format!("/api/v1/users/{}", a.id), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["is_active"], false);
}

#[tokio::test]
async fn admin_routes_are_403_for_customers() {
    let app = spawn_app().await;
    let a = app.register_random().await;
    assert_problem(
        app.get("/api/v1/users", Some(&a.access)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/users/{}", a.id), Some(&a.access))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", a.id),
            Some(&a.access),
            &json!({"role": "admin"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn admins_list_search_and_filter_users_with_pagination() {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    for i in 0..5 {
        app.register(&format!("member{i}@example.com"), "correct horse")
            .await;
    }
    app.register("other@elsewhere.org", "correct horse").await;
    let page: Value = app
        .get("/api/v1/users?page=2&size=2", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            page["total"].as_u64(),
            page["page"].as_u64(),
            page["size"].as_u64(),
            page["pages"].as_u64()
        ),
        (Some(7), Some(2), Some(2), Some(4))
    );
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let found: Value = app
        .get("/api/v1/users?q=ELSEWHERE", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["data"][0]["email"], "other@elsewhere.org");
    let literal: Value = app
        .get("/api/v1/users?q=%25", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(literal["total"], 0, "% is matched literally");
    let admins: Value = app
        .get("/api/v1/users?role=admin", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(admins["total"], 1);
    for bad in ["size=0", "size=101", "page=0", "role=root", "size=abc"] {
        let res = app
            .get(&format!("/api/v1/users?{bad}"), Some(&admin.access))
            .await;
        assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
}

#[tokio::test]
async fn admins_change_roles_and_deactivate_users() {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    let a = app.register_random().await;
    let path = format!("/api/v1/users/{}", a.id);
    let res = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&admin.access),
            &json!({"role": "staff"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "staff");
    let me: Value = app
        .get("/api/v1/users/me", Some(&a.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "staff", "role changes apply to existing tokens");

    let res = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&admin.access),
            &json!({"role": "overlord"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    let res = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&admin.access),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["is_active"], false);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&a.access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&admin.access),
            &json!({"is_active": true}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["is_active"], true);
    assert_eq!(
        app.login(&a.email, &a.password).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn admins_soft_delete_users_but_not_themselves() {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    let a = app.register_random().await;
    let res = app
        .request(Method::DELETE, &format!("/api/v1/users/{}", a.id))
        .bearer_auth(&admin.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.login(&a.email, &a.password).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .request(Method::DELETE, &format!("/api/v1/users/{}", admin.id))
        .bearer_auth(&admin.access)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::CONFLICT).await;
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", admin.id),
            Some(&admin.access),
            &json!({"role": "customer"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT).await;
    let missing = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    assert_problem(
        app.get(&missing, Some(&admin.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn create_admin_is_idempotent_and_promotes_existing_users() {
    let app = spawn_app().await;
    let a = app.register("ada@example.com", "correct horse").await;
    app.run_create_admin("ada@example.com", "another password")
        .await;
    assert_eq!(
        app.login("ada@example.com", "another password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "promotion keeps the password"
    );
    let promoted = app.create_admin("ada@example.com", "correct horse").await;
    assert_eq!(promoted.id, a.id);
    let again = app.create_admin("ada@example.com", "correct horse").await;
    assert_eq!(again.id, a.id);
    let me: Value = app
        .get("/api/v1/users/me", Some(&again.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    let list: Value = app
        .get("/api/v1/users?role=admin", Some(&again.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
}
