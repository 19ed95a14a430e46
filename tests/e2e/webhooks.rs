//! Clerk webhooks over HTTP: Svix signatures, durable storage, asynchronous
//! application with retries, and the admin event log.

use keel_e2e::fake_clerk::{
    FakeClerk, WEBHOOK_SECRET, clerk_user, keys, now, session_claims, svix_signature,
};
use keel_e2e::{TestApp, assert_problem, spawn_clerk_app, spawn_with_settings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn event(kind: &str, data: Value) -> Value {
    json!({"object": "event", "type": kind, "timestamp": 1_700_000_000_000_i64, "instance_id": "ins_1", "data": data})
}

async fn setup() -> (FakeClerk, TestApp, String) {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    (fake, app, admin.access)
}

async fn find_user(app: &TestApp, admin: &str, q: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/users?q={q}"), Some(admin))
        .await
        .json()
        .await
        .unwrap();
    page["data"].as_array().cloned().unwrap()
}

#[tokio::test]
async fn a_signed_user_created_delivery_is_stored_then_applied() {
    let (_fake, app, admin) = setup().await;
    let body = event(
        "user.created",
        clerk_user("user_w1", "w1@clerk-users.example", true, "Grace", 1000),
    );
    let res = app.post_webhook("msg_1", &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
    let events = app.wait_for_events(&admin, "processed", 1).await;
    assert_eq!(events[0]["svix_id"], "msg_1");
    assert_eq!(events[0]["event_type"], "user.created");
    assert_eq!(events[0]["attempts"], 1);
    assert!(events[0]["processed_at"].is_string());
    let users = find_user(&app, &admin, "w1@clerk-users.example").await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["name"], "Grace Tester");
    assert_eq!(users[0]["email_verified"], true);
    assert_eq!(
        users[0]["role"], "customer",
        "unsafe_metadata is never read"
    );
}

#[tokio::test]
async fn bad_signatures_are_400_and_store_nothing() {
    let (_fake, app, admin) = setup().await;
    let body = event(
        "user.created",
        clerk_user("user_bad", "bad@clerk-users.example", true, "Bad", 1),
    )
    .to_string();
    let ts = now();
    let good = svix_signature(WEBHOOK_SECRET, "msg_bad", ts, &body);
    let other_secret = svix_signature(
        "whsec_QW5vdGhlclNlY3JldEFub3RoZXJTZWNyZXQ=",
        "msg_bad",
        ts,
        &body,
    );
    let mut changed = body.clone();
    changed.replace_range(10..11, "X");
    // The exact edges (300 s accepted, 301 s refused) are in the verifier's
    // unit test with a fixed clock; here the server reads its own clock a
    // moment later (a whole second later across a second boundary, which
    // once let "301 s ahead" through as 300), so these cases keep a margin.
    let sig = |t: i64| svix_signature(WEBHOOK_SECRET, "msg_bad", t, &body);
    type Headers = Vec<(&'static str, String)>;
    let cases: Vec<(&str, Headers, String)> = vec![
        (
            "another secret",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", ts.to_string()),
                ("svix-signature", other_secret),
            ],
            body.clone(),
        ),
        (
            "body changed by one byte",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", ts.to_string()),
                ("svix-signature", good.clone()),
            ],
            changed,
        ),
        (
            "310 s old",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", (ts - 310).to_string()),
                ("svix-signature", sig(ts - 310)),
            ],
            body.clone(),
        ),
        (
            "310 s ahead",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", (ts + 310).to_string()),
                ("svix-signature", sig(ts + 310)),
            ],
            body.clone(),
        ),
        (
            "missing signature",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", ts.to_string()),
            ],
            body.clone(),
        ),
        (
            "missing id",
            vec![
                ("svix-timestamp", ts.to_string()),
                ("svix-signature", good.clone()),
            ],
            body.clone(),
        ),
        (
            "v1 with nothing after it",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", ts.to_string()),
                ("svix-signature", "v1,".into()),
            ],
            body.clone(),
        ),
        (
            "only v2 entries",
            vec![
                ("svix-id", "msg_bad".into()),
                ("svix-timestamp", ts.to_string()),
                ("svix-signature", good.replace("v1,", "v2,")),
            ],
            body.clone(),
        ),
    ];
    for (case, headers, payload) in cases {
        let mut req = app
            .request(Method::POST, "/api/v1/webhooks/clerk")
            .header("content-type", "application/json")
            .body(payload);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{case}");
        assert_problem(res, StatusCode::BAD_REQUEST).await;
    }
    let page: Value = app
        .get("/api/v1/admin/webhook-events", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0, "nothing stored");
}

