//! Writes that race an admin's demotion or deactivation never undo it: a
//! profile edit or a login writes only its own columns.

use std::sync::Arc;

use keel_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn concurrent_profile_edits_and_logins_never_undo_a_demotion_or_deactivation() {
    let app = Arc::new(spawn_app().await);
    let admin = app
        .create_admin("root@example.com", "correct horse battery")
        .await;
    let staff = app.register_random().await;
    let promoted = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", staff.id),
            Some(&admin.access),
            &json!({"role": "staff"}),
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);

    let mut writers = Vec::new();
    for w in 0..4 {
        let (app, token) = (app.clone(), staff.access.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..15 {
                app.send_json(
                    Method::PATCH,
                    "/api/v1/users/me",
                    Some(&token),
                    &json!({"name": format!("writer {w} edit {i}")}),
                )
                .await;
            }
        }));
    }
    for _ in 0..2 {
        let (app, email, password) = (app.clone(), staff.email.clone(), staff.password.clone());
        writers.push(tokio::spawn(async move {
            for _ in 0..3 {
                app.login(&email, &password).await;
            }
        }));
    }
    let demoted = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", staff.id),
            Some(&admin.access),
            &json!({"role": "customer", "is_active": false}),
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    for w in writers {
        w.await.unwrap();
    }

    let stored: serde_json::Value = app
        .get(&format!("/api/v1/users/{}", staff.id), Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["role"], "customer", "{stored}");
    assert_eq!(stored["is_active"], false, "{stored}");
    let login = app.login(&staff.email, &staff.password).await;
    assert_ne!(
        login.status(),
        StatusCode::OK,
        "a deactivated user cannot sign in"
    );
}

#[tokio::test]
async fn a_hundred_parallel_guesses_check_at_most_the_configured_number_of_passwords() {
    let app = Arc::new(spawn_app().await);
    let victim = app.register_random().await;
    let mut guesses = Vec::new();
    for i in 0..100 {
        let (app, email) = (app.clone(), victim.email.clone());
        let password = if i == 50 {
            victim.password.clone()
        } else {
            format!("wrong guess {i}")
        };
        guesses.push(tokio::spawn(async move {
            app.login(&email, &password).await.status()
        }));
    }
    let mut checked = 0;
    let mut throttled = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::OK | StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let limit = app.settings.auth.login_max_failures as usize;
    assert!(
        checked <= limit,
        "{checked} passwords checked, limit {limit}"
    );
    assert_eq!(checked + throttled, 100);
}
