//! Redis as shared state (`APP__REDIS__URL`): instances share the login
//! throttle, rate limits and cache invalidations; Redis down degrades
//! readiness but not service.

use std::time::Duration;

use keel_e2e::{next_frame, on_postgres, second_instance, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn without_redis_answering_requests_are_served_and_readiness_says_degraded() {
    let app = spawn_app_with(|s| {
        s.redis.url = Some("redis://127.0.0.1:1".to_owned().into());
        s.rate_limit.enabled = true;
    })
    .await;
    let res = app.get("/health/ready", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"status": "degraded", "degraded": ["redis"]}));
    // Registration, login, the throttle and logout work on this instance.
    let me = app.register_random().await;
    for _ in 0..5 {
        let res = app.login(&me.email, "not the password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.login(&me.email, "not the password").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth(&me.access)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(
        app.get("/api/v1/users/me", Some(&me.access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Needs Redis and PostgreSQL (`make test` runs `redis_*` with both).
#[tokio::test]
async fn redis_instances_share_the_throttle_the_rate_limit_and_revocations() {
    let redis = std::env::var("TEST_REDIS_URL")
        .expect("TEST_REDIS_URL (make test sets it when Redis answers)");
    assert!(
        on_postgres(),
        "two instances need one PostgreSQL database: run with TEST_DATABASE_URL"
    );
    let prefix = format!("keel-e2e-{}", uuid::Uuid::now_v7());
    let first = {
        let (redis, prefix) = (redis.clone(), prefix.clone());
        spawn_app_with(move |s| {
            s.redis.url = Some(redis.into());
            s.redis.prefix = prefix;
            s.rate_limit.enabled = true;
            s.rate_limit.per_minute = 20;
            s.ws.auth_check_secs = 3600;
            s.auth.session_cache_ttl_secs = 5;
        })
        .await
    };
    let second = second_instance(
        &first,
        &[
            ("APP__REDIS__URL", redis.as_str()),
            ("APP__REDIS__PREFIX", prefix.as_str()),
            ("APP__RATE_LIMIT__ENABLED", "true"),
            ("APP__RATE_LIMIT__PER_MINUTE", "20"),
            ("APP__WS__AUTH_CHECK_SECS", "3600"),
            ("APP__AUTH__SESSION_CACHE_TTL_SECS", "5"),
        ],
    )
    .await;
    let second = &second.app;
    for app in [&first, second] {
        let ready: Value = app.get("/health/ready", None).await.json().await.unwrap();
        assert_eq!(ready, json!({"status": "ok"}), "every instance is ready");
    }

    // The throttle is shared: five wrong passwords spread over both, and
    // the sixth is refused on either.
    let victim = first.register_random().await;
    for n in 0..5 {
        let app = if n % 2 == 0 { &first } else { second };
        let res = app.login(&victim.email, "not the password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for app in [&first, second] {
        let res = app.login(&victim.email, "not the password").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    // A logout on one is refused by the other at once, and its socket there
    // closes.
    let me = first.register_random().await;
    assert_eq!(
        second
            .get("/api/v1/users/me", Some(&me.access))
            .await
            .status(),
        StatusCode::OK
    );
    let mut ws = second.ws(&me.access).await;
    let res = first
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth(&me.access)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(
        next_frame(&mut ws, Duration::from_secs(1)).await,
        Some(Err(1008))
    );
    assert_eq!(
        second
            .get("/api/v1/users/me", Some(&me.access))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // One user's allowance is counted by both instances together.
    let counted = first.register_random().await;
    let mut served = 0;
    for n in 0..30 {
        let app = if n % 2 == 0 { &first } else { second };
        match app
            .get("/api/v1/users/me", Some(&counted.access))
            .await
            .status()
        {
            StatusCode::OK => served += 1,
            StatusCode::TOO_MANY_REQUESTS => break,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(served, 20, "the limit holds across instances");
}