#[tokio::test]
async fn webhook_header_aliases_are_accepted() {
    let (_fake, app, admin) = setup().await;
    let body = event(
        "user.created",
        clerk_user("user_alias", "alias@clerk-users.example", true, "Al", 5),
    )
    .to_string();
    let ts = now();
    let res = app
        .request(Method::POST, "/api/v1/webhooks/clerk")
        .header("content-type", "application/json")
        .header("webhook-id", "msg_alias")
        .header("webhook-timestamp", ts.to_string())
        .header(
            "webhook-signature",
            svix_signature(WEBHOOK_SECRET, "msg_alias", ts, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.wait_for_events(&admin, "processed", 1).await;
}

#[tokio::test]
async fn the_same_svix_id_twice_is_accepted_and_applied_once() {
    let (_fake, app, admin) = setup().await;
    let body = event(
        "user.created",
        clerk_user("user_dup", "dup@clerk-users.example", true, "Dup", 10),
    );
    assert_eq!(
        app.post_webhook("msg_dup", &body).await.status(),
        StatusCode::OK
    );
    let again = app.post_webhook("msg_dup", &body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["status"], "duplicate");
    app.wait_for_events(&admin, "processed", 1).await;
    let page: Value = app
        .get("/api/v1/admin/webhook-events", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["data"][0]["attempts"], 1);
}

#[tokio::test]
async fn user_updated_before_user_created_keeps_the_newer_data() {
    let (_fake, app, admin) = setup().await;
    let newer = event(
        "user.updated",
        clerk_user("user_ooo", "ooo@clerk-users.example", true, "Newer", 2000),
    );
    let older = event(
        "user.created",
        clerk_user("user_ooo", "ooo@clerk-users.example", true, "Older", 1000),
    );
    app.post_webhook("msg_ooo_2", &newer).await;
    app.wait_for_events(&admin, "processed", 1).await;
    app.post_webhook("msg_ooo_1", &older).await;
    app.wait_for_events(&admin, "processed", 2).await;
    let users = find_user(&app, &admin, "ooo@clerk-users.example").await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["name"], "Newer Tester");
}

#[tokio::test]
async fn user_deleted_twice_deactivates_once_and_signs_the_user_out() {
    let (key, _) = keys();
    let (_fake, app, admin) = setup().await;
    let token = key.sign(&session_claims("user_gone"));
    assert_eq!(
        app.get("/api/v1/users/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    let deleted = event(
        "user.deleted",
        json!({"id": "user_gone", "object": "user", "deleted": true}),
    );
    app.post_webhook("msg_del_1", &deleted).await;
    app.post_webhook("msg_del_2", &deleted).await;
    app.post_webhook(
        "msg_del_unknown",
        &event(
            "user.deleted",
            json!({"id": "user_never_seen", "deleted": true}),
        ),
    )
    .await;
    app.wait_for_events(&admin, "processed", 3).await;
    assert_problem(
        app.get("/api/v1/users/me", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn unhandled_event_types_are_stored_as_ignored() {
    let (_fake, app, admin) = setup().await;
    let res = app
        .post_webhook(
            "msg_sess",
            &event("session.created", json!({"id": "sess_1"})),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ignored");
    let ignored = app.wait_for_events(&admin, "ignored", 1).await;
    assert_eq!(ignored[0]["event_type"], "session.created");
}

#[tokio::test]
async fn an_oversized_delivery_is_413() {
    let (_fake, app, _admin) = setup().await;
    let body = event(
        "user.created",
        json!({"id": "user_big", "padding": "x".repeat(300 * 1024)}),
    );
    assert_problem(
        app.post_webhook("msg_big", &body).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
}

#[tokio::test]
async fn linking_by_email_needs_both_sides_verified() {
    let (key, _) = keys();
    let (_fake, app, admin) = setup().await;
    // A verified local account (create-admin verifies) is linked.
    let boss = app.create_admin("boss@example.com", "admin password").await;
    app.post_webhook(
        "msg_link",
        &event(
            "user.created",
            clerk_user("user_boss", "boss@example.com", true, "Boss", 1),
        ),
    )
    .await;
    // An unverified local account is not: the Clerk user gets its own row.
    let local = app.register("plain@example.com", "correct horse").await;
    app.post_webhook(
        "msg_nolink",
        &event(
            "user.created",
            clerk_user("user_plain", "plain@example.com", true, "Plain", 1),
        ),
    )
    .await;
    app.wait_for_events(&admin, "processed", 2).await;
    let me: Value = app
        .get(
            "/api/v1/users/me",
            Some(&key.sign(&session_claims("user_boss"))),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], boss.id.as_str());
    let other: Value = app
        .get(
            "/api/v1/users/me",
            Some(&key.sign(&session_claims("user_plain"))),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(other["id"], local.id.as_str());
    assert!(other["email"].as_str().unwrap().ends_with("@clerk.invalid"));
}

#[tokio::test]
async fn admins_list_events_by_status_and_retry_dead_ones() {
    let (_fake, app, admin) = setup().await;
    let customer = app.register_random().await;
    app.post_webhook("msg_broken", &event("user.created", json!({"id": ""})))
        .await;
    app.post_webhook(
        "msg_fine",
        &event(
            "user.created",
            clerk_user("user_fine", "fine@clerk-users.example", true, "F", 1),
        ),
    )
    .await;
    let dead = app.wait_for_events(&admin, "dead", 1).await;
    assert_eq!(dead[0]["svix_id"], "msg_broken");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("user"));
    app.wait_for_events(&admin, "processed", 1).await;
    assert_problem(
        app.get("/api/v1/admin/webhook-events", Some(&customer.access))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get("/api/v1/admin/webhook-events?status=lost", Some(&admin))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let id = dead[0]["id"].as_str().unwrap();
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/admin/webhook-events/{id}/retry"),
        )
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
    for _ in 0..200 {
        let again = app.wait_for_events(&admin, "dead", 1).await;
        if again[0]["attempts"].as_u64() == Some(2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let again = app.wait_for_events(&admin, "dead", 1).await;
    assert_eq!(again[0]["attempts"], 2, "the retry ran once more");

    let processed = app.wait_for_events(&admin, "processed", 1).await;
    let path = format!(
        "/api/v1/admin/webhook-events/{}/retry",
        processed[0]["id"].as_str().unwrap()
    );
    let res = app
        .request(Method::POST, &path)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::CONFLICT).await;
    let missing = format!(
        "/api/v1/admin/webhook-events/{}/retry",
        uuid::Uuid::now_v7()
    );
    assert_problem(
        app.request(Method::POST, &missing)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_delivery_stored_before_a_restart_is_applied_after_it() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let first = spawn_clerk_app(&fake, |s| s.jobs.enabled = false).await;
    let res = first
        .post_webhook(
            "msg_restart",
            &event(
                "user.created",
                clerk_user("user_rs", "rs@clerk-users.example", true, "Re", 1),
            ),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut settings = first.settings.clone();
    settings.jobs.enabled = true;
    let second = spawn_with_settings(settings).await;
    let admin = second
        .create_admin("root@example.com", "admin password")
        .await;
    second.wait_for_events(&admin.access, "processed", 1).await;
    assert_eq!(
        find_user(&second, &admin.access, "rs@clerk-users.example")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn without_a_webhook_secret_the_endpoint_is_404() {
    let app = keel_e2e::spawn_app().await;
    let res = app.post_json("/api/v1/webhooks/clerk", &json!({})).await;
    assert_problem(res, StatusCode::NOT_FOUND).await;
}
