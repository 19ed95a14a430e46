use keel_e2e::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn health_answers_ok_with_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/health", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("x-request-id").is_some());
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

#[tokio::test]
async fn readiness_answers_ok_when_the_database_answers() {
    let app = spawn_app().await;
    let res = app.get("/health/ready", None).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/health", "get"),
        ("/health/ready", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/sessions", "get"),
        ("/api/v1/auth/sessions/{id}", "delete"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/me", "patch"),
        ("/api/v1/users/me", "delete"),
        ("/api/v1/users/me/password", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/webhooks/clerk", "post"),
        ("/api/v1/admin/webhook-events", "get"),
        ("/api/v1/admin/webhook-events/{id}/retry", "post"),
        ("/api/v1/categories", "get"),
        ("/api/v1/categories", "post"),
        ("/api/v1/categories/{id}", "patch"),
        ("/api/v1/categories/{id}", "delete"),
        ("/api/v1/products", "get"),
        ("/api/v1/products", "post"),
        ("/api/v1/products/{id}", "get"),
        ("/api/v1/products/{id}", "patch"),
        ("/api/v1/products/{id}", "delete"),
        ("/api/v1/products/{id}/images", "post"),
        ("/api/v1/images/{key}", "get"),
        ("/api/v1/cart", "get"),
        ("/api/v1/cart", "delete"),
        ("/api/v1/cart/items/{product_id}", "put"),
        ("/api/v1/cart/items/{product_id}", "delete"),
        ("/api/v1/orders", "post"),
        ("/api/v1/orders", "get"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/orders/{id}/cancel", "post"),
        ("/api/v1/admin/orders", "get"),
        ("/api/v1/admin/orders/{id}", "patch"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_owned()),
                    _ => refs(v, out),
                }),
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let responses = doc["components"]["responses"].as_object().unwrap();
    for r in &all {
        let name = r.rsplit('/').next().unwrap();
        let target = if r.starts_with("#/components/responses/") {
            responses
        } else {
            schemas
        };
        assert!(target.contains_key(name), "dangling {r}");
    }
    assert!(
        schemas.contains_key("PageResponse_UserResponse"),
        "pages are typed per item"
    );
    let login_responses = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(login_responses.get("401").is_some() && login_responses.get("429").is_some());
}

#[tokio::test]
async fn docs_page_and_its_assets_are_served_locally() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/docs", None).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let res = app.get("/api/v1/docs/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "docs page is Swagger UI");
    assert!(!html.contains("cdn."), "no CDN assets");
    let bundle = app.get("/api/v1/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
}

#[tokio::test]
async fn unknown_routes_are_problem_404s() {
    let app = spawn_app().await;
    let body = assert_problem(app.get("/api/v1/nope", None).await, StatusCode::NOT_FOUND).await;
    assert_eq!(body["type"], "about:blank");
}

#[tokio::test]
async fn malformed_json_is_a_problem_400() {
    let app = spawn_app().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn a_wrong_content_type_is_a_problem_415() {
    let app = spawn_app().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test]
async fn an_oversized_body_is_a_problem_413() {
    let app = spawn_app().await;
    let big = "x".repeat(200 * 1024);
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": big, "password": "x"}),
        )
        .await;
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn a_missing_field_or_wrong_type_is_a_problem_422() {
    let app = spawn_app().await;
    let res = app
        .post_json("/api/v1/auth/login", &json!({"email": "a@b.co"}))
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()));
    let res = app
        .post_json("/api/v1/auth/login", &json!({"email": 5, "password": "x"}))
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn a_method_a_path_does_not_declare_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let trace = Method::from_bytes(b"TRACE").unwrap();
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/auth/login", "POST"),
        (trace.clone(), "/api/v1/users/me", "GET, DELETE, PATCH"),
        (trace, "/api/v1/products", "GET, POST"),
        (Method::PUT, "/health", "GET"),
        (
            Method::POST,
            "/api/v1/products/some-slug",
            "GET, DELETE, PATCH",
        ),
        (Method::DELETE, "/api/v1/admin/orders", "GET"),
        (Method::PATCH, "/api/v1/images/abc.png", "GET"),
    ] {
        let res = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(
            res.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        assert_problem(res, StatusCode::METHOD_NOT_ALLOWED).await;
    }
    let unknown = app
        .request(Method::PUT, "/api/v1/nothing")
        .send()
        .await
        .unwrap();
    assert_problem(unknown, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app =
        keel_e2e::spawn_app_with(|s| s.server.cors_origins = "https://app.example".into()).await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/auth/login")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight("https://app.example").await.unwrap();
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example")
    );
    let denied = preflight("https://evil.example").await.unwrap();
    assert!(
        denied
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    // A rejected preflight is a problem document, not plain text.
    assert_problem(denied, StatusCode::BAD_REQUEST).await;
    // A 405 rewritten as a problem keeps its CORS headers, so the browser can read it.
    let wrong_method = app
        .request(Method::PUT, "/api/v1/users/me")
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong_method
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example")
    );
    assert_problem(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_tokens_are_never_cached() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "headers@example.com", "password": "long enough"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let h = res.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "HSTS is off by default"
    );

    let problem = app.get("/api/v1/nowhere", None).await;
    assert_eq!(problem.headers()["x-content-type-options"], "nosniff");

    let docs = app.get("/api/v1/docs/", None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(docs.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn hsts_is_sent_only_when_configured() {
    let app = keel_e2e::spawn_app_with(|s| s.server.hsts_max_age_secs = 86_400).await;
    let res = app.get("/health", None).await;
    assert_eq!(res.headers()["strict-transport-security"], "max-age=86400");
}

#[tokio::test]
async fn readiness_fails_while_the_upload_directory_is_not_writable() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/health/ready", None).await.status(),
        StatusCode::OK
    );
    let dir = std::path::PathBuf::from(&app.settings.uploads.dir);
    let moved = dir.with_extension("away");
    std::fs::rename(&dir, &moved).unwrap();
    std::fs::write(&dir, b"a file where the directory was").unwrap();
    let res = app.get("/health/ready", None).await;
    let body = assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        body["detail"].as_str().unwrap().contains("upload"),
        "{body}"
    );
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(&moved, &dir).unwrap();
    assert_eq!(
        app.get("/health/ready", None).await.status(),
        StatusCode::OK
    );
}

