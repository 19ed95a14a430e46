//! `/ws`: authentication, streaming to every socket of a user, REST chats
//! pushed, bad frames, limits, revocation, shutdown, and two instances on
//! one PostgreSQL database.

use std::time::Duration;

use futures_util::SinkExt;
use keel_e2e::{
    TestApp, Ws, assert_problem, keel_bin, next_frame, on_postgres, second_instance, spawn_app,
    spawn_app_with, spawn_process,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(10);

/// Frames until (and with) the `chat.response`: the deltas' text and the
/// stored exchange.
async fn read_reply(ws: &mut Ws) -> (String, Value) {
    let mut text = String::new();
    loop {
        let frame = next_frame(ws, WAIT)
            .await
            .expect("a frame in time")
            .expect("the socket stays open");
        match frame["type"].as_str() {
            Some("chat.delta") => text.push_str(frame["text"].as_str().unwrap()),
            Some("chat.response") => return (text, frame),
            other => panic!("unexpected frame {other:?}: {frame}"),
        }
    }
}

async fn send_chat(ws: &mut Ws, message: &str) {
    ws.send(Message::text(
        json!({"type": "chat", "message": message, "agent_id": null}).to_string(),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn a_socket_needs_a_valid_token_in_the_header_or_the_query() {
    let app = spawn_app().await;
    assert_problem(app.get("/ws", None).await, StatusCode::UNAUTHORIZED).await;
    let err = app.try_ws(None, false).await.expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");
    let err = app
        .try_ws(Some("not-a-token"), true)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");
    let me = app.register_random().await;
    // Authenticated but not a WebSocket handshake: a 400 problem.
    assert_problem(
        app.get("/ws", Some(&me.access)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    app.try_ws(Some(&me.access), true)
        .await
        .expect("?token= works");
}

#[tokio::test]
async fn a_reply_streams_to_every_socket_of_the_user_and_to_nobody_else() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let stranger = app.register_random().await;
    let mut first = app.ws(&me.access).await;
    let mut second = app.try_ws(Some(&me.access), true).await.unwrap();
    let mut theirs = app.ws(&stranger.access).await;
    send_chat(&mut first, "stream this please").await;
    let (text_1, done_1) = read_reply(&mut first).await;
    let (text_2, done_2) = read_reply(&mut second).await;
    assert_eq!(done_1["status"], "completed");
    assert_eq!(done_1["message"], "stream this please");
    assert_eq!(
        done_1["response"].as_str().unwrap(),
        text_1,
        "the deltas add up to the reply"
    );
    assert_eq!(text_1, text_2);
    assert_eq!(done_1["id"], done_2["id"]);
    assert!(
        next_frame(&mut theirs, Duration::from_millis(500))
            .await
            .is_none(),
        "another user's socket gets nothing"
    );
    // Stored like a REST chat.
    let stored: Value = app
        .get(
            &format!("/api/v1/chat/{}", done_1["id"].as_str().unwrap()),
            Some(&me.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["response"], done_1["response"]);
}

#[tokio::test]
async fn a_chat_posted_over_rest_is_pushed_to_open_sockets() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let mut socket = app.ws(&me.access).await;
    let res = app
        .send_json(
            Method::POST,
            "/api/v1/chat",
            Some(&me.access),
            &json!({"message": "from rest"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let (text, pushed) = read_reply(&mut socket).await;
    assert_eq!(pushed["id"], created["id"]);
    assert_eq!(text, created["response"].as_str().unwrap());
}

#[tokio::test]
async fn bad_frames_get_an_error_frame_and_the_socket_stays_open() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let mut ws = app.ws(&me.access).await;
    for bad in [
        Message::text("not json"),
        Message::text(r#"{"type":"dance"}"#),
        Message::text(r#"{"type":"chat"}"#),
        Message::text(r#"{"type":"chat","message":"   "}"#),
        Message::text(
            r#"{"type":"chat","message":"hi","agent_id":"0190a1b2-0000-7000-8000-000000000000"}"#,
        ),
        Message::binary(vec![1, 2, 3]),
    ] {
        ws.send(bad).await.unwrap();
        let frame = next_frame(&mut ws, WAIT)
            .await
            .unwrap()
            .expect("still open");
        assert_eq!(frame["type"], "error", "{frame}");
        assert!(!frame["detail"].as_str().unwrap().is_empty());
    }
    send_chat(&mut ws, "still here?").await;
    let (_, done) = read_reply(&mut ws).await;
    assert_eq!(done["status"], "completed");
}

#[tokio::test]
async fn limits_refuse_extra_sockets_and_close_on_an_oversize_frame() {
    let app = spawn_app_with(|s| {
        s.ws.max_sockets_per_user = 1;
        s.ws.max_frame_bytes = 1024;
    })
    .await;
    let me = app.register_random().await;
    let mut ws = app.ws(&me.access).await;
    let err = app
        .try_ws(Some(&me.access), false)
        .await
        .expect_err("one socket only");
    assert!(err.to_string().contains("429"), "{err}");
    ws.send(Message::text("x".repeat(4096))).await.unwrap();
    assert_eq!(
        next_frame(&mut ws, WAIT).await,
        Some(Err(1009)),
        "message too big"
    );
    // Its slot is free again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.try_ws(Some(&me.access), false)
        .await
        .expect("a new socket");
}

/// Sockets close on the revocation event, not on the periodic check: the
/// check is an hour away here and the session cache holds entries for the
/// longest TTL allowed (5 s).
fn revocation_by_event(s: &mut keel_bootstrap::settings::Settings) {
    s.ws.auth_check_secs = 3600;
    s.auth.session_cache_ttl_secs = 5;
}

/// How soon a revocation must close a socket.
const AT_ONCE: Duration = Duration::from_secs(1);

#[tokio::test]
async fn a_logout_a_password_change_or_a_deactivation_closes_the_sockets_at_once() {
    let app = spawn_app_with(revocation_by_event).await;
    let me = app.register_random().await;
    let mut ws = app.ws(&me.access).await;
    let res = app
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth(&me.access)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        next_frame(&mut ws, AT_ONCE).await,
        Some(Err(1008)),
        "closed with policy violation as soon as the session ends"
    );

    // A password change ends the other sessions' sockets, not the caller's.
    let me = app.register_random().await;
    let res = app.login(&me.email, &me.password).await;
    let other: Value = res.json().await.unwrap();
    let other = other["access_token"].as_str().unwrap().to_owned();
    let mut mine = app.ws(&me.access).await;
    let mut elsewhere = app.ws(&other).await;
    let res = app
        .send_json(
            Method::POST,
            "/api/v1/users/me/password",
            Some(&me.access),
            &json!({"current_password": me.password, "new_password": "another long password"}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(next_frame(&mut elsewhere, AT_ONCE).await, Some(Err(1008)));
    send_chat(&mut mine, "still here").await;
    let (_, chat) = read_reply(&mut mine).await;
    assert_eq!(
        chat["message"], "still here",
        "the caller's socket stays open"
    );

    // An admin deactivates another user: that user's socket closes too.
    let admin = app
        .create_admin("root@example.com", "a long admin password")
        .await;
    let other = app.register_random().await;
    let mut theirs = app.ws(&other.access).await;
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", other.id),
            Some(&admin.access),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(next_frame(&mut theirs, AT_ONCE).await, Some(Err(1008)));
}

/// PostgreSQL only (`make test-sqlite` skips `postgres_*`): instances share
/// invalidations through LISTEN/NOTIFY.
#[tokio::test]
async fn postgres_a_logout_or_a_demotion_on_one_instance_holds_on_another_at_once() {
    assert!(
        on_postgres(),
        "instances share invalidations through PostgreSQL LISTEN/NOTIFY: run with TEST_DATABASE_URL"
    );
    let first = spawn_app_with(revocation_by_event).await;
    let second = second_instance(
        &first,
        &[
            ("APP__WS__AUTH_CHECK_SECS", "3600"),
            ("APP__AUTH__SESSION_CACHE_TTL_SECS", "5"),
        ],
    )
    .await;
    let second = &second.app;
    let me = first.register_random().await;
    // The second instance caches the session and the user.
    let res = second.get("/api/v1/users/me", Some(&me.access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut ws = second.ws(&me.access).await;
    let res = first
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth(&me.access)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(next_frame(&mut ws, AT_ONCE).await, Some(Err(1008)));
    let res = second.get("/api/v1/users/me", Some(&me.access)).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "refused by the other instance"
    );

    // A demotion on the first is honoured by the second within a second.
    let root = first
        .create_admin("root@example.com", "a long admin password")
        .await;
    let deputy = first.register_random().await;
    let res = first
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", deputy.id),
            Some(&root.access),
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        second
            .get("/api/v1/users", Some(&deputy.access))
            .await
            .status(),
        StatusCode::OK,
        "an admin on the second instance (now cached there)"
    );
    let res = first
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", deputy.id),
            Some(&root.access),
            &json!({"role": "customer"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    tokio::time::sleep(AT_ONCE).await;
    assert_eq!(
        second
            .get("/api/v1/users", Some(&deputy.access))
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "demoted on the second instance within a second"
    );
}

#[tokio::test]
async fn an_idle_socket_is_closed_and_shutdown_closes_with_1001() {
    let app = spawn_app_with(|s| {
        s.ws.heartbeat_secs = 1;
        s.ws.idle_timeout_secs = 1;
    })
    .await;
    let me = app.register_random().await;
    let mut idle = app.ws(&me.access).await;
    // Not reading means not answering pings.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(next_frame(&mut idle, WAIT).await, Some(Err(1000)));

    let app = spawn_app().await;
    let me = app.register_random().await;
    let mut ws = app.ws(&me.access).await;
    app.stopper.stop();
    assert_eq!(next_frame(&mut ws, WAIT).await, Some(Err(1001)));
}

/// PostgreSQL only (`make test-sqlite` skips `postgres_*`): on SQLite one
/// process owns the database and the bus is in-process.
#[tokio::test]
async fn postgres_two_instances_push_to_each_others_sockets() {
    assert!(
        on_postgres(),
        "two instances share frames through PostgreSQL LISTEN/NOTIFY: run with TEST_DATABASE_URL"
    );
    let first = spawn_app().await;
    let second = second_instance(&first, &[]).await;
    let second = &second.app;
    let me = first.register_random().await;
    let mut on_first = first.ws(&me.access).await;
    let mut on_second = second.ws(&me.access).await;
    // A chat over REST on the second, and one over the socket on the first.
    let res = second
        .send_json(
            Method::POST,
            "/api/v1/chat",
            Some(&me.access),
            &json!({"message": "via rest"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, a) = read_reply(&mut on_first).await;
    let (_, b) = read_reply(&mut on_second).await;
    assert_eq!(a["message"], "via rest");
    assert_eq!(a["id"], b["id"]);
    send_chat(&mut on_first, "via socket").await;
    let (text_a, a) = read_reply(&mut on_first).await;
    let (text_b, b) = read_reply(&mut on_second).await;
    assert_eq!(a["id"], b["id"]);
    assert_eq!(text_a, text_b);
    assert_eq!(b["message"], "via socket");
}

#[tokio::test]
async fn the_real_process_closes_its_sockets_with_1001_and_exits_on_sigterm() {
    let bin = keel_bin().expect("the keel binary in KEEL_BIN, which `make test` sets");
    let app = spawn_app().await;
    let mut process = spawn_process(&bin, &app.settings);
    let me = app.register_random().await;
    let client = TestApp {
        address: process.address(),
        port: process.port,
        client: app.client.clone(),
        settings: app.settings.clone(),
        stopper: app.stopper.clone(),
    };
    let mut ws = client.ws(&me.access).await;
    let exited = tokio::task::spawn_blocking(move || process.terminate(Duration::from_secs(15)))
        .await
        .unwrap();
    assert_eq!(next_frame(&mut ws, WAIT).await, Some(Err(1001)));
    assert!(
        exited,
        "the process exits after SIGTERM (no connection keeps it alive)"
    );
}
