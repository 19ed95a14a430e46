//! Trusted proxies: forwarding headers name the client only when the TCP
//! peer is in `APP__SERVER__TRUSTED_PROXIES`; sessions and the login
//! throttle use that address.

use keel_e2e::{TestApp, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Logs in with `headers` and returns the new session's recorded address.
async fn login_ip(app: &TestApp, email: &str, password: &str, headers: &[(&str, &str)]) -> String {
    let mut req = app
        .request(reqwest::Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": email, "password": password}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let sessions: Value = app
        .get("/api/v1/auth/sessions", Some(token))
        .await
        .json()
        .await
        .unwrap();
    let mine = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap_or_else(|| panic!("the current session is listed: {sessions}"));
    mine["ip_address"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let ip = login_ip(
        &app,
        &me.email,
        &me.password,
        &[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=198.51.100.7"),
        ],
    )
    .await;
    assert_eq!(ip, "127.0.0.1", "the spoofed headers are not believed");
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_for_sessions_and_the_throttle() {
    let app =
        spawn_app_with(|s| s.server.trusted_proxies = "127.0.0.1/32, 10.0.0.0/8".into()).await;
    let me = app.register_random().await;
    // The client's own claim (first entry) is skipped: the proxy appended
    // the address it saw.
    let ip = login_ip(
        &app,
        &me.email,
        &me.password,
        &[("x-forwarded-for", "6.6.6.6, 203.0.113.9")],
    )
    .await;
    assert_eq!(ip, "203.0.113.9");
    let ip = login_ip(
        &app,
        &me.email,
        &me.password,
        &[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")],
    )
    .await;
    assert_eq!(ip, "2001:db8::7");

    // The throttle counts per client address: one client is locked out,
    // another behind the same proxy is not.
    let attempt = |client: &'static str, password: &'static str| {
        app.request(reqwest::Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", client)
            .json(&json!({"email": me.email, "password": password}))
            .send()
    };
    for _ in 0..5 {
        let res = attempt("198.51.100.1", "not the password").await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = attempt("198.51.100.1", "not the password").await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = attempt("198.51.100.2", "not the password").await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "another client is not throttled"
    );
}