/// The value of the series `name{labels}` in a Prometheus text scrape.
fn series(scrape: &str, name_and_labels: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let rest = line.strip_prefix(name_and_labels)?;
        rest.strip_prefix(' ')?.trim().parse().ok()
    })
}

async fn scrape(app: &keel_e2e::TestApp, token: Option<&str>) -> String {
    let res = app.get("/metrics", token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    res.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_report_the_instance() {
    let app = spawn_app().await;
    let id = uuid::Uuid::now_v7();
    let path = format!("/api/v1/products/{id}");
    let requests =
        r#"http_requests_total{method="GET",route="/api/v1/products/{id_or_slug}",status="404"}"#;
    app.get(&path, None).await;
    let before = series(&scrape(&app, None).await, requests).expect("the 404 is counted");
    app.get(&path, None).await;
    app.get("/no/such/route/at/all", None).await;
    let me = app.register_random().await;
    let _socket = app.ws(&me.access).await;
    for _ in 0..6 {
        app.login(&me.email, "not the password").await;
    }
    let after = scrape(&app, None).await;
    assert_eq!(
        series(&after, requests),
        Some(before + 1.0),
        "the counter moves"
    );
    assert!(
        !after.contains(&id.to_string()),
        "ids never become labels: series stay bounded"
    );
    assert!(
        series(
            &after,
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#
        )
        .is_some()
    );
    assert!(
        after.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/products/{id_or_slug}",le="0.005"}"#),
        "a histogram by route template"
    );
    assert_eq!(series(&after, "auth_login_throttled_total"), Some(1.0));
    assert_eq!(series(&after, "websocket_connections"), Some(1.0));
    assert!(series(&after, r#"db_pool_connections{state="idle"}"#).is_some());
    assert!(series(&after, "db_pool_max_connections").unwrap() >= 1.0);
    assert_eq!(series(&after, r#"jobs{state="dead"}"#), Some(0.0));
    assert_eq!(
        series(&after, r#"webhook_events{status="pending"}"#),
        Some(0.0)
    );
    for name in [
        "http_requests_total",
        "http_request_duration_seconds",
        "jobs",
    ] {
        assert!(
            after.contains(&format!("# TYPE {name} ")),
            "{name} is typed"
        );
    }
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_configured() {
    let app = keel_e2e::spawn_app_with(|s| {
        s.metrics.token = Some("scrape-me-please".to_owned().into());
    })
    .await;
    assert_problem(app.get("/metrics", None).await, StatusCode::UNAUTHORIZED).await;
    assert_problem(
        app.get("/metrics", Some("scrape-me-not")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let text = scrape(&app, Some("scrape-me-please")).await;
    assert!(text.contains("http_requests_total"));
}
