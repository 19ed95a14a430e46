//! Rate limits (`APP__RATE_LIMIT__*`): off by default; on, per user or
//! anonymous client IP with `RateLimit-Policy`/`RateLimit` headers and a 429
//! problem with `Retry-After` over the limit.

use keel_e2e::{assert_problem, spawn_app, spawn_app_with};
use reqwest::StatusCode;

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn limits_are_off_by_default() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let res = app.get("/api/v1/products", None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "ratelimit"), None);
    }
}

#[tokio::test]
async fn each_user_and_each_anonymous_ip_has_its_own_allowance() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = true;
        s.rate_limit.per_minute = 3;
    })
    .await;
    // Registering counts against this IP's anonymous allowance: do it first.
    let me = app.register_random().await;
    let other = app.register_random().await;
    for remaining in (0..3).rev() {
        let res = app.get("/api/v1/users/me", Some(&me.access)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header(&res, "ratelimit-policy").as_deref(),
            Some("\"default\";q=3;w=60")
        );
        let state = header(&res, "ratelimit").unwrap();
        assert!(
            state.starts_with(&format!("\"default\";r={remaining};t=")),
            "{state}"
        );
    }
    let res = app.get("/api/v1/users/me", Some(&me.access)).await;
    let retry: u64 = header(&res, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        header(&res, "ratelimit")
            .unwrap()
            .starts_with("\"default\";r=0;")
    );
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    // Another user is not affected, nor are health probes.
    let res = app.get("/api/v1/users/me", Some(&other.access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    for _ in 0..5 {
        assert_eq!(
            app.get("/health/ready", None).await.status(),
            StatusCode::OK
        );
    }
    // Anonymous callers share their IP's allowance (spent by the two
    // registrations and at most one more); a forged token counts as the IP.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.get("/api/v1/products", Some("forged.token.here"))
                .await
                .status(),
        );
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}
