//! Text the database cannot store or a field does not allow is refused at
//! the edge, the same way on SQLite and PostgreSQL: NUL and other control
//! characters are a 422 naming the field (bodies and query strings), and a
//! JSON body in another charset than UTF-8 is a 415.

use keel_e2e::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn field_of(problem: &Value) -> String {
    problem["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_nul_in_a_search_term_is_a_422_naming_the_parameter() {
    let app = spawn_app().await;
    let admin = app
        .create_admin("root@example.com", "correct horse battery")
        .await;
    for (path, token) in [
        ("/api/v1/products?q=%00", None),
        ("/api/v1/products?q=tea%00cup&page=1", None),
        ("/api/v1/users?q=%00", Some(admin.access.as_str())),
    ] {
        let res = app.get(path, token).await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(field_of(&problem), "q", "{path}");
    }
}

#[tokio::test]
async fn control_characters_in_json_bodies_are_a_422_naming_the_field() {
    let app = spawn_app().await;
    let admin = app
        .create_admin("root@example.com", "correct horse battery")
        .await;
    let res = app
        .send_json(
            Method::POST,
            "/api/v1/categories",
            Some(&admin.access),
            &json!({"name": "Teas", "description": "green\u{0}black"}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field_of(&problem), "description");

    let res = app
        .send_json(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&admin.access),
            &json!({"name": "bell\u{7}"}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field_of(&problem), "name");

    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "a@example.com", "password": "pass\u{0}word123"}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field_of(&problem), "password");

    let ok = app
        .send_json(
            Method::POST,
            "/api/v1/categories",
            Some(&admin.access),
            &json!({"name": "Teas", "description": "green\nblack\tand more"}),
        )
        .await;
    assert_eq!(
        ok.status(),
        StatusCode::CREATED,
        "newlines and tabs are text"
    );
}

#[tokio::test]
async fn a_json_body_declared_in_another_charset_is_a_415() {
    let app = spawn_app().await;
    for content_type in [
        "application/json; charset=utf-16",
        "application/json;charset=\"ISO-8859-1\"",
    ] {
        let res = app
            .request(Method::POST, "/api/v1/auth/login")
            .header("content-type", content_type)
            .body(r#"{"email":"a@example.com","password":"whatever123"}"#)
            .send()
            .await
            .unwrap();
        assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "application/json; charset=UTF-8")
        .body(r#"{"email":"a@example.com","password":"whatever123"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn page_numbers_past_any_offset_are_a_422_on_every_list_never_a_dropped_connection() {
    let app = spawn_app().await;
    let admin = app
        .create_admin("root@example.com", "correct horse battery")
        .await;
    for list in [
        "/api/v1/products",
        "/api/v1/users",
        "/api/v1/orders",
        "/api/v1/admin/orders",
    ] {
        for query in [
            "page=18446744073709551615",
            "page=9223372036854775807&size=100",
            "page=1000001",
        ] {
            let path = format!("{list}?{query}");
            let res = app.get(&path, Some(&admin.access)).await;
            let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert!(problem.to_string().contains("page"), "{path}: {problem}");
        }
        let last = app
            .get(
                &format!("{list}?page=1000000&size=100"),
                Some(&admin.access),
            )
            .await;
        assert_eq!(
            last.status(),
            StatusCode::OK,
            "{list}: the largest page is served"
        );
    }
}
