use futures_util::future::join_all;
use keel_e2e::{account_from, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn refresh_rotates_the_pair_and_spends_the_old_refresh_token() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": acc.refresh}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let next = account_from(&acc.email, &acc.password, res.json().await.unwrap());
    assert_ne!(next.refresh, acc.refresh);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&next.access))
            .await
            .status(),
        StatusCode::OK
    );
    // The session id survives rotation: one live session.
    let sessions: Value = app
        .get("/api/v1/auth/sessions", Some(&next.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn replaying_a_spent_refresh_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": acc.refresh}),
        )
        .await;
    let next = account_from(&acc.email, &acc.password, res.json().await.unwrap());
    let replay = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": acc.refresh}),
        )
        .await;
    assert_problem(replay, StatusCode::UNAUTHORIZED).await;
    // The thief's replay also killed the legitimate successor.
    let after = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": next.refresh}),
        )
        .await;
    assert_problem(after, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        app.get("/api/v1/users/me", Some(&next.access))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_let_exactly_one_win() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let body = json!({"refresh_token": acc.refresh});
    let attempts = (0..8).map(|_| app.post_json("/api/v1/auth/refresh", &body));
    let statuses: Vec<StatusCode> = join_all(attempts)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(wins, 1, "statuses: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn unknown_or_garbage_refresh_tokens_are_401() {
    let app = spawn_app().await;
    for token in ["", "nope", &"x".repeat(5000)] {
        let res = app
            .post_json("/api/v1/auth/refresh", &json!({"refresh_token": token}))
            .await;
        assert_problem(res, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn logout_stops_the_access_and_refresh_tokens_at_once() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth(&acc.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/users/me", Some(&acc.access)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": acc.refresh}),
        )
        .await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn sessions_are_listed_with_current_and_can_be_revoked() {
    let app = spawn_app().await;
    let first = app.register_random().await;
    let second_res = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("user-agent", "e2e-phone/1.0")
        .json(&json!({"email": first.email, "password": first.password}))
        .send()
        .await
        .unwrap();
    let second = account_from(
        &first.email,
        &first.password,
        second_res.json().await.unwrap(),
    );

    let list: Value = app
        .get("/api/v1/auth/sessions", Some(&first.access))
        .await
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let other = list.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["user_agent"], "e2e-phone/1.0");
    assert_eq!(other["ip_address"], "127.0.0.1");
    for key in ["id", "created_at", "last_used_at"] {
        assert!(other[key].is_string(), "{key}");
    }

    let path = format!("/api/v1/auth/sessions/{}", other["id"].as_str().unwrap());
    let res = app
        .request(Method::DELETE, &path)
        .bearer_auth(&first.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&second.access))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/users/me", Some(&first.access))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn revoking_another_users_session_is_404_and_changes_nothing() {
    let app = spawn_app().await;
    let alice = app.register_random().await;
    let bob = app.register_random().await;
    let bobs: Value = app
        .get("/api/v1/auth/sessions", Some(&bob.access))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/auth/sessions/{}", bobs[0]["id"].as_str().unwrap());
    let res = app
        .request(Method::DELETE, &path)
        .bearer_auth(&alice.access)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_FOUND).await;
    assert_eq!(
        app.get("/api/v1/users/me", Some(&bob.access))
            .await
            .status(),
        StatusCode::OK
    );
    let res = app
        .request(Method::DELETE, "/api/v1/auth/sessions/not-a-uuid")
        .bearer_auth(&alice.access)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_FOUND).await;
}
